from datetime import date, timedelta

from django.db.models import Count, DecimalField, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from accounts.models import User
from orders.models import SOLD_STATUSES, Order, OrderStatus
from social.models import AccountInsight, PostClick, PostMedia, PostStatus, PostTarget, SocialAccount, SocialPost


def seller_accounts(seller: User):
    """The seller's connected accounts (revoked ones too: their posts keep their history)."""
    return SocialAccount.objects.filter(seller=seller).order_by("platform", "pk")


INSIGHT_FIGURES = ("followers", "impressions", "reach", "engagement", "link_clicks")
# Figures counted per day, added up over a range; followers is a level, its total the latest value.
SUMMED_FIGURES = ("impressions", "reach", "engagement", "link_clicks")


def account_insights_report(account: SocialAccount, *, since: date, until: date) -> dict:
    """The account's stored daily figures for [since, until], one entry per day (null where no row
    or no figure), and their totals: one query, whatever the range."""
    rows = {row.day: row for row in AccountInsight.objects.filter(account=account, day__gte=since, day__lte=until)}
    series = []
    for offset in range((until - since).days + 1):
        day = since + timedelta(days=offset)
        row = rows.get(day)
        series.append({"date": day, **{name: getattr(row, name, None) for name in INSIGHT_FIGURES}})
    totals = {name: sum_or_none(entry[name] for entry in series) for name in SUMMED_FIGURES}
    followers = [entry["followers"] for entry in series if entry["followers"] is not None]
    totals["followers"] = followers[-1] if followers else None
    totals["followers_change"] = followers[-1] - followers[0] if len(followers) > 1 else None
    fetched = [row.fetched_at for row in rows.values()]
    return {"account": account.pk, "platform": account.platform, "days": len(series), "since": since,
            "until": until, "fetched_at": max(fetched) if fetched else None, "totals": totals, "series": series}


def sum_or_none(values) -> int | None:
    known = [value for value in values if value is not None]
    return sum(known) if known else None


def aggregate_of(queryset, field: str = "pk", function=Count, output=None):
    """A correlated scalar subquery: `function(field)` over `queryset` (0 when it holds nothing)."""
    output = output or IntegerField()
    total = queryset.order_by().annotate(group=Value(1)).values("group").annotate(
        value=function(field)).values("value")
    return Coalesce(Subquery(total, output_field=output), Value(0), output_field=output)


def with_results(targets: QuerySet[PostTarget]) -> QuerySet[PostTarget]:
    """Each target's visits through its link (`clicks`), the orders they led to (`orders`, not
    cancelled or refunded) and those orders' `revenue` once confirmed, in the seller's currency: three
    subqueries in the targets' one query, whatever their number."""
    clicks = PostClick.objects.filter(target=OuterRef("pk"))
    attributed = Order.objects.filter(
        seller=OuterRef("post__seller"),
        referral_click_id__in=PostClick.objects.filter(target=OuterRef(OuterRef("pk"))).values("pk"))
    return targets.annotate(
        click_count=aggregate_of(clicks),
        order_count=aggregate_of(attributed.exclude(status__in=(OrderStatus.CANCELLED, OrderStatus.REFUNDED))),
        revenue=aggregate_of(
            attributed.filter(status__in=SOLD_STATUSES, currency=OuterRef("post__seller__currency")),
            "total_amount", Sum, DecimalField(max_digits=14, decimal_places=2)),
        currency=F("post__seller__currency"),
    )


def seller_posts(seller: User) -> QuerySet[SocialPost]:
    """The seller's posts with their targets (and accounts, and what each led to) and media: what a
    post's body shows."""
    return SocialPost.objects.filter(seller=seller).order_by("-created_at", "-pk").prefetch_related(
        Prefetch("targets", with_results(PostTarget.objects.select_related("account").order_by("pk"))),
        Prefetch("media", PostMedia.objects.select_related("product_image", "upload").order_by("position", "pk")))


def seller_scheduled_targets(seller: User) -> QuerySet[PostTarget]:
    """The seller's calendar: targets waiting for their time, soonest first."""
    return (PostTarget.objects.filter(post__seller=seller, status=PostStatus.SCHEDULED)
            .select_related("post", "account").order_by("scheduled_at", "pk"))
