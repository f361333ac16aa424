import factory

from social.models import AccountStatus, PostStatus, PostTarget, SocialAccount, SocialPost
from tests.accounts.factories import UserFactory


class SocialAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SocialAccount

    seller = factory.SubFactory(UserFactory, account_type="seller")
    platform = "facebook"
    platform_user_id = factory.Sequence(lambda n: f"10155500{n:04d}")
    platform_username = factory.Sequence(lambda n: f"shop{n}")
    display_name = factory.Faker("company")
    access_token = factory.Sequence(lambda n: f"EAAStoredPageToken{n}-secret")
    status = AccountStatus.ACTIVE


# --- Posts

class SocialPostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SocialPost

    seller = factory.SubFactory(UserFactory, account_type="seller")
    content = "Fresh kente scarves, handwoven in Bonwire."
    hashtags = factory.LazyFunction(lambda: ["#Kente"])


class PostTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PostTarget

    post = factory.SubFactory(SocialPostFactory)
    account = factory.SubFactory(SocialAccountFactory, seller=factory.SelfAttribute("..post.seller"))
    platform = factory.SelfAttribute("account.platform")
    status = PostStatus.DRAFT
