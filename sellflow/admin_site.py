"""The Django admin's site: Django's own, with its sign-in form throttled like the API's
credential endpoints (same cache, same client address, rates in DEFAULT_THROTTLE_RATES), and
the operator's own password change ending their sessions (see password_change_form)."""

import math

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminPasswordChangeForm
from django.contrib.auth.views import PasswordChangeView
from django.template.response import TemplateResponse
from django.urls import reverse

from sellflow.signals import admin_sign_in_failures
from sellflow.throttling import ADMIN_LOGIN_THROTTLES, count_use, forgive_attempt, hashed_ident, posted_account
from sellflow.transactions import after_commit

ALERT_WINDOW_SECONDS = 3600


class SellflowAdminSite(admin.AdminSite):
    # The form of /admin/password_change/. accounts.admin puts in one that also ends every session
    # of the operator; this module may not import accounts.
    password_change_form = AdminPasswordChangeForm

    def login(self, request, extra_context=None):
        if request.method != "POST":
            return super().login(request, extra_context)
        throttles = [throttle() for throttle in ADMIN_LOGIN_THROTTLES]
        refused = [throttle for throttle in throttles if not throttle.allow_request(request, None)]
        if refused:
            forgive_attempt(throttles)  # refused before any password is checked
            return self.login_throttled(request, refused)
        response = super().login(request, extra_context)
        # A good sign-in redirects; wrong credentials show the form again.
        if response.status_code == 200:
            self.count_failure_from_any_address(request)
        else:
            forgive_attempt(throttles)
        return response

    def count_failure_from_any_address(self, request) -> None:
        """Failures are refused per address and account; one account guessed from many addresses
        refuses nobody (its owner must still get in) but tells the operators, once per window."""
        account = posted_account(request, "username")
        if account is None:
            return
        failures = count_use(f"admin-login-failures:{hashed_ident(account)}", seconds=ALERT_WINDOW_SECONDS)
        if failures == settings.ADMIN_LOGIN_ALERT_FAILURES_PER_HOUR:
            after_commit(admin_sign_in_failures.send, sender=type(self), account=account, failures=failures,
                         window_seconds=ALERT_WINDOW_SECONDS)

    def login_throttled(self, request, refused) -> TemplateResponse:
        wait = max(math.ceil(throttle.wait()) for throttle in refused)
        context = {
            **self.each_context(request),
            "title": "Too many sign-in attempts",
            "retry_after_minutes": math.ceil(wait / 60),
            "login_url": request.get_full_path(),
        }
        response = TemplateResponse(request, "admin/login_throttled.html", context, status=429)
        response["Retry-After"] = str(wait)
        return response

    def password_change(self, request, extra_context=None):
        # Django's, with this site's form.
        request.current_app = self.name
        view = PasswordChangeView.as_view(
            form_class=self.password_change_form,
            success_url=reverse("admin:password_change_done", current_app=self.name),
            extra_context={**self.each_context(request), **(extra_context or {})},
            **({"template_name": self.password_change_template} if self.password_change_template else {}),
        )
        return view(request)
