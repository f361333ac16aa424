"""Recommendations benchmark: build a synthetic shop in a throwaway database (a temporary SQLite
file by default), then time the engine of ai/recommendations.py and its endpoint in process.

    .venv/bin/python bench/recommendations.py                     # 5,000 products, 2,000 buyers
    .venv/bin/python bench/recommendations.py --products 10000 --buyers 4000
    .venv/bin/python bench/recommendations.py --postgres          # the same on PostgreSQL

Measures the full refresh (the hourly Celery job), one product's refresh, and the latency and
query count of GET /api/ai/recommendations/?product_id=N and of the signed-in buyer's
GET /api/ai/recommendations/, checks them against the targets of bench/README.md, and writes
them to bench/results/recommendations-<timestamp>.json. Needs no network and no server; it
never touches the development database.
"""

import argparse
import json
import math
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from collections import Counter, defaultdict
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
POSTGRES_URL = os.environ.get("BENCH_RECOMMENDATIONS_DATABASE_URL",
                              "postgres://postgres@127.0.0.1:5432/sellflow_bench_recommendations")
SEED = 2026
SELLERS = 100
IMAGES_PER_PRODUCT = 2
URL = "/api/ai/recommendations/"

ENVIRONMENT = {
    "DJANGO_SECRET_KEY": "bench-only-secret-key-that-is-long-enough-for-django-checks-0123456789",
    "DJANGO_DEBUG": "false",
    "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    "DJANGO_ENV_FILE": "/nonexistent/.env",
    # One client in a loop: throttles would measure themselves, not the engine.
    "THROTTLE_ANON_RATE": "100000000/second",
    "THROTTLE_USER_RATE": "100000000/second",
    "CELERY_TASK_ALWAYS_EAGER": "true",
    "LOG_LEVEL": "WARNING",
}

# Targets (bench/README.md). The full refresh must end well inside Celery's soft time limit.
TARGETS = {
    "product_endpoint_p95_ms": 50.0,
    "buyer_endpoint_p95_ms": 100.0,
    "product_refresh_p95_ms": 1000.0,
    "full_refresh_seconds": 240.0,  # CELERY_TASK_SOFT_TIME_LIMIT
}

