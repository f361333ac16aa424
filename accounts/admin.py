from django.contrib import admin
from django.contrib.admin import forms as admin_forms
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from django.db import transaction

from accounts.cache import sellers_public_changed
from accounts.models import EmailVerificationCode, SessionToken, User
from accounts.services import user_revoke_all_sessions
from sellflow.transactions import after_commit
from sellflow.ws_sessions import revoke_sockets


class NormalizedEmailMixin:
    """Emails are stored lower-cased whoever types them, operators included."""

    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data["email"])


class SellflowUserCreationForm(NormalizedEmailMixin, UserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class SellflowUserChangeForm(NormalizedEmailMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class EndsEverySessionMixin:
    """Saving the new password ends every session of the user, open sockets included, in the same
    transaction, as a change through the API does."""

    def save(self, commit=True):
        with transaction.atomic():
            user = super().save(commit)
            if commit:
                user_revoke_all_sessions(user=user)
        return user


class SellflowAdminPasswordChangeForm(EndsEverySessionMixin, AdminPasswordChangeForm):
    """An operator setting or removing a user's password."""


class OperatorPasswordChangeForm(EndsEverySessionMixin, admin_forms.AdminPasswordChangeForm):
    """An operator changing their own password (/admin/password_change/); their admin sign-in in
    this browser stays, as Django keeps it."""


admin.site.password_change_form = OperatorPasswordChangeForm


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = SellflowUserChangeForm
    add_form = SellflowUserCreationForm
    change_password_form = SellflowAdminPasswordChangeForm
    ordering = ("-date_joined",)
    list_display = ("email", "full_name", "account_type", "company_name", "country", "is_verified", "is_active",
                    "date_joined")
    list_filter = ("account_type", "is_verified", "is_active", "is_staff", "onboarding_completed", "business_type",
                   "country", "theme")
    search_fields = ("email", "first_name", "last_name", "phone", "whatsapp_number", "company_name", "city")
    readonly_fields = ("date_joined", "last_login", "google_id")
    fieldsets = (
        (None, {"fields": ("email", "password", "google_id")}),
        ("Person", {"fields": ("first_name", "last_name", "phone", "whatsapp_number", "avatar", "bio")}),
        ("Business", {"fields": ("account_type", "company_name", "business_type", "country", "city", "currency",
                                 "timezone")}),
        ("State", {"fields": ("is_verified", "onboarding_completed", "onboarding_step")}),
        ("Preferences", {"fields": ("theme", "ai_description_enabled", "ai_hashtags_enabled",
                                    "ai_replies_enabled", "ai_assistant_enabled")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "account_type", "password1", "password2")}),
    )

    @admin.display(description="Name")
    def full_name(self, user: User) -> str:
        return user.full_name

    # An operator editing or banning a seller changes what buyers see of them; a deactivated or
    # deleted account loses its sessions and open sockets at once.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not obj.is_active:
            user_revoke_all_sessions(user=obj)  # nothing left to end when it already was inactive
        transaction.on_commit(sellers_public_changed)

    def delete_model(self, request, obj):
        user_id = obj.pk
        super().delete_model(request, obj)
        after_commit(revoke_sockets, user_id)
        transaction.on_commit(sellers_public_changed)

    def delete_queryset(self, request, queryset):
        user_ids = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        for user_id in user_ids:
            after_commit(revoke_sockets, user_id)
        transaction.on_commit(sellers_public_changed)


@admin.register(EmailVerificationCode)
class EmailVerificationCodeAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at", "expires_at", "attempts", "used_at")
    list_select_related = ("user",)
    search_fields = ("user__email",)
    readonly_fields = ("user", "code_hash", "created_at", "expires_at", "attempts", "used_at")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(SessionToken)
class SessionTokenAdmin(admin.ModelAdmin):
    """Which session each refresh token belongs to; written as tokens are issued, read by logout."""

    list_display = ("token", "session_id")
    list_select_related = ("token__user",)
    search_fields = ("session_id", "token__jti", "token__user__email")
    readonly_fields = ("token", "session_id")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
