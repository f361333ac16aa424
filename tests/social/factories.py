import factory

from social.models import AccountStatus, SocialAccount
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