# --- A catalog that reads like a Ghanaian marketplace ----------------------------------------
# Per leaf category of the default tree (products/migrations/0002): what is sold there and the
# tags sellers give it. "Services" is left out: it sells no goods.
CATALOG = {
    "Women's clothing": ("dress,skirt,blouse,kaftan,jumpsuit,kimono,gown,top", "ankara,wax print,party,office,maxi"),
    "Men's clothing": ("smock,shirt,trousers,agbada,kaftan,suit,shorts,polo", "fugu,batakari,native wear,office,linen"),
    "Shoes": ("sandals,sneakers,slippers,loafers,heels,boots,brogues,slides",
              "leather,footwear,handmade,casual,formal"),
    "Bags": ("tote,handbag,backpack,clutch,basket bag,purse,duffel,wallet", "bolga,leather,woven,travel,everyday"),
    "Jewellery & watches": ("necklace,bracelet,earrings,anklet,ring,watch,choker,pendant",
                            "beads,gold,brass,gift,krobo"),
    "Kids' clothing": ("dress,romper,shirt,shorts,school uniform,pyjamas,onesie,jacket",
                       "kids,ankara,cotton,school,party"),
    "Skincare": ("face cream,body lotion,serum,toner,face wash,scrub,sunscreen,face mask",
                 "skincare,glow,natural,organic,moisturiser"),
    "Hair care": ("hair oil,shampoo,conditioner,edge control,leave-in,hair butter,wig,braiding hair",
                  "natural hair,growth,curls,braids,moisture"),
    "Makeup": ("lipstick,foundation,eyeliner,mascara,lip gloss,blush,concealer,brushes",
               "makeup,matte,long lasting,beauty,glam"),
    "Fragrances": ("perfume,body mist,oud,eau de parfum,roll-on,incense,attar,scented oil",
                   "fragrance,oud,floral,long lasting,gift"),
    "Shea butter & natural oils": (
        "shea butter,coconut oil,black soap,cocoa butter,moringa oil,baobab oil,neem oil,palm kernel oil",
        "shea,unrefined,organic,northern ghana,natural"),
    "Phones & tablets": ("smartphone,tablet,feature phone,ipad,android phone,refurbished phone,kids tablet,phablet",
                         "phone,android,dual sim,5g,unlocked"),
    "Audio": ("earbuds,headphones,bluetooth speaker,soundbar,microphone,radio,party speaker,neckband",
              "audio,wireless,bass,bluetooth,noise cancelling"),
    "Computers": ("laptop,desktop,monitor,keyboard,mouse,printer,hard drive,flash drive",
                  "computer,office,student,refurbished,ssd"),
    "Phone accessories": (
        "phone case,charger,power bank,screen protector,usb cable,car charger,phone holder,selfie stick",
        "accessories,fast charging,type-c,iphone,samsung"),
    "TV & home entertainment": ("smart tv,tv stand,decoder,remote,projector,hdmi cable,wall mount,streaming stick",
                                "tv,hd,android tv,entertainment,living room"),
    "Furniture": ("sofa,dining table,chair,bed frame,wardrobe,bookshelf,coffee table,stool",
                  "furniture,wood,mahogany,living room,bedroom"),
    "Kitchen & dining": ("cooking pot,asanka,frying pan,blender,plates,cutlery set,rice cooker,calabash bowl",
                         "kitchen,cookware,dining,non-stick,serving"),
    "Decor": ("wall art,vase,mirror,cushion cover,table lamp,rug,wall clock,candle",
              "decor,home,handmade,african art,living room"),
    "Bedding & textiles": ("bedsheet,duvet,pillow,curtains,towel,blanket,mattress protector,table cloth",
                           "bedding,cotton,queen size,soft,bedroom"),
    "Cleaning": ("detergent,mop,broom,dish soap,bleach,disinfectant,sponges,laundry basket",
                 "cleaning,household,laundry,kitchen,eco"),
    "Spices & seasonings": ("shito,suya spice,dawadawa,grains of selim,curry powder,ginger powder,pepper mix,prekese",
                            "spices,hot,seasoning,local,jollof"),
    "Snacks": ("plantain chips,chinchin,groundnut,kuli kuli,coconut biscuit,cashew nuts,popcorn,tiger nuts",
               "snacks,crunchy,roasted,local,party"),
    "Drinks": ("sobolo,asaana,palm wine,fruit juice,lemongrass tea,cocoa drink,bottled water,ginger drink",
               "drinks,bissap,natural,chilled,no sugar"),
    "Fresh produce": ("plantain,yam,cassava,tomatoes,garden eggs,pepper,kontomire,pineapple",
                      "fresh,farm,organic,local,vegetables"),
    "Baked goods": ("tea bread,sugar bread,meat pie,doughnut,cake,cookies,rock buns,sweet bread",
                    "bakery,fresh,pastry,breakfast,party"),
    "Kente & textiles": (
        "kente cloth,kente stole,adinkra cloth,batik,tie dye fabric,fugu fabric,wax print fabric,kente scarf",
        "kente,bonwire,handwoven,graduation,wedding"),
    "Beads": (
        "waist beads,bead necklace,bead bracelet,glass beads,krobo beads,bead earrings,recycled beads,trade beads",
        "beads,krobo,handmade,glass,colourful"),
    "Woodwork & carvings": ("carved mask,stool,wooden bowl,sculpture,drum,walking stick,serving tray,wooden spoon",
                            "carving,wood,ashanti,handmade,art"),
    "Paintings": ("canvas painting,portrait,abstract painting,landscape,acrylic painting,print,sand art,oil painting",
                  "art,canvas,african art,wall art,original"),
    "Pottery": ("clay pot,vase,mug,bowl,plant pot,water cooler,incense holder,plate",
                "pottery,clay,handmade,ceramic,vume"),
    "Supplements": (
        "moringa powder,vitamin c,multivitamin,herbal tea,protein powder,omega 3,baobab powder,zinc tablets",
        "supplements,natural,immunity,wellness,vegan"),
    "Fitness": ("dumbbells,yoga mat,skipping rope,resistance bands,kettlebell,gym gloves,ab roller,treadmill",
                "fitness,gym,home workout,training,strength"),
    "Personal care devices": (
        "hair clipper,shaver,blood pressure monitor,thermometer,hair dryer,massager,scale,trimmer",
        "device,rechargeable,health,grooming,digital"),
    "Toys": ("teddy bear,building blocks,doll,toy car,puzzle,ludu board,oware,ball", "toys,kids,educational,gift,fun"),
    "Baby care": ("diapers,baby wipes,baby lotion,feeding bottle,baby carrier,teether,baby powder,bib",
                  "baby,newborn,gentle,soft,care"),
    "School supplies": ("exercise book,backpack,pencil case,crayons,calculator,lunch box,math set,water bottle",
                        "school,students,stationery,back to school,kids"),
    "Football": ("football,jersey,football boots,shin guards,goalkeeper gloves,training cones,socks,goal net",
                 "football,black stars,training,match,sports"),
    "Sportswear": ("tracksuit,jersey,leggings,sports bra,running shoes,shorts,hoodie,cap",
                   "sportswear,running,gym,breathable,training"),
    "Camping & travel": ("tent,sleeping bag,cooler box,travel bag,torch,camping chair,water bottle,umbrella",
                         "camping,travel,outdoor,waterproof,portable"),
}
ADJECTIVES = ("handmade,classic,premium,original,authentic,quality,deluxe,durable,lightweight,elegant,vintage,modern,"
              "traditional,luxury,affordable,new,large,small,mini,family size").split(",")
