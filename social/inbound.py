"""What the platforms' webhooks send, read into events: Meta's notifications (Facebook Pages,
Instagram, WhatsApp Cloud API: `object` + `entry[].changes[]` / `entry[].messaging[]`) and X's
Account Activity events (`for_user_id` + `*_events` lists). Pure rules: no model, no request;
the body given here has been verified already.

Meta names no event id, so a change's id is the digest of what identifies it (object, entry,
time, field, value): a redelivery of the same notification gets the same id, and is stored once.

What an event says about a post SellFlow published is read here too, as `PostUpdate`s naming the
platform's own id for it (the one publishing stored as the target's `platform_post_id`):
- Facebook Page feed, an item that is a post of the Page (status, photo, video...) with verb
  `remove`: `value.post_id` (`<page>_<post>`, as the Graph answers a publish) was removed. A
  removed comment names its post too, and is not the post's removal.
- X `tweet_delete_events`: `status.id` was deleted.
- WhatsApp Cloud API `statuses[]`: `id` is the message id the send answered; `failed` (with the
  platform's `errors[]`) means it never reached the customer. `sent`, `delivered` and `read` say
  nothing SellFlow keeps on a target: they stay stored events.
- Nothing else: Instagram sends no webhook when media is deleted, and a post's creation (Facebook
  feed `add`, the account's own tweet) names an id SellFlow records only when the publish call
  answers, so it cannot be matched to a target still `publishing`."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from enum import StrEnum

from social.models import EventKind

META_OBJECTS = {"page": "facebook", "instagram": "instagram", "whatsapp_business_account": "whatsapp"}
META_PLATFORMS = frozenset(META_OBJECTS.values())
# Page feed items that are a post of the Page (a status, a photo...).
POST_ITEMS = frozenset({"status", "post", "photo", "video", "share", "link", "album"})
INSTAGRAM_FIELDS = {"comments": EventKind.COMMENT, "live_comments": EventKind.COMMENT,
                    "mentions": EventKind.MENTION, "messages": EventKind.DIRECT_MESSAGE}
EVENT_ID_LENGTH = 200
PLATFORM_POST_ID_LENGTH = 200  # PostTarget.platform_post_id
ERROR_LENGTH = 300


class MalformedEvent(ValueError):
    """The body is not what the platform sends (not JSON, or not its notification's shape)."""


class PostChange(StrEnum):
    REMOVED = "removed"  # deleted at the platform
    FAILED = "failed"  # the platform gave up on it after accepting it (a WhatsApp message not delivered)


@dataclass(frozen=True)
class PostUpdate:
    """What one event says happened to one post, named by the platform's id for it."""

    platform_post_id: str
    change: PostChange
    error: str = ""  # FAILED: the platform's reason


@dataclass(frozen=True)
class InboundEvent:
    platform: str
    event_id: str
    kind: str
    account_user_id: str  # the connected account's platform_user_id, "" when the event names none
    payload: dict = field(repr=False)
    post_updates: tuple[PostUpdate, ...] = ()


def digest(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def json_object(body: bytes) -> dict:
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise MalformedEvent("the body is not JSON") from None
    if not isinstance(document, dict):
        raise MalformedEvent("the body is not a JSON object")
    return document


def parse_events(platform: str, body: bytes) -> list[InboundEvent]:
    """The events of one verified webhook body sent to `platform`'s address."""
    document = json_object(body)
    if platform in META_PLATFORMS:
        return meta_events(platform, document)
    if platform == "twitter":
        return x_events(document)
    raise MalformedEvent(f"no webhooks from {platform}")


# --- Meta ---------------------------------------------------------------------------------------

def meta_events(platform: str, document: dict) -> list[InboundEvent]:
    entries, kind_of_object = document.get("entry"), document.get("object")
    if not isinstance(kind_of_object, str) or not isinstance(entries, list):
        raise MalformedEvent("a Meta notification has an `object` and a list of `entry`")
    platform = META_OBJECTS.get(kind_of_object, platform)  # one Meta app may send every object to one URL
    events = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("changes", []), list) or not isinstance(
                entry.get("messaging", []), list):
            raise MalformedEvent("a Meta entry is an object with lists of `changes` or `messaging`")
        events += [meta_change(platform, kind_of_object, entry, change) for change in entry.get("changes", [])]
        events += [meta_message(platform, entry, message) for message in entry.get("messaging", [])]
    return events


def meta_change(platform: str, kind_of_object: str, entry: dict, change) -> InboundEvent:
    if not isinstance(change, dict) or not isinstance(change.get("field"), str):
        raise MalformedEvent("a Meta change has a `field`")
    name, value = change["field"], change.get("value")
    value = value if isinstance(value, dict) else {}
    account = str(entry.get("id") or "")
    if platform == "whatsapp":  # the entry is the business account; the number is in the metadata
        account = str((value.get("metadata") or {}).get("phone_number_id") or "") if isinstance(
            value.get("metadata"), dict) else ""
    event_id = "meta:" + digest(kind_of_object, entry.get("id"), entry.get("time"), name, change.get("value"))
    kind = meta_change_kind(platform, name, value)
    return InboundEvent(platform=platform, event_id=event_id, kind=kind, account_user_id=account,
                        payload={"object": kind_of_object, "entry_id": entry.get("id"), "time": entry.get("time"),
                                 **change}, post_updates=meta_post_updates(platform, kind, value))


def meta_change_kind(platform: str, name: str, value: dict) -> str:
    if platform == "whatsapp" and name == "messages":
        if value.get("messages"):
            return EventKind.DIRECT_MESSAGE
        return EventKind.POST_STATUS if value.get("statuses") else EventKind.OTHER
    if platform == "instagram":
        return INSTAGRAM_FIELDS.get(name, EventKind.OTHER)
    if name == "mention":
        return EventKind.MENTION
    if name != "feed":
        return EventKind.OTHER
    item, verb = value.get("item"), value.get("verb")
    if item in POST_ITEMS or item == "comment":
        if verb == "remove":
            return EventKind.DELETION
        return EventKind.COMMENT if item == "comment" else EventKind.POST_STATUS
    return EventKind.MENTION if item == "mention" else EventKind.OTHER


def meta_post_updates(platform: str, kind: str, value: dict) -> tuple[PostUpdate, ...]:
    if platform == "whatsapp" and kind == EventKind.POST_STATUS:
        statuses = value.get("statuses")
        return tuple(filter(None, map(whatsapp_status_update, statuses if isinstance(statuses, list) else [])))
    if platform == "facebook" and kind == EventKind.DELETION and value.get("item") in POST_ITEMS:
        post_id = platform_id(value.get("post_id"))
        return (PostUpdate(post_id, PostChange.REMOVED),) if post_id else ()
    return ()


def whatsapp_status_update(status) -> PostUpdate | None:
    """A `failed` status of a message we sent, with the platform's first error as the reason."""
    if not isinstance(status, dict) or status.get("status") != "failed" or not platform_id(status.get("id")):
        return None
    return PostUpdate(platform_id(status["id"]), PostChange.FAILED, error=whatsapp_failure(status.get("errors")))


def whatsapp_failure(errors) -> str:
    """`whatsapp: <title> (<code>)` from the status's first error, e.g. `Message undeliverable (131026)`."""
    error = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    title = error.get("title") or error.get("message")
    code = platform_id(error.get("code"))
    reason = title if isinstance(title, str) else "the message could not be delivered"
    return (f"whatsapp: {reason}" + (f" ({code})" if code else ""))[:ERROR_LENGTH]


def platform_id(value) -> str:
    """A platform's id for a post as sent (a string or a number), "" for anything else."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    return str(value)[:PLATFORM_POST_ID_LENGTH]


def meta_message(platform: str, entry: dict, message) -> InboundEvent:
    """Messenger and Instagram messaging: each message carries its own id (`mid`)."""
    if not isinstance(message, dict):
        raise MalformedEvent("a Meta messaging item is an object")
    body = message.get("message") if isinstance(message.get("message"), dict) else {}
    mid = body.get("mid")
    event_id = f"mid:{mid}" if isinstance(mid, str) and mid else "meta:" + digest(entry.get("id"), message)
    kind = EventKind.DIRECT_MESSAGE if body else EventKind.OTHER  # reads, deliveries, reactions: other
    return InboundEvent(platform=platform, event_id=event_id[:EVENT_ID_LENGTH], kind=kind,
                        account_user_id=str(entry.get("id") or ""), payload={"entry_id": entry.get("id"), **message})


# --- X ------------------------------------------------------------------------------------------

def x_events(document: dict) -> list[InboundEvent]:
    user = document.get("for_user_id")
    if not isinstance(user, str | int) or isinstance(user, bool) or not str(user):
        raise MalformedEvent("an X Account Activity event names `for_user_id`")
    user, events = str(user), []
    for name, items in document.items():
        if not name.endswith("_events"):
            continue  # `users`, `apps`: lookups that come with direct messages
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise MalformedEvent(f"`{name}` is a list of objects")
        events += [x_event(user, name, item) for item in items]
    return events


def x_event(user: str, name: str, item: dict) -> InboundEvent:
    kind, own_id = EventKind.OTHER, item.get("id_str") or item.get("id")
    if name == "tweet_create_events":
        kind = x_post_kind(user, item)
    elif name == "tweet_delete_events":
        kind = EventKind.DELETION
        own_id = (item.get("status") or {}).get("id") if isinstance(item.get("status"), dict) else None
    elif name == "direct_message_events" and item.get("type") == "message_create":
        kind = EventKind.DIRECT_MESSAGE
    key = f"{name}:{own_id}" if isinstance(own_id, str | int) and str(own_id) else f"{name}:{digest(user, item)}"
    removed = platform_id(own_id) if kind == EventKind.DELETION else ""
    return InboundEvent(platform="twitter", event_id=key[:EVENT_ID_LENGTH], kind=kind, account_user_id=user,
                        payload={"for_user_id": user, "type": name, "event": item},
                        post_updates=(PostUpdate(removed, PostChange.REMOVED),) if removed else ())


def x_post_kind(user: str, post: dict) -> str:
    """The account's own post (published), a reply to it, or a post naming it."""
    author = post.get("user") if isinstance(post.get("user"), dict) else {}
    if str(author.get("id_str") or "") == user:
        return EventKind.POST_STATUS
    if str(post.get("in_reply_to_user_id_str") or "") == user:
        return EventKind.COMMENT
    return EventKind.MENTION
