from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer, TokenVerifySerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import RefreshToken, UntypedToken

from accounts.metrics import seller_metrics
from accounts.models import ONBOARDING_LAST_STEP, AccountType, BusinessType, Theme, User
from accounts.tokens import SessionRefreshToken
from accounts.validators import ISO_4217_CURRENCIES, normalize_phone, timezone_names
from sellflow.images import ImageUploadField
from sellflow.money import MAX_PRICE
from sellflow.ws_sessions import session_has_ended


class PhoneNumberField(serializers.CharField):
    """Accepts a local or international number, returns it in E.164."""

    # Validity (libphonenumber's numbering plans) has no regex: the schema names the format, which
    # a client (or a fuzzer's format strategy) fills with a real number.
    openapi_schema = {"format": "phone", "example": "+233501234567"}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("help_text", "A valid phone number, international (+233501234567) or local to the "
                                       "platform's country (0501234567); stored in E.164.")
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not value:
            return ""
        try:
            return normalize_phone(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error


class PasswordField(serializers.CharField):
    """A new password: Django's password validators (AUTH_PASSWORD_VALIDATORS) judge it."""

    openapi_schema = {"minLength": 8, "pattern": "[^0-9]"}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 128)
        kwargs.setdefault("style", {"input_type": "password"})
        kwargs.setdefault("help_text", "At least 8 characters, not only digits, not a common password and not "
                                       "too similar to the name or email.")
        super().__init__(**kwargs)


class CurrencyField(serializers.CharField):
    """An ISO 4217 code, any case (the account's model validates it)."""

    openapi_schema = {"enum": sorted(ISO_4217_CURRENCIES)}


class TimezoneField(serializers.CharField):
    """An IANA time zone name (the account's model validates it)."""

    openapi_schema = {"enum": sorted(timezone_names())}


class UserSerializer(serializers.ModelSerializer):
    dark_mode = serializers.BooleanField(read_only=True, help_text="True when the theme is `dark`.")
    avatar = serializers.ImageField(read_only=True, allow_null=True)
    metrics = serializers.SerializerMethodField(help_text="Seller figures; null for buyers.")

    class Meta:
        model = User
        fields = [
            "id", "email", "first_name", "last_name", "phone", "whatsapp_number", "account_type",
            "is_verified", "onboarding_completed", "onboarding_step", "avatar", "bio", "company_name",
            "business_type", "country", "city", "currency", "timezone", "theme", "dark_mode",
            "ai_description_enabled", "ai_hashtags_enabled", "ai_replies_enabled", "ai_assistant_enabled",
            "shipping_fee",
            "free_shipping_threshold", "date_joined", "metrics",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "nullable": True, "additionalProperties": True})
    def get_metrics(self, user: User):
        return seller_metrics(user)


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = PasswordField(write_only=True)
    password_confirm = PasswordField(write_only=True, help_text="The password again.")
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    phone = PhoneNumberField()
    whatsapp_number = PhoneNumberField()
    company_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    account_type = serializers.ChoiceField(choices=AccountType.choices, default=AccountType.SELLER)

    def validate(self, attrs):
        if attrs["password"] != attrs["password_confirm"]:
            raise serializers.ValidationError({"password_confirm": ["The two passwords do not match."]})
        candidate = User(
            email=attrs["email"], first_name=attrs.get("first_name", ""), last_name=attrs.get("last_name", "")
        )
        try:
            validate_password(attrs["password"], candidate)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"password": error.messages}) from error
        return attrs


class LoginSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class LoginResponseSerializer(TokenPairSerializer):
    user = UserSerializer()


class RegisterResponseSerializer(LoginResponseSerializer):
    message = serializers.CharField()


class SessionRefreshSerializer(TokenRefreshSerializer):
    """simplejwt's refresh with rotation, safe for deleted users; a token of a session that logged
    out is refused whichever of its refresh tokens it is. The rotated token is recorded under its
    session (accounts.tokens), so a logout finds it."""

    token_class = SessionRefreshToken

    def validate(self, attrs):
        try:
            token = RefreshToken(attrs["refresh"])
        except TokenError as error:
            raise InvalidToken(error.args[0]) from error
        if session_has_ended(token):
            raise InvalidToken("This session has ended; sign in again.")
        try:
            return super().validate(attrs)
        except get_user_model().DoesNotExist:
            raise InvalidToken("The account of this token no longer exists.") from None
        except TokenError as error:
            raise InvalidToken(error.args[0]) from error


