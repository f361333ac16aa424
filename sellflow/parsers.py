"""JSON from outside, made safe to walk, encode, hash and store: one loader, `load_json_text`, for
every place that decodes text a client sent (the API's parser, WebSocket frames, JSON carried in a
field such as a push subscription, signed webhook bodies, an AI provider's answer).

Every view parses JSON with `JSONParser` (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES, and views that
name their parsers import it from here), so the apps still to come inherit it.
"""

import json
import math
import re
from typing import Any

from rest_framework import exceptions, parsers

MAX_DEPTH = 64
# A lone UTF-16 surrogate ("\ud800" in JSON) decodes to a str that cannot be encoded to UTF-8:
# hashing, storing, mailing or rendering it back fails far from where it came in. PostgreSQL's
# text and jsonb refuse a NUL ("\u0000") with an error of the database.
UNUSABLE_CHARACTER = re.compile("[\x00\ud800-\udfff]")


class UnusableJSON(ValueError):
    """Well-formed JSON that nothing downstream could take (see load_json_text)."""


def load_json_text(text: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """The value of a JSON text, or ValueError: json.JSONDecodeError (or a plain ValueError for
    NaN, Infinity and numbers out of range) when it is not JSON, UnusableJSON when it is but holds
    a lone surrogate or a NUL in any key or string, or nests containers deeper than `max_depth`,
    which no client needs and which would otherwise end in a RecursionError in the decoder or in
    whatever walks the value next."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise _too_deep(max_depth) from None
    _check(value, max_depth)
    return value


def _check(value: Any, max_depth: int) -> None:
    # Iterative, so that checking depth cannot itself run out of stack.
    pending = [(value, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if found := UNUSABLE_CHARACTER.search(value):
                if found.group() == "\x00":
                    raise UnusableJSON("The JSON contains a NUL character (\\u0000), which cannot be stored.")
                raise UnusableJSON("The JSON contains text that is not valid Unicode (a lone surrogate).")
        elif isinstance(value, (dict, list)):
            if depth > max_depth:
                raise _too_deep(max_depth)
            if isinstance(value, dict):
                pending.extend((key, depth) for key in value)
                value = value.values()
            pending.extend((item, depth + 1) for item in value)


def _too_deep(max_depth: int) -> UnusableJSON:
    return UnusableJSON(f"The JSON is nested more than {max_depth} levels deep.")


def _refuse_constant(name: str):
    raise ValueError(f"Out of range float values are not JSON compliant: {name}")


def _finite_float(literal: str) -> float:
    number = float(literal)
    if not math.isfinite(number):  # 1e999 would be stored as Infinity, which JSON has no word for
        raise ValueError(f"Number out of range: {literal[:50]}")
    return number


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser on load_json_text: text that is not JSON is a 400 `parse_error`, JSON it
    refuses a 400 `invalid`. NaN and Infinity are refused whatever STRICT_JSON says: no database
    column stores them."""

    max_depth = MAX_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            return load_json_text(stream.read().decode(encoding), max_depth=self.max_depth)
        except UnusableJSON as refusal:
            raise exceptions.ValidationError({"non_field_errors": [str(refusal)]}) from None
        except ValueError as error:
            raise exceptions.ParseError(f"JSON parse error - {error}") from None
