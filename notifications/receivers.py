"""What operators are told of when the layers below notifications announce it."""

from django.dispatch import receiver

from accounts.models import User
from notifications.services import notify_operators
from sellflow.signals import admin_sign_in_failures


@receiver(admin_sign_in_failures)
def tell_operators_of_admin_password_guessing(sender, account: str, failures: int, window_seconds: int,
                                              **kwargs) -> None:
    # Only accounts that can sign in to the admin: any other name is noise a stranger makes up.
    if not User.objects.filter(email=account, is_staff=True).exists():
        return
    minutes = window_seconds // 60
    notify_operators(
        title=f"Failed admin sign-ins for {account}",
        body=(f"{failures} wrong passwords for {account} at the admin's sign-in form within {minutes} minutes, "
              "from all addresses together. The account is not locked: check that its password is strong."),
        data={"account": account, "failures": failures, "window_seconds": window_seconds},
    )