COLOURS = "black,white,red,gold,green,blue,brown,yellow,pink,purple,orange,multicolour,navy,cream".split(",")
TOWNS = "Accra,Kumasi,Tamale,Bolgatanga,Cape Coast,Ho,Takoradi,Koforidua,Bonwire,Aburi,Lagos,Lome".split(",")
BLURBS = (
    "Carefully made by local artisans in {town}.",
    "Great value and built to last, perfect for everyday use.",
    "A thoughtful gift for family and friends.",
    "Sourced directly from producers in {town} and shipped within 48 hours.",
    "Customers love the finish and the attention to detail.",
    "Available in several sizes; message us on WhatsApp for bulk orders.",
    "Delivery across Ghana, pickup available in {town}.",
    "Each piece is unique, so colours may vary slightly from the photos.",
)
# Departments shoppers shop across (bought together across families); otherwise a sibling category.
COMPANIONS = {
    "Phones & tablets": "Phone accessories", "Phone accessories": "Phones & tablets", "Shoes": "Bags",
    "Women's clothing": "Jewellery & watches", "Kente & textiles": "Beads", "Beads": "Jewellery & watches",
    "Skincare": "Shea butter & natural oils", "Computers": "Audio", "Kitchen & dining": "Spices & seasonings",
    "Snacks": "Drinks", "Baby care": "Toys", "Football": "Sportswear", "Fitness": "Supplements",
    "Bedding & textiles": "Decor", "Pottery": "Decor",
}


def progress(done: int, total: int, label: str) -> None:
    width = 30
    filled = width * done // max(total, 1)
    end = "\n" if done >= total else ""
    print(f"\r  {label:<10} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end=end, flush=True)


# --- Database and Django ---------------------------------------------------------------------

def prepare_database(postgres: bool) -> tuple[str, Path | None]:
    """A database nobody else uses: a new SQLite file in a temporary directory, or the PostgreSQL
    bench database created afresh (and dropped at the end)."""
    if not postgres:
        directory = Path(tempfile.mkdtemp(prefix="sellflow-bench-recommendations-"))
        return f"sqlite:///{directory / 'bench.sqlite3'}", directory
    drop_postgres(create=True)
    return POSTGRES_URL, None


def drop_postgres(create: bool = False) -> None:
    from urllib.parse import urlparse

    import psycopg

    name = urlparse(POSTGRES_URL).path.lstrip("/")
    with psycopg.connect(POSTGRES_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            admin.execute(f'CREATE DATABASE "{name}"')


def setup_django(database_url: str) -> None:
    for key in [k for k in os.environ if k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "THROTTLE_"))]:
        del os.environ[key]  # nothing of the developer's environment decides where this writes
    os.environ.update(ENVIRONMENT, DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="sellflow.settings")
    sys.path.insert(0, str(ROOT))
    warnings.filterwarnings("ignore", "No directory at", UserWarning)  # no collectstatic here: not measured
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3") and Path(database["NAME"]).resolve() == (ROOT / "db.sqlite3").resolve():
        raise SystemExit("Refusing to run against the development database.")
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"Migrated {database['ENGINE'].rsplit('.', 1)[-1]} database {database['NAME']} "
          f"in {time.perf_counter() - started:.1f}s")


