"""The contract's own yardstick: assert_has_fields fails when a documented field is missing or
of another JSON type, and reads the document's elisions as it writes them."""

import pytest

from tests.contract.conftest import assert_has_fields

EXAMPLE = {"id": 1, "price": "89.99", "is_verified": False, "images": [...], "seller": {...},
           "items": [{"id": 1, "total": "179.98"}]}
BODY = {"id": 7, "price": "10.00", "is_verified": True, "images": [], "seller": {"id": 2},
        "items": [{"id": 3, "total": "20.00", "extra": None}], "more": "fields are fine"}


def test_a_body_with_every_documented_field_passes():
    assert_has_fields(BODY, EXAMPLE)


@pytest.mark.parametrize("body", [
    {key: value for key, value in BODY.items() if key != "price"},
    {**BODY, "id": "7"},
    {**BODY, "id": True},
    {**BODY, "is_verified": 0},
    {**BODY, "images": {}},
    {**BODY, "seller": None},
    {**BODY, "items": []},
    {**BODY, "items": [{"id": 3}]},
])
def test_a_missing_field_or_another_type_fails(body):
    with pytest.raises(AssertionError):
        assert_has_fields(body, EXAMPLE)
