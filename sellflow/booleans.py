"""Booleans in request bodies are what the schema says they are: `true` or `false`.

DRF's BooleanField also takes 1, 0, "1", "0", "yes", "no", "on", "off", "t", "f"..., so a client
sending `"async": 0` or `onboarding_completed=0` was accepted where the OpenAPI schema (type
boolean) says the request is invalid. Every serializer of every app reads booleans with DRF's
field, so the one place to hold them to the schema is its value sets, set once when the project
starts (SellflowConfig.ready). JSON's true and false, and "true"/"false" in any case that a form or
multipart body carries them ("True" is what Django's test client and Python's str() write), are
accepted; anything else is a 400 `invalid` ("Must be a valid boolean.")."""

from rest_framework import serializers


class ExactValues(frozenset):
    """Membership by type as well as value: Python holds 1 == True and 0 == False, the schema does not."""

    def __contains__(self, value) -> bool:
        return any(type(value) is type(member) and value == member for member in self)


TRUE_VALUES = ExactValues({True, "true", "True", "TRUE"})
FALSE_VALUES = ExactValues({False, "false", "False", "FALSE"})


def hold_booleans_to_the_schema() -> None:
    serializers.BooleanField.TRUE_VALUES = TRUE_VALUES
    serializers.BooleanField.FALSE_VALUES = FALSE_VALUES
