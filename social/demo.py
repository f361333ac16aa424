"""The demo seller's social side, loaded by `manage.py seed_demo`: Facebook, Instagram and X
accounts on the built-in local platform (SOCIAL_LOCAL_PLATFORM), two posts published there and two
scheduled for the coming days, and the accounts' last week of insights. A platform whose real app is
set is left out: the demo never publishes anywhere real, nor asks a real platform for figures."""

from datetime import timedelta

from django.test.utils import override_settings
from django.utils import timezone

from accounts.demo import demo_seller
from products.models import Product
from social.models import PostStatus, PostTarget, SocialAccount, SocialPost
from social.platforms import LocalPlatformClient, client_for, uses_local_platform
from social.posts import PostInput, post_create
from social.services import social_account_connect, social_account_fetch_insights
from social.services.publishing import target_publish
from social.tasks import insight_platforms, insights_due_accounts

DEMO_PLATFORMS = ("facebook", "instagram", "twitter")
# The insights page's default range (`?days=7`).
DEMO_INSIGHTS_DAYS = 7


def demo_accounts(seller) -> dict[str, SocialAccount]:
    """The seller's local account on each demo platform the local client answers, connected once
    with a local token through the same service as a seller's own token."""
    accounts = {}
    for platform in DEMO_PLATFORMS:
        if not isinstance(client_for(platform), LocalPlatformClient):
            continue
        account = SocialAccount.objects.filter(seller=seller, platform=platform,
                                               platform_user_id=f"demo-{platform}").first()
        if account is None:  # kept as the seller left it (disconnected, too) on a re-run
            account, _ = social_account_connect(seller=seller, platform=platform,
                                                access_token=f"local-demo-{platform}")
        accounts[platform] = account
    return accounts


def demo_post(seller, accounts: list[SocialAccount], product: Product | None, content: str, hashtags: list[str],
              *, scheduled_in: timedelta | None = None) -> SocialPost:
    images = list(product.images.all()[:1]) if product else []
    if not images:
        accounts = [account for account in accounts if account.platform != "instagram"]  # Instagram needs one
    scheduled_at = timezone.now() + scheduled_in if scheduled_in else None
    return post_create(seller=seller, post=PostInput(content=content, hashtags=hashtags, product=product,
                                                     accounts=accounts, images=images, scheduled_at=scheduled_at))


def publish_now(social_post: SocialPost) -> None:
    """Through the publishing service, as a worker would: the ids and URLs are the local platform's."""
    PostTarget.objects.filter(post=social_post).update(status=PostStatus.SCHEDULED, scheduled_at=timezone.now())
    for target_id in PostTarget.objects.filter(post=social_post).values_list("pk", flat=True):
        target_publish(target_id=target_id)


def fetch_demo_insights(seller) -> dict[int, str]:
    """The last week of daily figures of each of the seller's active accounts on the local platform
    (the demo's and any connected since), fetched through the service the hourly beat job uses:
    `make run` runs no beat, and the insights endpoint answers from these rows only. Fetched again
    on every seed, so each `make run` brings them up to today. Returns each account's outcome."""
    local = [platform for platform in insight_platforms() if uses_local_platform(platform)]
    until = timezone.now().date()
    since = until - timedelta(days=DEMO_INSIGHTS_DAYS - 1)
    return {account.pk: social_account_fetch_insights(account=account, since=since, until=until)
            for account in insights_due_accounts().filter(seller=seller, platform__in=local)}


# The demo's history is not news: its notification emails stay out of the console.
@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def seed(context) -> None:
    seller = demo_seller()
    accounts = demo_accounts(seller)
    if not accounts:
        return
    if not SocialPost.objects.filter(seller=seller).exists():
        seed_posts(seller, accounts)
    fetch_demo_insights(seller)  # after the posts: the local platform's figures follow from them


def seed_posts(seller, accounts: dict[str, SocialAccount]) -> None:
    products = list(Product.objects.public().filter(seller=seller).prefetch_related("images").order_by("pk")[:4])
    if len(products) < 3:
        return
    every = list(accounts.values())
    meta = [account for platform, account in accounts.items() if platform != "twitter"]
    x = [accounts["twitter"]] if "twitter" in accounts else []

    if meta:
        publish_now(demo_post(seller, meta, products[0], f"New in the shop: {products[0].name}. Order today, "
                              f"delivered this week.", ["#ShopLocal", "#NewArrivals"]))
    if x:
        publish_now(demo_post(seller, x, products[1], f"Back in stock: {products[1].name}.", ["#BackInStock"]))
    demo_post(seller, every, products[2], f"Weekend offer on {products[2].name}: while stocks last.",
              ["#WeekendDeals"], scheduled_in=timedelta(days=1, hours=2))
    demo_post(seller, every, products[0], "Thank you for a great month! Free delivery on orders over GHS 500 "
              "all next week.", ["#ThankYou"], scheduled_in=timedelta(days=3))
