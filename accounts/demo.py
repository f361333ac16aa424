"""Demo data of the accounts app, loaded by `manage.py seed_demo`."""

from accounts.models import AccountType, BusinessType, User

DEMO_PASSWORD = "SellFlow-demo-2026"

DEMO_USERS = [
    {
        "email": "seller@demo.sellflow.africa",
        "label": "demo seller",
        "fields": {
            "first_name": "Ama", "last_name": "Mensah", "account_type": AccountType.SELLER,
            "company_name": "Ama's Kente & Crafts", "business_type": BusinessType.BUSINESS,
            "country": "Ghana", "city": "Accra", "currency": "GHS", "timezone": "Africa/Accra",
            "phone": "+233501234567", "whatsapp_number": "+233501234567", "is_verified": True,
            "onboarding_completed": True, "onboarding_step": 5,
            "bio": "Handwoven kente, beads and leather goods from Accra, shipped across West Africa.",
        },
    },
    {
        "email": "buyer@demo.sellflow.africa",
        "label": "demo buyer",
        "fields": {
            "first_name": "Kwame", "last_name": "Boateng", "account_type": AccountType.BUYER,
            "country": "Ghana", "city": "Kumasi", "currency": "GHS", "timezone": "Africa/Accra",
            "phone": "+233241234567", "is_verified": True, "onboarding_completed": True, "onboarding_step": 5,
        },
    },
]

DEMO_OPERATOR = {"email": "admin@demo.sellflow.africa", "label": "operator (Django admin)"}


def seed(context) -> None:
    for demo in DEMO_USERS:
        user = User.objects.filter(email=demo["email"]).first()
        if user is None:
            User.objects.create_user(demo["email"], DEMO_PASSWORD, **demo["fields"])
        else:
            _keep_login_working(user)
        context.login(demo["label"], demo["email"], DEMO_PASSWORD)
    operator = User.objects.filter(email=DEMO_OPERATOR["email"]).first()
    if operator is None:
        User.objects.create_superuser(DEMO_OPERATOR["email"], DEMO_PASSWORD, first_name="SellFlow",
                                      last_name="Operator")
    else:
        _keep_login_working(operator)
    context.login(DEMO_OPERATOR["label"], DEMO_OPERATOR["email"], DEMO_PASSWORD)


def _keep_login_working(user: User) -> None:
    """The printed logins must work: restore a demo password someone changed, touch nothing else."""
    if not user.is_active or not user.check_password(DEMO_PASSWORD):
        user.is_active = True
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["is_active", "password"])


def demo_seller() -> User:
    return User.objects.get(email=DEMO_USERS[0]["email"])


def demo_buyer() -> User:
    return User.objects.get(email=DEMO_USERS[1]["email"])
