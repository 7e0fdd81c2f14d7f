class DomainError(Exception):
    """A business rule said no. Each interface maps it: form error, HTTP 4xx, admin message.

    `code` is stable and machine-readable; `message` is translated for the person who sees it.
    """

    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
