"""Path converters. `<id:pk>` is a database id: digits that fit a 64-bit integer, so an absurd
id in a URL is a 404 at routing, never an overflow deeper down."""

from django.urls import register_converter


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")
