"""The Django admin's site: Django's own, with its sign-in form throttled like the API's
credential endpoints (same cache, same client address, rates in DEFAULT_THROTTLE_RATES)."""

import math

from django.contrib import admin
from django.template.response import TemplateResponse

from sellflow.throttling import ADMIN_LOGIN_THROTTLES, record_failures


class SellflowAdminSite(admin.AdminSite):
    def login(self, request, extra_context=None):
        if request.method != "POST":
            return super().login(request, extra_context)
        throttles = [throttle() for throttle in ADMIN_LOGIN_THROTTLES]
        refused = [throttle for throttle in throttles if not throttle.allow_request(request, None)]
        if refused:
            return self.login_throttled(request, refused)  # before any password is checked
        response = super().login(request, extra_context)
        # A good sign-in redirects; wrong credentials show the form again.
        if response.status_code == 200:
            record_failures(throttles, request)
        return response

    def login_throttled(self, request, refused) -> TemplateResponse:
        wait = max(max(math.ceil(throttle.wait() or throttle.duration), 1) for throttle in refused)
        context = {
            **self.each_context(request),
            "title": "Too many sign-in attempts",
            "retry_after_minutes": math.ceil(wait / 60),
            "login_url": request.get_full_path(),
        }
        response = TemplateResponse(request, "admin/login_throttled.html", context, status=429)
        response["Retry-After"] = str(wait)
        return response
