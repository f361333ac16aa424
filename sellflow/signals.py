"""Announcements of the shared machinery, for the apps above it to act on."""

from django.dispatch import Signal

# Failed sign-ins to one account at the admin's form, from all addresses together, reached
# ADMIN_LOGIN_ALERT_FAILURES_PER_HOUR within an hour: sent once per window, after commit, with
# sender=the admin site's class, account=the name typed (lower-cased), failures, window_seconds.
# Nobody was refused for it; notifications tells the operators.
admin_sign_in_failures = Signal()
