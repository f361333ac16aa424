"""Schemathesis hooks for outside runs (`SCHEMATHESIS_HOOKS=tests.schemathesis_hooks schemathesis run ...`)
and tests/test_api_fuzz.py: strategies for the custom string formats the schema names (sellflow.schema).

`format: phone` (accounts.serializers.PhoneNumberField): a number valid in libphonenumber's
numbering plans, which no regex states."""

import schemathesis
from hypothesis import strategies as st

# Valid numbers, international and local to the default country (GH), as a client would type them.
PHONE_NUMBERS = ["+233501234567", "+233241234567", "0201234567", "+2348031234567", "+254712345678", "+14155552671"]

schemathesis.openapi.format("phone", st.sampled_from(PHONE_NUMBERS))
