"""What each platform accepts, enforced on every AI output whatever the provider wrote.

Limits are the platforms' own: an X post is 280 weighted characters, an Instagram caption 2,200
characters with at most 30 hashtags, a Facebook post 63,206, a WhatsApp catalog message body
1,024, a TikTok caption 2,000. Hashtags are `#` and ASCII letters, digits or underscores, and a
platform treats #Kente and #kente as one tag, so duplicates are dropped case-insensitively.
"""

import re
import unicodedata
from collections.abc import Iterable

from sellflow.platforms import Platform

POST_LIMITS = {
    Platform.TWITTER: 280,
    Platform.INSTAGRAM: 2200,
    Platform.FACEBOOK: 63206,
    Platform.WHATSAPP: 1024,
    Platform.TIKTOK: 2000,
}
HASHTAG_LIMITS = {Platform.INSTAGRAM: 30}
MAX_HASHTAGS = 30  # what any endpoint hands out at once
HASHTAG_MAX_LENGTH = 100  # characters after the '#': longer ones are never typed by anyone

# Suggested hashtags per post when the caller does not say: what each audience expects.
DEFAULT_POST_HASHTAGS = {
    Platform.TWITTER: 2,
    Platform.INSTAGRAM: 12,
    Platform.FACEBOOK: 3,
    Platform.WHATSAPP: 0,
    Platform.TIKTOK: 5,
}

HASHTAG_PATTERN = re.compile(r"#[A-Za-z0-9_]+")
# What people write as a hashtag, accents and all ("#Fête"): checked against HASHTAG_PATTERN.
WRITTEN_HASHTAG = re.compile(r"(?<![\w&])#\w+")
_NOT_TAG_CHARACTER = re.compile(r"[^A-Za-z0-9_]+")
# A link as X finds one: with a scheme, or a bare domain such as wa.me/233... or shop.example.com.
_URL = re.compile(r"(?:https?://\S+|\b(?:[a-z0-9-]+\.)+[a-z]{2,}(?:/\S*)?)", re.IGNORECASE)
X_URL_LENGTH = 23  # X shortens every link to t.co, counted as 23 characters
ELLIPSIS = "…"


def hashtag_limit(platform: str | None) -> int:
    return HASHTAG_LIMITS.get(platform, MAX_HASHTAGS)


def to_hashtag(candidate: str) -> str | None:
    """'#Fête des mères' -> '#FeteDesMeres'; None when nothing usable is left."""
    text = unicodedata.normalize("NFKD", candidate or "").encode("ascii", "ignore").decode()
    text = re.sub(r"(?<=\w)['’](?=\w)", "", text)  # "Women's" is one word: #WomensClothing
    words = [word for word in _NOT_TAG_CHARACTER.split(text.lstrip("#").strip()) if word]
    if len(words) > 1:  # several words become one camel-cased tag, the way people write them
        words = [word[:1].upper() + word[1:] for word in words]
    body = "".join(words)[:HASHTAG_MAX_LENGTH]
    if len(body) < 2 or body.isdigit() or body.strip("_") == "":
        return None  # platforms do not link a number or underscores alone
    return f"#{body}"


def clean_hashtags(candidates: Iterable[str], *, limit: int) -> list[str]:
    """Valid, distinct (case-insensitively) hashtags, first come first kept, at most `limit`."""
    seen: set[str] = set()
    tags: list[str] = []
    for candidate in candidates:
        tag = to_hashtag(candidate)
        if tag is None or tag.lower() in seen:
            continue
        seen.add(tag.lower())
        tags.append(tag)
        if len(tags) >= limit:
            break
    return tags


def _x_weight(character: str) -> int:
    # twitter-text v3: Latin, Cyrillic, general punctuation count once; CJK, emoji and the rest twice.
    code = ord(character)
    light = code <= 0x10FF or 0x2000 <= code <= 0x200D or 0x2010 <= code <= 0x201F or 0x2032 <= code <= 0x2037
    return 1 if light else 2


def platform_length(text: str, platform: str | None) -> int:
    """The length the platform counts: X weights characters and counts every link as 23."""
    if platform != Platform.TWITTER:
        return len(text)
    total, position = 0, 0
    for url in _URL.finditer(text):
        total += sum(_x_weight(c) for c in text[position:url.start()]) + X_URL_LENGTH
        position = url.end()
    return total + sum(_x_weight(c) for c in text[position:])


def clip(text: str, limit: int, platform: str | None = None) -> str:
    """The text cut to fit `limit` as the platform counts, at a word boundary, with an ellipsis."""
    text = text.strip()
    if platform_length(text, platform) <= limit:
        return text
    cut = text
    while cut and platform_length(cut + ELLIPSIS, platform) > limit:
        # Drop the last word (or, for one enormous word, half of what is left).
        space = cut.rstrip().rfind(" ")
        cut = cut[:space].rstrip() if space > 0 else cut[: len(cut) // 2]
    cut = cut.rstrip(" ,;:-–—")
    return f"{cut}{ELLIPSIS}" if cut else ""


def compose_post(body: str, hashtags: list[str], platform: str) -> str:
    """A post that fits the platform: the hashtags on their own line after the body. Hashtags
    go first when space is short (they may take a third of the room at most), then the body is
    clipped at a word."""
    limit = POST_LIMITS[platform]
    body, inline = _cap_inline_hashtags(body.strip(), hashtag_limit(platform))
    written = {tag.lower() for tag in inline}
    tags = [tag for tag in clean_hashtags(hashtags, limit=MAX_HASHTAGS * 2) if tag.lower() not in written]
    tags = tags[: max(hashtag_limit(platform) - len(inline), 0)]
    while tags and platform_length(" ".join(tags), platform) > limit // 3:
        tags.pop()
    tail = f"\n\n{' '.join(tags)}" if tags else ""
    room = limit - platform_length(tail, platform)
    return clip(body, room, platform) + tail


def _cap_inline_hashtags(body: str, limit: int) -> tuple[str, list[str]]:
    """Hashtags written inside the body count towards the platform's limit too: past it, and
    when repeated, they become plain words."""
    kept: list[str] = []

    def keep_or_unmark(match: re.Match) -> str:
        tag = to_hashtag(match.group(0))  # "#Fête" is written "#Fete", as platforms would link it
        if tag is None or tag.lower() in {k.lower() for k in kept} or len(kept) >= limit:
            return match.group(0)[1:]
        kept.append(tag)
        return tag

    return WRITTEN_HASHTAG.sub(keep_or_unmark, body), kept


def fits(text: str, platform: str) -> bool:
    return platform_length(text, platform) <= POST_LIMITS[platform]


def hashtags_in(text: str) -> list[str]:
    return clean_hashtags(HASHTAG_PATTERN.findall(text), limit=MAX_HASHTAGS * 4)


def hashtag_problems(text: str, platform: str | None) -> list[str]:
    """What a seller's own text does wrong with hashtags, in words they can act on."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for written in WRITTEN_HASHTAG.findall(text):
        if not HASHTAG_PATTERN.fullmatch(written):
            problems.append(f"{written}: hashtags use only letters A-Z, digits and _ (try {to_hashtag(written)}).")
        elif written.lower() in seen:
            problems.append(f"{written} repeats {seen[written.lower()]}.")
        else:
            seen[written.lower()] = written
    if platform and len(seen) > hashtag_limit(platform):
        problems.append(f"At most {hashtag_limit(platform)} hashtags here.")
    return problems