class SessionVerifySerializer(TokenVerifySerializer):
    """A blacklisted token, or one of a session that logged out, is as unusable as an expired one:
    401, not a validation error."""

    def validate(self, attrs):
        try:
            valid = super().validate(attrs)
        except serializers.ValidationError:
            raise InvalidToken("Token is blacklisted") from None
        token = UntypedToken(attrs["token"])
        # simplejwt looks the token up only when it blacklists after rotation, which we do not.
        if BlacklistedToken.objects.filter(token__jti=token.get(jwt_settings.JTI_CLAIM)).exists():
            raise InvalidToken("Token is blacklisted")
        if session_has_ended(token):
            raise InvalidToken("This session has ended; sign in again.")
        return valid


class GoogleSignInSerializer(serializers.Serializer):
    id_token = serializers.CharField(
        max_length=4096, help_text="The ID token (credential) Google Identity Services gave the client.")
    account_type = serializers.ChoiceField(
        choices=AccountType.choices, default=AccountType.SELLER, help_text="Used only when the account is created."
    )


class GoogleSignInResponseSerializer(LoginResponseSerializer):
    created = serializers.BooleanField()


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)


class MessageSerializer(serializers.Serializer):
    message = serializers.CharField()


class ProfileUpdateSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    phone = PhoneNumberField()
    whatsapp_number = PhoneNumberField()
    bio = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    company_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    business_type = serializers.ChoiceField(choices=BusinessType.choices, required=False)
    country = serializers.CharField(max_length=100, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    currency = CurrencyField(max_length=3, min_length=3, required=False)
    timezone = TimezoneField(max_length=64, required=False)
    theme = serializers.ChoiceField(choices=Theme.choices, required=False)
    dark_mode = serializers.BooleanField(required=False, help_text="Shortcut for theme: true → dark, false → light.")
    account_type = serializers.ChoiceField(
        choices=AccountType.choices, required=False, help_text="A buyer may become a seller; not the reverse."
    )
    ai_description_enabled = serializers.BooleanField(required=False)
    ai_hashtags_enabled = serializers.BooleanField(required=False)
    ai_replies_enabled = serializers.BooleanField(required=False)
    ai_assistant_enabled = serializers.BooleanField(required=False, help_text="The seller's AI assistant in chat.")
    shipping_fee = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0"), max_value=MAX_PRICE, required=False,
        help_text="Sellers: the delivery fee added to each order.",
    )
    free_shipping_threshold = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0"), max_value=MAX_PRICE, required=False, allow_null=True,
        help_text="Sellers: orders with a subtotal at or above this ship free (null: never).",
    )

    def validate_currency(self, value: str) -> str:
        return value.upper()

    def validate(self, attrs):
        dark_mode = attrs.pop("dark_mode", None)
        if dark_mode is not None and "theme" not in attrs:
            attrs["theme"] = Theme.DARK if dark_mode else Theme.LIGHT
        return attrs


class AvatarUploadSerializer(serializers.Serializer):
    avatar = ImageUploadField(help_text="JPEG, PNG or WebP image.")


class NewPasswordSerializer(serializers.Serializer):
    """A new password typed twice; the validators run in the service, against the user."""

    new_password = PasswordField()
    new_password_confirm = PasswordField(help_text="The new password again.")

    def validate(self, attrs):
        if attrs["new_password"] != attrs["new_password_confirm"]:
            raise serializers.ValidationError({"new_password_confirm": ["The two passwords do not match."]})
        return attrs


class PasswordChangeSerializer(NewPasswordSerializer):
    old_password = serializers.CharField(max_length=128, style={"input_type": "password"})


class PasswordChangeResponseSerializer(TokenPairSerializer):
    message = serializers.CharField()


class PasswordResetSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmSerializer(NewPasswordSerializer):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)


class VerificationCodeSerializer(serializers.Serializer):
    code = serializers.RegexField(r"^\d{6}$", max_length=6, error_messages={"invalid": "Enter the 6-digit code."})


class OnboardingSerializer(serializers.Serializer):
    openapi_schema = {"anyOf": [{"required": ["onboarding_step"]}, {"required": ["onboarding_completed"]}]}

    onboarding_step = serializers.IntegerField(min_value=0, max_value=ONBOARDING_LAST_STEP, required=False)
    onboarding_completed = serializers.BooleanField(required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Send onboarding_step, onboarding_completed or both.")
        return attrs
