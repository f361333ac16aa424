"""What the Django admin's forms post back, for tests that act as an operator."""

from django import forms


def change_form_data(client, user) -> dict:
    """What the admin's change form of `user` posts back when saved untouched."""
    form = client.get(f"/admin/accounts/user/{user.pk}/change/").context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if field.disabled or value is None or isinstance(field, forms.FileField):
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = value
    return data
