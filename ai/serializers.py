from rest_framework import serializers

from products.serializers import PublicProductSerializer


class InterpretedCategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()


class InterpretationSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="The words left to search for.")
    min_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    max_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    currency = serializers.CharField(allow_null=True)
    in_stock = serializers.BooleanField(allow_null=True)
    colors = serializers.ListField(child=serializers.CharField())
    sizes = serializers.ListField(child=serializers.CharField())
    category = InterpretedCategorySerializer(allow_null=True)
    sort = serializers.ChoiceField(choices=["price"], allow_null=True, help_text="`price`: the shopper asked for cheap.")


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=300, help_text='What the shopper typed, e.g. "red sneakers under 300 cedis".')
    category = serializers.CharField(max_length=100, required=False, help_text="Category id or slug (overrides one found in q).")


class SearchResponseSerializer(serializers.Serializer):
    query = serializers.CharField()
    interpreted = InterpretationSerializer(help_text="The filters understood, for the frontend to show as chips.")
    count = serializers.IntegerField()
    results = PublicProductSerializer(many=True)
