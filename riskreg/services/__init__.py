"""The only code that queries or writes. Services flush; the request commits once.

Services speak no HTTP: they raise ``NotFoundError`` for what does not exist (or the caller may not know
exists), which the web and API error handlers turn into a 404 in one place each (riskreg/web/hooks.py,
riskreg/web/api/errors.py), and ``ServiceError`` for a refusal the user can fix.
"""


class NotFoundError(Exception):
    """There is no such object: 404 on the web and in the API. Not a ServiceError, so forms never show it."""


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
