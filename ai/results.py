"""The answer to a generation, the same whether the endpoint answers at once or a background
job keeps it for later: the message, the generated value under its key, and the stored content.
Its `content` is AIContentSerializer's output, the one shape the API documents for it."""

from ai.models import AIContent, ContentType
from ai.serializers import AIContentSerializer

RESULT_KEYS = {ContentType.DESCRIPTION: "description", ContentType.HASHTAGS: "hashtags",
               ContentType.SOCIAL_POST: "post"}
MESSAGES = {ContentType.DESCRIPTION: "Description generated successfully.",
            ContentType.HASHTAGS: "Hashtags generated successfully.",
            ContentType.SOCIAL_POST: "Social post generated successfully."}


def generation_body(content: AIContent, *, cached: bool) -> dict:
    """The answer to a generation, as the API document shapes it, with the stored content."""
    value = content.hashtags if content.content_type == ContentType.HASHTAGS else content.text
    body = {"message": MESSAGES[content.content_type], RESULT_KEYS[content.content_type]: value}
    if content.content_type == ContentType.SOCIAL_POST:
        body["hashtags"] = content.hashtags
    body.update(cached=cached, content=AIContentSerializer(content).data)
    return body
