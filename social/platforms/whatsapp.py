"""WhatsApp through the Cloud API (Graph), within what it allows: a message with text, a link
preview or one image (caption up to 1,024 characters) from the seller's business number to one
customer's number.

What it does not allow, and so this client does not pretend to: posting to WhatsApp Status or
Channels, listing sent messages (no lookup of an uncertain send), deleting a delivered message,
or account insights of the kind the other platforms give. A business-initiated message outside
the 24 hours after the customer last wrote needs an approved template: the platform refuses a free
message then (code 131047), which is a PermanentError here. Catalog product messages need a catalog
linked to the business account and are left for when the catalog sync exists."""

from __future__ import annotations

from social.platforms.base import (
    Credentials,
    PermanentError,
    PostRequest,
    Profile,
    Published,
    TokenGrant,
    Uncertain,
)
from social.platforms.meta import GraphClient

CAPTION_LIMIT = 1024
TEXT_LIMIT = 4096


class WhatsAppClient(GraphClient):
    platform = "whatsapp"
    default_scopes = ("whatsapp_business_management", "whatsapp_business_messaging", "business_management")
    can_delete = False
    can_find_published = False
    has_insights = False

    def verify_token(self, access_token: str, *, platform_user_id: str = "") -> Profile:
        """The business phone number the token may send from (`platform_user_id` is its id)."""
        if not platform_user_id:
            raise PermanentError(f"{self.platform}: the phone number id is needed to check a token",
                                 platform=self.platform)
        node = self.call("GET", platform_user_id, access_token, params={"fields": "id,display_phone_number,"
                                                                                  "verified_name"})
        if str(node.get("id", "")) != platform_user_id:
            raise PermanentError(f"{self.platform}: the token does not reach number {platform_user_id}",
                                 platform=self.platform)
        return Profile(user_id=platform_user_id, username=node.get("display_phone_number", ""),
                       display_name=node.get("verified_name", ""))

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None = None) -> TokenGrant:
        """Embedded Signup's code for the business's token. The phone number id comes from the
        signup session (the caller's), so the grant names no account yet."""
        token = self.code_token(code=code, redirect_uri=redirect_uri, code_verifier=code_verifier)
        return self.token_grant({"access_token": token}, Profile(user_id=""), scopes=self.granted_scopes(token))

    def publish(self, credentials: Credentials, post: PostRequest) -> Published:
        if not post.recipient:
            raise PermanentError(f"{self.platform}: the Cloud API sends to a number; it cannot post to Status",
                                 platform=self.platform)
        if len(post.images) + len(post.image_urls) > 1:
            raise PermanentError(f"{self.platform}: one image per message", platform=self.platform)
        number, token = credentials.platform_user_id, credentials.access_token
        text = post.text_with_link()
        message = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": post.recipient}
        if post.images or post.image_urls:
            if len(text) > CAPTION_LIMIT:
                raise PermanentError(f"{self.platform}: a caption has at most {CAPTION_LIMIT} characters",
                                     platform=self.platform)
            image = {"link": post.image_urls[0]} if post.image_urls else {"id": self.upload(number, token, post)}
            message |= {"type": "image", "image": image | ({"caption": text} if text else {})}
        else:
            if not text or len(text) > TEXT_LIMIT:
                raise PermanentError(f"{self.platform}: a text message has 1 to {TEXT_LIMIT} characters",
                                     platform=self.platform)
            message |= {"type": "text", "text": {"body": text, "preview_url": bool(post.link)}}
        answer = self.call("POST", f"{number}/messages", token, json=message, write=True)
        sent = answer.get("messages") or [{}]
        message_id = str(sent[0].get("id") or "") if isinstance(sent[0], dict) else ""
        if not message_id:
            raise Uncertain(f"{self.platform}: sent without a message id (it may be live)", platform=self.platform)
        return Published(platform_post_id=message_id)

    def upload(self, number: str, token: str, post: PostRequest) -> str:
        image = post.images[0]
        answer = self.call("POST", f"{number}/media", token, data={"messaging_product": "whatsapp",
                                                                    "type": image.content_type},
                           files={"file": (image.filename, image.content, image.content_type)})
        return str(answer.get("id") or "")
