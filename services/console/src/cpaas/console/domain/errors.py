"""The one refusal the console's rules raise."""


class InvalidField(ValueError):
    """`field` (the API's camelCase name or path, e.g. `content.card.title`) is not acceptable."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message
