"""Model fields of the catalog."""

from django.db import models


class SearchTokensField(models.Field):
    """The tokens of a search document, a list of strings in Python. PostgreSQL stores them as a
    `text[]` (GIN-indexed, matched with `&&`: nothing is split per row); other databases as one
    text with a space around every token (matched with `instr(tokens, ' token ')`)."""

    description = "Search tokens"

    def db_type(self, connection) -> str:
        return "text[]" if connection.vendor == "postgresql" else "text"

    def get_prep_value(self, value):
        if value is None or isinstance(value, str):
            return value
        return list(value)

    def get_db_prep_value(self, value, connection, prepared=False):
        value = value if prepared else self.get_prep_value(value)
        if value is None or isinstance(value, str) or connection.vendor == "postgresql":
            return value
        return f" {' '.join(value)} " if value else ""

    def from_db_value(self, value, expression, connection):
        return self.to_python(value)

    def to_python(self, value):
        if value is None or isinstance(value, list):
            return value
        return str(value).split()