def analyze() -> None:
    """PostgreSQL plans from table statistics, which autovacuum renews some time after a bulk
    load: without fresh ones, it plans for empty tables (nested loops over the whole catalog, ten
    times slower reads). SQLite keeps none unless told, as in development."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


@contextmanager
def counting_queries():
    """Counts the statements sent to the database (without the cost of recording their SQL)."""
    from django.db import connection

    counter = {"queries": 0}

    def count(execute, sql, params, many, context):
        counter["queries"] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield counter


# --- The synthetic shop ----------------------------------------------------------------------

def zipf_weights(n: int, exponent: float) -> list[float]:
    return [1 / (rank + 1) ** exponent for rank in range(n)]


def cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def fill_shop(products_total: int, buyers_total: int) -> dict:
    """Sellers, products over the ~40 goods categories (popularity skewed within and across
    categories), buyers with tastes, their orders (mostly confirmed or delivered, some pending or
    cancelled that must not count), product views and favourites. All with bulk_create."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone as django_timezone

    from accounts.models import User
    from orders.models import Order, OrderItem, OrderStatus
    from products.models import Category, Favorite, Product, ProductImage, ProductView, Tag

    rng = random.Random(SEED)
    started = time.perf_counter()
    now = django_timezone.now()
    leaves = {c.name: c for c in Category.objects.filter(parent__isnull=False, name__in=CATALOG)}
    missing = set(CATALOG) - set(leaves)
    if missing:
        raise SystemExit(f"Categories missing from the default tree: {sorted(missing)}")
    names = sorted(leaves)
    by_parent = defaultdict(list)
    for name in names:
        by_parent[leaves[name].parent_id].append(name)
    category_weight = {name: rng.uniform(0.4, 2.0) for name in names}

    # Products, planned by index: category, name, tags, description, status and stock.
    plan = []  # (category name, noun, name, tags, description)
    per_category = defaultdict(list)  # category name → product indexes, most popular first
    for n in range(products_total):
        category = rng.choices(names, weights=[category_weight[c] for c in names])[0]
        nouns, tag_words = (part.split(",") for part in CATALOG[category])
        noun = rng.choice(nouns)
        adjective, colour, town = rng.choice(ADJECTIVES), rng.choice(COLOURS), rng.choice(TOWNS)
        shape = rng.random()
        if shape < 0.35:
            name = f"{adjective} {noun}"
        elif shape < 0.7:
            name = f"{adjective} {colour} {noun}"
        else:
            name = f"{noun} from {town} ({colour})"
        tags = list(dict.fromkeys([noun, *rng.sample(tag_words, rng.randint(2, 4))]))
        description = " ".join([
            f"{adjective.capitalize()} {noun} in {colour}, {rng.choice(tag_words)} and {rng.choice(tag_words)}.",
            *(blurb.format(town=town) for blurb in rng.sample(BLURBS, rng.randint(2, 4))),
        ])
        plan.append((category, noun, name.title(), tags, description))
        per_category[category].append(n)
    popularity = {}  # index → weight of being bought or viewed
    for category, members in per_category.items():
        rng.shuffle(members)
        for rank, n in enumerate(members):
            popularity[n] = category_weight[category] / (rank + 1) ** 0.8
    picks = {c: (members, cumulative(zipf_weights(len(members), 0.8))) for c, members in per_category.items()}

    def pick(category: str) -> int:
        members, weights = picks[category]
        return rng.choices(members, cum_weights=weights)[0]

    def companion(category: str) -> str:
        if category in COMPANIONS and rng.random() < 0.6:
            return COMPANIONS[category]
        siblings = [c for c in by_parent[leaves[category].parent_id] if c != category and c in picks]
        return rng.choice(siblings) if siblings else category

    categories_by_weight = [c for c in names if c in picks]
    category_cum = cumulative([category_weight[c] for c in categories_by_weight])

    # Buyers: tastes, orders and views, planned by index.
    orders_plan = []  # (buyer, status, days ago, [product indexes])
    views_plan = []  # (buyer, product index, count, days ago)
    favourites_plan = []  # (buyer, product index)
    statuses = [OrderStatus.DELIVERED, OrderStatus.CONFIRMED, OrderStatus.PENDING, OrderStatus.CANCELLED]
    for buyer in range(buyers_total):
        tastes = list(dict.fromkeys(rng.choices(categories_by_weight, cum_weights=category_cum, k=rng.randint(1, 3))))
        bought = []
        if rng.random() < 0.9:  # one in ten only browses
            for _ in range(rng.choices([1, 2, 3, 4, 5, 8], weights=[30, 25, 18, 12, 10, 5])[0]):
                category = rng.choice(tastes) if rng.random() < 0.8 else rng.choices(
                    categories_by_weight, cum_weights=category_cum)[0]
                basket = [pick(category)]
                for _ in range(rng.choices([0, 1, 2], weights=[55, 33, 12])[0]):
                    basket.append(pick(category if rng.random() < 0.35 else companion(category)))
                basket = list(dict.fromkeys(basket))
                status = rng.choices(statuses, weights=[70, 22, 3, 5])[0]
                orders_plan.append((buyer, status, rng.uniform(0, 180), basket))
                bought += basket
        seen = dict.fromkeys(bought)
        for _ in range(rng.randint(10, 60)):
            category = rng.choice(tastes) if rng.random() < 0.7 else rng.choices(
                categories_by_weight, cum_weights=category_cum)[0]
            seen[pick(category)] = None
        for n in seen:
            count = rng.choices([1, 2, 3, 5, 9], weights=[50, 25, 12, 8, 5])[0]
            views_plan.append((buyer, n, count, rng.uniform(0, 90)))
        if rng.random() < 0.4:
            for n in rng.sample(list(seen), min(len(seen), rng.randint(1, 5))):
                favourites_plan.append((buyer, n))
    signed_in_views = Counter()
    for _, n, count, _ in views_plan:
        signed_in_views[n] += count

    password = make_password("bench-password-2026")
    with transaction.atomic():
        sellers = User.objects.bulk_create([
            User(email=f"seller{n}@recommendations.bench", password=password, company_name=f"Bench Shop {n}",
                 city=rng.choice(TOWNS), account_type="seller", is_verified=True)
            for n in range(SELLERS)
        ])
        buyers = User.objects.bulk_create([
            User(email=f"buyer{n}@recommendations.bench", password=password, first_name=f"Buyer{n}",
                 city=rng.choice(TOWNS), account_type="buyer", is_verified=True)
            for n in range(buyers_total)
        ], batch_size=1000)
        progress(1, 1, "users")

        tag_names = sorted({tag for *_, tags, _ in plan for tag in tags})
        Tag.objects.bulk_create([Tag(name=name) for name in tag_names], ignore_conflicts=True)
        tag_ids = dict(Tag.objects.values_list("name", "pk"))
        product_ids: list[int] = []
        for start in range(0, products_total, 1000):
            batch = []
            for n in range(start, min(start + 1000, products_total)):
                category, noun, name, tags, description = plan[n]
                price = Decimal(rng.randrange(300, 300_000)) / 100
                status = "active" if rng.random() < 0.9 else rng.choice(["draft", "inactive", "archived"])
                batch.append(Product(
                    seller=sellers[n % SELLERS], name=name, slug=f"bench-product-{n}", description=description,
                    price=price, compare_at_price=price * 2 if n % 4 == 0 else None, currency="GHS",
                    sku=f"REC-{n:06d}", category=leaves[category], tags_text=",".join(tags), status=status,
                    stock_quantity=0 if rng.random() < 0.07 else rng.randrange(1, 200),
                    # Page views, anonymous ones included: a multiple of the signed-in ones, plus noise.
                    view_count=signed_in_views[n] * rng.randint(2, 6) + int(popularity[n] * 50),
                ))
            batch = Product.objects.bulk_create(batch)
            product_ids += [p.pk for p in batch]
            Product.tags.through.objects.bulk_create([
                Product.tags.through(product_id=p.pk, tag_id=tag_ids[tag])
                for p, n in zip(batch, range(start, start + len(batch)), strict=True) for tag in plan[n][3]
            ])
            ProductImage.objects.bulk_create([
                ProductImage(product=p, image=f"products/bench/{p.pk}-{i}.jpg",
                             thumbnail=f"products/bench/{p.pk}-{i}.webp", width=1200, height=1200, alt_text=p.name,
                             position=i, is_primary=i == 0)
                for p in batch for i in range(IMAGES_PER_PRODUCT)
            ])
            progress(start + len(batch), products_total, "products")
        seller_of = {pk: sellers[n % SELLERS].pk for n, pk in enumerate(product_ids)}
        price_of = dict(Product.objects.values_list("pk", "price"))

        order_rows, item_rows = [], []
        for start in range(0, len(orders_plan), 2000):
            chunk = orders_plan[start:start + 2000]
            orders = []
            for buyer, status, _, basket in chunk:
                subtotal = sum(price_of[product_ids[n]] for n in basket)
                orders.append(Order(
                    buyer=buyers[buyer], seller_id=seller_of[product_ids[basket[0]]], status=status,
                    payment_method="mobile_money", currency="GHS", subtotal=subtotal, total_amount=subtotal,
                    full_name=f"Buyer {buyer}", phone="+233501234567", address_line1="1 Ring Road", city="Accra",
                    country="Ghana"))
            orders = Order.objects.bulk_create(orders)
            order_rows += [(o.pk, days) for o, (_, _, days, _) in zip(orders, chunk, strict=True)]
            items = [
                OrderItem(order=order, product_id=product_ids[n], product_name=plan[n][2], sku=f"REC-{n:06d}",
                          unit_price=price_of[product_ids[n]], quantity=1, total=price_of[product_ids[n]])
                for order, (_, _, _, basket) in zip(orders, chunk, strict=True) for n in basket
            ]
            OrderItem.objects.bulk_create(items, batch_size=2000)
            item_rows += items
            progress(start + len(chunk), len(orders_plan), "orders")
        # created_at is auto_now_add: spread the orders over six months afterwards.
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {Order._meta.db_table} SET created_at = %s WHERE id = %s",
                               [(now - timedelta(days=days), pk) for pk, days in order_rows])

        for start in range(0, len(views_plan), 10_000):
            ProductView.objects.bulk_create([
                ProductView(user=buyers[buyer], product_id=product_ids[n], count=count,
                            last_viewed_at=now - timedelta(days=days))
                for buyer, n, count, days in views_plan[start:start + 10_000]
            ], batch_size=2000)
            progress(min(start + 10_000, len(views_plan)), len(views_plan), "views")
        Favorite.objects.bulk_create([Favorite(user=buyers[buyer], product_id=product_ids[n])
                                      for buyer, n in favourites_plan], batch_size=2000)

    public = Product.objects.public()
    shop = {
        "sellers": SELLERS,
        "products": products_total,
        "public_products": public.count(),
        "recommendable_products": public.filter(stock_quantity__gt=0).count(),
        "categories": len(per_category),
        "buyers": buyers_total,
        "orders": len(orders_plan),
        "purchased_orders": sum(1 for _, status, _, _ in orders_plan
                                if status in (OrderStatus.CONFIRMED, OrderStatus.DELIVERED)),
        "order_items": len(item_rows),
        "product_views": len(views_plan),
        "favorites": len(favourites_plan),
        "seconds_to_fill": round(time.perf_counter() - started, 1),
    }
    print(f"Filled in {shop['seconds_to_fill']}s: " + ", ".join(f"{v} {k}" for k, v in shop.items()
                                                                if k != "seconds_to_fill"))
    return shop


