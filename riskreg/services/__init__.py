"""The only code that queries or writes. Services flush; the request commits once."""


class ServiceError(Exception):
    """A request that cannot be carried out; the message is safe to show to the user."""


class StaleEdit(ServiceError):
    def __init__(self, what: str = "risk") -> None:
        super().__init__(f"This {what} was changed by someone else while you were editing it")


class NotAllowed(ServiceError):
    pass
