"""The API's JSON parser: what it hands a view can be walked, encoded, hashed and stored.

Every view parses JSON with it (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES, and views that name
their parsers import it from here), so the apps still to come inherit it.
"""

import re

from rest_framework import exceptions, parsers

# A lone UTF-16 surrogate ("\ud800" in JSON) decodes to a str that cannot be encoded to UTF-8:
# hashing, storing, mailing or rendering it back fails far from where it came in.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing (400 `invalid`) text with lone surrogates, in keys or values,
    and nesting deeper than `max_depth`, which no request needs and which would otherwise end
    in a RecursionError in the decoder or in whatever walks the data next."""

    max_depth = 64

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise self._too_deep() from None
        self._check(data)
        return data

    def _check(self, data) -> None:
        # Iterative, so that checking depth cannot itself run out of stack.
        pending = [(data, 1)]
        while pending:
            value, depth = pending.pop()
            if isinstance(value, str):
                if LONE_SURROGATE.search(value):
                    raise self._refusal("The JSON body contains text that is not valid Unicode.")
            elif isinstance(value, (dict, list)):
                if depth > self.max_depth:
                    raise self._too_deep()
                if isinstance(value, dict):
                    pending.extend((key, depth) for key in value)
                    value = value.values()
                pending.extend((item, depth + 1) for item in value)

    def _too_deep(self) -> exceptions.ValidationError:
        return self._refusal(f"The JSON body is nested more than {self.max_depth} levels deep.")

    @staticmethod
    def _refusal(message: str) -> exceptions.ValidationError:
        return exceptions.ValidationError({"non_field_errors": [message]})