# --- Measurements ----------------------------------------------------------------------------

def percentile(values: list[float], fraction: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def summary(milliseconds: list[float], queries: list[int]) -> dict:
    return {
        "samples": len(milliseconds),
        "median_ms": round(statistics.median(milliseconds), 2),
        "p95_ms": round(percentile(milliseconds, 0.95), 2),
        "max_ms": round(max(milliseconds), 2),
        "queries": {str(n): c for n, c in sorted(Counter(queries).items())},
    }


def measure_full_refresh(label: str) -> dict:
    from ai import recommendations as engine
    from ai.models import ProductRecommendation

    with counting_queries() as counter:
        started = time.perf_counter()
        products = engine.recommendations_refresh_all()
        seconds = time.perf_counter() - started
    result = {"seconds": round(seconds, 2), "products": products, "queries": counter["queries"],
              "rows": ProductRecommendation.objects.count()}
    print(f"  full refresh ({label}): {seconds:.1f}s for {products} products, {counter['queries']} queries, "
          f"{result['rows']} rows in the table")
    return result


def measure_product_refresh(product_ids: list[int]) -> dict:
    from ai import recommendations as engine

    # A worker's first refresh after it starts tokenises the whole catalog (the corpus is kept
    # per process): measure that once, then the usual case, the corpus in memory.
    engine.CORPUS.clear()
    with counting_queries() as counter:
        started = time.perf_counter()
        engine.recommendations_refresh_product(product_id=product_ids[0])
        cold_ms = (time.perf_counter() - started) * 1000
    cold_queries = counter["queries"]
    milliseconds, queries = [], []
    for product_id in product_ids:
        with counting_queries() as counter:
            started = time.perf_counter()
            engine.recommendations_refresh_product(product_id=product_id)
            milliseconds.append((time.perf_counter() - started) * 1000)
        queries.append(counter["queries"])
    result = {**summary(milliseconds, queries), "cold_corpus_ms": round(cold_ms, 1),
              "cold_corpus_queries": cold_queries}
    print(f"  one product's refresh: median {result['median_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms, "
          f"max {result['max_ms']:.0f} ms, queries {result['queries']}; first one in a new process "
          f"{cold_ms:.0f} ms")
    return result


def measure_endpoint(label: str, requests: list[tuple[str, dict]], check) -> dict:
    """Each request through Django's test client (the whole middleware and DRF stack, in this
    process), after a few warm-up requests."""
    from django.test import Client

    client = Client()
    for path, headers in requests[:10]:
        client.get(path, headers=headers)
    milliseconds, queries, statuses, notes = [], [], Counter(), Counter()
    for path, headers in requests:
        with counting_queries() as counter:
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            milliseconds.append((time.perf_counter() - started) * 1000)
        queries.append(counter["queries"])
        statuses[response.status_code] += 1
        if response.status_code == 200:
            notes[check(response.json())] += 1
    result = {**summary(milliseconds, queries), "statuses": {str(s): c for s, c in statuses.items()},
              "answers": dict(notes)}
    print(f"  {label}: median {result['median_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms, "
          f"max {result['max_ms']:.1f} ms, queries {result['queries']}, statuses {result['statuses']}, "
          f"answers {result['answers']}")
    return result


def product_answer(body: dict) -> str:
    if body["similar"] and body["bought_together"]:
        return "both lists"
    return "similar only" if body["similar"] else ("bought together only" if body["bought_together"] else "empty")


def buyer_answer(body: dict) -> str:
    return body["strategy"] if body["results"] else "empty"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=5000, help="products in the catalog (default 5000)")
    parser.add_argument("--buyers", type=int, default=2000, help="buyers with orders and views (default 2000)")
    parser.add_argument("--refreshes", type=int, default=50, help="products refreshed one by one (default 50)")
    parser.add_argument("--requests", type=int, default=200, help="requests per endpoint (default 200)")
    parser.add_argument("--postgres", action="store_true",
                        help="use PostgreSQL (BENCH_RECOMMENDATIONS_DATABASE_URL, created afresh and dropped after) "
                             "instead of a temporary SQLite file")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()

    database_url, directory = prepare_database(args.postgres)
    try:
        setup_django(database_url)
        report = run(args)
    finally:
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)
        elif "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
            drop_postgres()
    report["seconds_total"] = round(time.perf_counter() - began, 1)

    target = RESULTS / f"recommendations-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    target.write_text(json.dumps(report, indent=2) + "\n")
    print(f"Written to {target.relative_to(ROOT)} ({report['seconds_total']}s in all)")
    if not report["valid"]:
        raise SystemExit("Errors: some answers were not 200 or had empty lists; see the report.")


