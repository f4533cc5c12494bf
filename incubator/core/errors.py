"""Domain errors. Services raise them; views turn them into messages."""


class DomainError(Exception):
    """Something the user asked for cannot be done; the message says why."""


class NotAllowed(DomainError):
    """The actor may not do this. Views answer 404 when the object is hidden."""


class InvalidTransition(DomainError):
    """A lifecycle does not allow going from one state to another."""


class NotFound(DomainError):
    pass


class ValidationFailed(DomainError):
    pass
