import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone as django_timezone

from accounts.validators import validate_currency, validate_e164, validate_timezone

ONBOARDING_LAST_STEP = 5


class AccountType(models.TextChoices):
    SELLER = "seller", "Seller"
    BUYER = "buyer", "Buyer"


class BusinessType(models.TextChoices):
    INDIVIDUAL = "individual", "Individual"
    BUSINESS = "business", "Business"


class Theme(models.TextChoices):
    LIGHT = "light", "Light"
    DARK = "dark", "Dark"
    SYSTEM = "system", "System"


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        # Emails are compared case-insensitively everywhere, so store them lower-cased.
        return (email or "").strip().lower()

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("Users need an email address.")
        user = self.model(email=self.normalize_email(email), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("is_verified", True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, email: str) -> "User":
        return self.get(email=self.normalize_email(email))


def default_currency() -> str:
    return settings.DEFAULT_CURRENCY


def display_name(*, pk: int, company_name: str, first_name: str, last_name: str, account_type: str) -> str:
    """The name others see (catalog, orders, their mail): the business's, else the person's,
    else "Seller 12" / "Buyer 12". Never anything of the email address, which is private.
    From the fields alone, for readers of values (User.display_name for an instance)."""
    full_name = f"{first_name} {last_name}".strip()
    return company_name.strip() or full_name or f"{dict(AccountType.choices).get(account_type, account_type)} {pk}"


def avatar_upload_to(user: "User", filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"avatars/{user.pk}/{uuid.uuid4().hex}.{extension}"


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=16, blank=True, validators=[validate_e164])
    whatsapp_number = models.CharField(max_length=16, blank=True, validators=[validate_e164])

    account_type = models.CharField(max_length=10, choices=AccountType.choices, default=AccountType.SELLER)
    is_verified = models.BooleanField(default=False, help_text="The email address was confirmed.")
    onboarding_completed = models.BooleanField(default=False)
    onboarding_step = models.PositiveSmallIntegerField(default=0)

    avatar = models.ImageField(upload_to=avatar_upload_to, blank=True)
    bio = models.TextField(blank=True, max_length=1000)
    company_name = models.CharField(max_length=200, blank=True)
    business_type = models.CharField(max_length=12, choices=BusinessType.choices, default=BusinessType.INDIVIDUAL)
    country = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=100, blank=True)
    currency = models.CharField(max_length=3, default=default_currency, validators=[validate_currency])
    timezone = models.CharField(max_length=64, default="Africa/Accra", validators=[validate_timezone])
    theme = models.CharField(max_length=6, choices=Theme.choices, default=Theme.SYSTEM)

    # What a seller charges to deliver one order, and the order subtotal from which it is free.
    shipping_fee = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    free_shipping_threshold = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)

    ai_description_enabled = models.BooleanField(default=True)
    ai_hashtags_enabled = models.BooleanField(default=True)
    ai_replies_enabled = models.BooleanField(default=True)
    ai_assistant_enabled = models.BooleanField(default=True)

    google_id = models.CharField(max_length=255, unique=True, null=True, blank=True, editable=False)

    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=django_timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["-date_joined"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(onboarding_step__lte=ONBOARDING_LAST_STEP),
                name="accounts_user_onboarding_step_range",
            ),
            models.CheckConstraint(condition=models.Q(shipping_fee__gte=0), name="accounts_user_shipping_fee"),
        ]
        indexes = [models.Index(fields=["account_type", "date_joined"])]

    def __str__(self) -> str:
        return self.email

    @property
    def is_seller(self) -> bool:
        return self.account_type == AccountType.SELLER

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def display_name(self) -> str:
        return display_name(pk=self.pk, company_name=self.company_name, first_name=self.first_name,
                            last_name=self.last_name, account_type=self.account_type)

    @property
    def dark_mode(self) -> bool:
        return self.theme == Theme.DARK

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.first_name


class EmailVerificationCode(models.Model):
    """A one-time code mailed to confirm an email address. Only its keyed hash is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="verification_codes")
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"verification code for {self.user_id} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def is_expired(self) -> bool:
        return django_timezone.now() >= self.expires_at


class SessionToken(models.Model):
    """Which session (the `sid` claim, accounts.tokens) each outstanding refresh token belongs to,
    recorded when the token is issued, so that logout finds the session's tokens by an indexed
    lookup instead of decoding every token the user holds. The row goes with its token when
    simplejwt's flushexpiredtokens (accounts.tasks) deletes it."""

    # Keyed by the token's jti (unique in OutstandingToken): recorded without looking its row up.
    token = models.OneToOneField(
        "token_blacklist.OutstandingToken", on_delete=models.CASCADE, primary_key=True, to_field="jti",
        related_name="session",
    )
    session_id = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["session_id"])]

    def __str__(self) -> str:
        return f"refresh token {self.token_id} of session {self.session_id}"