def run(args) -> dict:
    from django.conf import settings
    from django.db import connection

    from accounts.models import User
    from accounts.services import tokens_for_user
    from ai.models import ProductRecommendation
    from products.models import Product

    shop = fill_shop(args.products, args.buyers)
    analyze()
    rng = random.Random(SEED + 1)

    print("Measuring:")
    full_first = measure_full_refresh("empty table")
    full_again = measure_full_refresh("again, nothing changed")
    analyze()  # the recommendations table is new

    public_ids = sorted(Product.objects.public().values_list("pk", flat=True))
    product_refresh = measure_product_refresh(rng.sample(public_ids, min(args.refreshes, len(public_ids))))

    product_endpoint = measure_endpoint(
        "GET ?product_id=N (anonymous)",
        [(f"{URL}?product_id={pk}", {}) for pk in rng.choices(public_ids, k=args.requests)], product_answer)

    with_history = list(User.objects.filter(account_type="buyer", product_views__isnull=False)
                        .distinct().values_list("pk", flat=True))
    buyers = User.objects.in_bulk(rng.sample(with_history, min(args.requests, len(with_history))))
    tokens = [tokens_for_user(user)["access"] for user in buyers.values()]
    buyer_endpoint = measure_endpoint(
        "GET (signed-in buyer)", [(URL, {"Authorization": f"Bearer {token}"}) for token in tokens], buyer_answer)

    product_queries = {int(n) for n in product_endpoint["queries"]}
    targets = {
        "product_endpoint_p95_ms": {"target": f"< {TARGETS['product_endpoint_p95_ms']:g}",
                                    "measured": product_endpoint["p95_ms"],
                                    "met": product_endpoint["p95_ms"] < TARGETS["product_endpoint_p95_ms"]},
        "product_endpoint_fixed_queries": {"target": "one count for every product", "measured": sorted(product_queries),
                                           "met": len(product_queries) == 1},
        "buyer_endpoint_p95_ms": {"target": f"< {TARGETS['buyer_endpoint_p95_ms']:g}",
                                  "measured": buyer_endpoint["p95_ms"],
                                  "met": buyer_endpoint["p95_ms"] < TARGETS["buyer_endpoint_p95_ms"]},
        "buyer_endpoint_fixed_queries": {"target": "one count for every buyer",
                                         "measured": sorted(int(n) for n in buyer_endpoint["queries"]),
                                         "met": len(buyer_endpoint["queries"]) == 1},
        "product_refresh_p95_ms": {"target": f"< {TARGETS['product_refresh_p95_ms']:g}",
                                   "measured": product_refresh["p95_ms"],
                                   "met": product_refresh["p95_ms"] < TARGETS["product_refresh_p95_ms"]},
        "full_refresh_seconds": {"target": f"< {TARGETS['full_refresh_seconds']:g} (Celery soft time limit)",
                                 "measured": full_first["seconds"],
                                 "met": full_first["seconds"] < TARGETS["full_refresh_seconds"]},
    }
    print("Targets:")
    for name, target in targets.items():
        verdict = "met   " if target["met"] else "MISSED"
        print(f"  {name:<32} {verdict} {target['measured']} (target {target['target']})")

    valid = all(set(result["statuses"]) == {"200"} and "empty" not in result["answers"]
                for result in (product_endpoint, buyer_endpoint))
    return {
        "timestamp": datetime.now(UTC).isoformat(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "database": connection.vendor, "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
        "shop": shop,
        "full_refresh": {"empty_table": full_first, "nothing_changed": full_again},
        "product_refresh": product_refresh,
        "product_endpoint": product_endpoint,
        "buyer_endpoint": buyer_endpoint,
        "recommendation_rows": ProductRecommendation.objects.count(),
        "targets": targets,
        "valid": valid,
    }


if __name__ == "__main__":
    main()
