"""The seller's reply templates: written, and sent in a conversation with their placeholders
filled."""

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from accounts.models import User
from chat.errors import InvalidConversation, NotAMember, ShortcodeTaken
from chat.models import PLACEHOLDER, Conversation, Message, ReplyTemplate
from chat.services.messages import Draft, message_send
from orders.models import Order

TEMPLATE_EDITABLE = ("shortcode", "title", "body")


def template_create(*, seller: User, shortcode: str, title: str, body: str) -> ReplyTemplate:
    """A new canned reply of the seller's; its shortcode is theirs once (409 shortcode_taken)."""
    try:
        with transaction.atomic():
            return ReplyTemplate.objects.create(seller=seller, shortcode=shortcode, title=title, body=body)
    except IntegrityError:
        raise ShortcodeTaken(details={"shortcode": [shortcode]}) from None


def template_update(*, template: ReplyTemplate, changes: dict) -> ReplyTemplate:
    fields = [field for field in TEMPLATE_EDITABLE if field in changes]
    if not fields:
        return template
    for field in fields:
        setattr(template, field, changes[field])
    try:
        with transaction.atomic():
            template.save(update_fields=[*fields, "updated_at"])
    except IntegrityError:
        template.refresh_from_db()
        raise ShortcodeTaken(details={"shortcode": [changes.get("shortcode", "")]}) from None
    return template


def template_delete(*, template: ReplyTemplate) -> None:
    """The seller's template is gone; the messages sent from it keep their text."""
    template.delete()


def template_values(conversation: Conversation) -> dict[str, str]:
    """What the placeholders become in this conversation: the customer's name, the product's name
    and price (with its currency), and the id of the customer's latest order from this seller."""
    product = conversation.product
    theirs = Q(guest_order__customer_id=conversation.customer_id)  # ordered for them without an account
    if buyer_id := conversation.customer.buyer_id or conversation.buyer_id:
        theirs |= Q(buyer_id=buyer_id)
    latest_order = (Order.objects.filter(theirs, seller_id=conversation.seller_id).order_by("-created_at", "-pk")
                    .values_list("order_id", flat=True).first())
    return {
        "customer_name": conversation.customer.name,
        "product_name": product.name if product else "",
        "product_price": f"{product.currency} {product.price:,.2f}" if product else "",
        "order_id": latest_order or "",
    }


def template_render(body: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda placeholder: values.get(placeholder.group(1), placeholder.group(0)), body)


def template_send(*, template: ReplyTemplate, conversation: Conversation, sender: User) -> Message:
    """The seller sends their template in their conversation, its placeholders filled: one
    message through message_send, and the template's usage count goes up by one in the same
    transaction (a conditional UPDATE, right under any number of parallel sends)."""
    if template.seller_id != sender.pk or conversation.seller_id != sender.pk:
        raise NotAMember()
    if conversation.customer is None:
        raise InvalidConversation("Reply templates are for customers, not for the assistant.",
                                  details={"conversation": [conversation.pk]})
    content = template_render(template.body, template_values(conversation))
    with transaction.atomic():
        message = message_send(conversation=conversation, sender=sender,
                               draft=Draft(content=content, metadata={"template": template.shortcode}))
        ReplyTemplate.objects.filter(pk=template.pk).update(usage_count=F("usage_count") + 1)
    return message
