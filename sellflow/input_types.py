"""Booleans, decimals and text in request bodies are what the schema says they are.

DRF's BooleanField also takes 1, 0, "1", "0", "yes", "no", "on", "off", "t", "f"..., so a client
sending `"async": 0` or `onboarding_completed=0` was accepted where the OpenAPI schema (type
boolean) says the request is invalid. JSON's true and false, and "true"/"false" in any case that a
form or multipart body carries them ("True" is what Django's test client and Python's str() write),
are accepted; anything else is a 400 `invalid` ("Must be a valid boolean.").

DRF's DecimalField also takes a JSON number, which reaches Python as a float: money (and every
decimal) is a string with its places, `"89.99"`, as the conventions and the schema say; a number is
a 400 `invalid` that says so.

DRF's CharField also takes a JSON number (`"city": 0` became "0"): text is a JSON string, as the
schema says. A form or multipart body carries nothing but strings, so it is not affected.

Every serializer of every app reads these with DRF's fields, so the one place to hold them to the
schema is the fields themselves, set once when the project starts (SellflowConfig.ready)."""

from rest_framework import serializers


class ExactValues(frozenset):
    """Membership by type as well as value: Python holds 1 == True and 0 == False, the schema does not."""

    def __contains__(self, value) -> bool:
        return any(type(value) is type(member) and value == member for member in self)


TRUE_VALUES = ExactValues({True, "true", "True", "TRUE"})
FALSE_VALUES = ExactValues({False, "false", "False", "FALSE"})

NUMBER_FOR_DECIMAL = 'Send this as a string of digits, e.g. "89.99", not as a JSON number.'
NUMBER_FOR_TEXT = "Send text here, not a number."


def _strings_only(to_internal_value, message: str):
    def to_internal_value_of_a_string(field: serializers.Field, data):
        if isinstance(data, int | float) and not isinstance(data, bool):
            raise serializers.ValidationError(message, code="invalid")
        return to_internal_value(field, data)

    to_internal_value_of_a_string.held_to_the_schema = True
    return to_internal_value_of_a_string


def _booleans_only(to_internal_value):
    def to_internal_value_of_a_boolean(field: serializers.BooleanField, data):
        # A list or an object is no boolean, and cannot be looked up in DRF's (hashed) null values.
        is_null = field.allow_null and isinstance(data, str | None) and data in field.NULL_VALUES
        if not (data in TRUE_VALUES or data in FALSE_VALUES or is_null):
            field.fail("invalid", input=data)
        return to_internal_value(field, data)

    to_internal_value_of_a_boolean.held_to_the_schema = True
    return to_internal_value_of_a_boolean


def hold_input_types_to_the_schema() -> None:
    # Only what is read in is narrowed: what is written out keeps DRF's own reading.
    if not getattr(serializers.BooleanField.to_internal_value, "held_to_the_schema", False):
        serializers.BooleanField.to_internal_value = _booleans_only(serializers.BooleanField.to_internal_value)
    for field_class, message in ((serializers.DecimalField, NUMBER_FOR_DECIMAL),
                                 (serializers.CharField, NUMBER_FOR_TEXT)):
        reader = field_class.to_internal_value
        if not getattr(reader, "held_to_the_schema", False):  # once, however often ready() runs
            field_class.to_internal_value = _strings_only(reader, message)
