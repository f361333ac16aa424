import factory

from customers.models import Customer, CustomerHandle, CustomerTag
from tests.accounts.factories import UserFactory


class CustomerFactory(factory.django.DjangoModelFactory):
    """A customer as the services would leave it: `tag_names=[...]` and `handles=[(platform, id, username)]`
    become rows of the customer's seller."""

    class Meta:
        model = Customer
        skip_postgeneration_save = True

    seller = factory.SubFactory(UserFactory, account_type="seller")
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")

    @factory.post_generation
    def tag_names(self, create, extracted, **kwargs):
        for name in extracted or ():
            CustomerTag.objects.create(customer=self, seller=self.seller, name=name)

    @factory.post_generation
    def handles(self, create, extracted, **kwargs):
        for platform, platform_user_id, username in extracted or ():
            CustomerHandle.objects.create(customer=self, seller=self.seller, platform=platform,
                                          platform_user_id=platform_user_id, username=username)
