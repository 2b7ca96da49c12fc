"""The only code that queries or writes. Services flush; the request commits once."""


class ServiceError(Exception):
    """A request that cannot be carried out; the message is safe to show to the user.

    ``field`` names the input at fault when there is one, so the API can report
    the message against that field.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class StaleEdit(ServiceError):
    def __init__(self, what: str = "risk") -> None:
        super().__init__(f"This {what} was changed by someone else while you were editing it")


class NotAllowed(ServiceError):
    pass
