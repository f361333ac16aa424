"""What each platform accepts in a post, checked before anything is queued. The text rules are
the AI's (ai/rules.py, one source of truth); the image counts are the platforms' own: X takes at
most 4 images, an Instagram post needs 1 and a carousel holds at most 10. WhatsApp takes no posts
at all: its Cloud API sends a message to one customer's number and cannot post to Status or
Channels, so a WhatsApp account is refused as a target when the post is made, not at publish."""

from django.conf import settings

from ai.rules import POST_LIMITS, hashtag_problems, platform_length, to_hashtag
from sellflow.platforms import Platform
from social.platforms import CLIENT_CLASSES, PostRequest
from social.platforms.instagram import MAX_CAROUSEL_ITEMS
from social.platforms.x import MAX_IMAGES as X_MAX_IMAGES

SHARE_CAMPAIGN = "social_post"
MAX_POST_IMAGES = 10
# (fewest, most) images a post takes on each platform.
IMAGE_LIMITS = {Platform.TWITTER: (0, X_MAX_IMAGES), Platform.INSTAGRAM: (1, MAX_CAROUSEL_ITEMS),
                Platform.FACEBOOK: (0, MAX_POST_IMAGES)}
# Platforms with a client that SellFlow still does not post to, and why.
NOT_POSTED_TO = {
    Platform.WHATSAPP: "SellFlow sends WhatsApp messages to customers from the chat and marketing apps, not as "
                       "posts (the WhatsApp Cloud API sends a message to one customer's number; it cannot post to "
                       "Status or Channels).",
}


def post_text(content: str, hashtags: list[str]) -> str:
    """The text as published: the seller's words, then on their own line the hashtags the words do
    not already carry."""
    content = content.strip()
    written = {word.lower() for word in content.split()}
    tail = " ".join(tag for tag in hashtags if tag.lower() not in written)
    return "\n\n".join(part for part in (content, tail) if part)


def parse_hashtags(value: str | list[str]) -> tuple[list[str], list[str]]:
    """(hashtags, problems) from the document's string "#Wireless #Tech" or a list; each tag is
    kept as written when valid, so the seller sees what they typed."""
    words = value.replace(",", " ").split() if isinstance(value, str) else [str(tag).strip() for tag in value]
    tags: list[str] = []
    problems: list[str] = []
    for word in filter(None, words):
        tag = word if word.startswith("#") else f"#{word}"
        if (usable := to_hashtag(tag)) != tag:
            hint = f"try {usable}" if usable else "and at least two, not all digits"
            problems.append(f"{word}: hashtags use only letters A-Z, digits and _ ({hint}).")
        elif tag.lower() not in {kept.lower() for kept in tags}:
            tags.append(tag)
    return tags, problems


def platform_problem(platform: str) -> str:
    """Why SellFlow posts nothing to this platform at all ("" when it does)."""
    label = Platform(platform).label
    if platform in NOT_POSTED_TO:
        return f"{label}: {NOT_POSTED_TO[platform]}"
    if platform not in CLIENT_CLASSES:
        return f"{label}: SellFlow cannot publish there yet."
    return ""


def target_problems(*, platform: str, text: str, link: str, image_count: int) -> dict[str, list[str]]:
    """Why the post cannot go to this platform, by field (empty when it can)."""
    if problem := platform_problem(platform):
        return {"accounts": [problem]}
    label = Platform(platform).label
    problems: dict[str, list[str]] = {}
    full_text = PostRequest(text=text, link=link).text_with_link()
    if not text.strip() and not image_count:
        problems.setdefault("content", []).append(f"{label}: write something or add an image.")
    length, limit = platform_length(full_text, platform), POST_LIMITS[platform]
    if length > limit:
        problems.setdefault("content", []).append(
            f"{label}: at most {limit} characters with the hashtags and the link ({length} here).")
    for problem in hashtag_problems(text, platform):
        problems.setdefault("hashtags", []).append(f"{label}: {problem}")
    fewest, most = IMAGE_LIMITS[platform]
    if image_count < fewest:
        problems.setdefault("media", []).append(f"{label}: a post needs at least {fewest} image.")
    if image_count > most:
        problems.setdefault("media", []).append(f"{label}: at most {most} images in a post ({image_count} here).")
    return problems


def target_link(*, product_id: int | None, platform: str, code: str) -> str:
    """The link a post carries for its product: this server's short link with the target's
    attribution code (`/r/<code>`), which counts the visit and sends the visitor on to the product's
    share URL (none without a product). Its length is the same for every target of a post."""
    if product_id is None:
        return ""
    return f"{settings.API_PUBLIC_URL}/r/{code}"
