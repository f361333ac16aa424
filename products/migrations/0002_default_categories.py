"""The default catalog tree. Operators rename, reorder or extend it in the admin."""

from django.db import migrations
from django.utils.text import slugify

DEFAULT_TREE = [
    ("Fashion", "shirt", ["Women's clothing", "Men's clothing", "Shoes", "Bags", "Jewellery & watches", "Kids' clothing"]),
    ("Beauty & personal care", "sparkles", ["Skincare", "Hair care", "Makeup", "Fragrances", "Shea butter & natural oils"]),
    ("Electronics", "smartphone", ["Phones & tablets", "Audio", "Computers", "Phone accessories", "TV & home entertainment"]),
    ("Home & living", "home", ["Furniture", "Kitchen & dining", "Decor", "Bedding & textiles", "Cleaning"]),
    ("Food & groceries", "shopping-basket", ["Spices & seasonings", "Snacks", "Drinks", "Fresh produce", "Baked goods"]),
    ("Arts & crafts", "palette", ["Kente & textiles", "Beads", "Woodwork & carvings", "Paintings", "Pottery"]),
    ("Health & wellness", "heart-pulse", ["Supplements", "Fitness", "Personal care devices"]),
    ("Baby & kids", "baby", ["Toys", "Baby care", "School supplies"]),
    ("Sports & outdoors", "bike", ["Football", "Sportswear", "Camping & travel"]),
    ("Services", "briefcase", ["Tailoring", "Beauty services", "Events & catering", "Repairs"]),
]


def create_tree(apps, schema_editor):
    Category = apps.get_model("products", "Category")
    for position, (name, icon, children) in enumerate(DEFAULT_TREE):
        parent, _ = Category.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "icon": icon, "position": position}
        )
        for child_position, child in enumerate(children):
            Category.objects.get_or_create(
                slug=slugify(child), defaults={"name": child, "parent": parent, "position": child_position}
            )


def remove_tree(apps, schema_editor):
    Category = apps.get_model("products", "Category")
    slugs = [slugify(name) for name, _, children in DEFAULT_TREE for name in [name, *children]]
    Category.objects.filter(slug__in=slugs, products__isnull=True, parent__isnull=False).delete()
    Category.objects.filter(slug__in=slugs, products__isnull=True, children__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("products", "0001_initial")]

    operations = [migrations.RunPython(create_tree, remove_tree)]
