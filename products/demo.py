"""Demo catalog of the demo seller, loaded by `manage.py seed_demo`."""

import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from accounts.demo import demo_seller
from products.models import Category, Product
from products.services import product_create
from sellflow.images import Uploader

DEMO_PRODUCTS = [
    ("Handwoven Kente Stole", "kente-textiles", "149.00", "189.00", 12, "kente,handmade,ghana", (212, 160, 23)),
    ("Ashanti Glass Bead Necklace", "beads", "65.00", None, 30, "beads,jewellery,handmade", (30, 120, 180)),
    ("Raw Shea Butter 500g", "shea-butter-natural-oils", "45.00", "55.00", 80, "shea,skincare,natural",
     (240, 230, 200)),
    ("Black Soap (Alata Samina)", "skincare", "25.00", None, 120, "soap,skincare,natural", (60, 50, 40)),
    ("Ankara Wrap Dress", "womens-clothing", "220.00", "260.00", 0, "ankara,dress,fashion", (200, 40, 90)),
    ("Leather Sandals", "shoes", "180.00", None, 15, "leather,sandals,handmade", (140, 90, 50)),
    ("Wireless Earbuds", "audio", "299.00", "349.00", 40, "audio,wireless,earbuds", (20, 20, 20)),
    ("Shito Hot Pepper Sauce", "spices-seasonings", "35.00", None, 60, "shito,spicy,food", (120, 30, 20)),
    ("Carved Wooden Elephant", "woodwork-carvings", "95.00", None, 7, "wood,carving,decor", (110, 70, 40)),
    ("Smock (Fugu) Shirt", "mens-clothing", "250.00", None, 9, "fugu,smock,fashion", (90, 60, 120)),
]


def _photo(color: tuple[int, int, int], label: str) -> SimpleUploadedFile:
    image = Image.new("RGB", (640, 640), color)
    ImageDraw.Draw(image).text((24, 600), label[:40], fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return SimpleUploadedFile("demo.jpg", buffer.getvalue(), content_type="image/jpeg")


def seed(context) -> None:
    seller = demo_seller()
    if Product.objects.filter(seller=seller).exists():
        return
    categories = {c.slug: c for c in Category.objects.all()}
    for name, category, price, compare_at, stock, tags, color in context.progress(
        DEMO_PRODUCTS, total=len(DEMO_PRODUCTS), label="demo products"
    ):
        product_create(
            seller=seller,
            data={
                "name": name,
                "description": f"{name}, made in Ghana.",
                "price": Decimal(price),
                "compare_at_price": Decimal(compare_at) if compare_at else None,
                "sku": f"DEMO-{len(name):02d}{name[:3].upper()}",
                "category": categories.get(category),
                "tags": tags,
                "status": "active",
                "stock_quantity": stock,
            },
            images=[_photo(color, name)],
            uploader=Uploader(user=seller, address=None),
        )
