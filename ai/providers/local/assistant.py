"""The built-in assistant: finds what the seller asks for by keywords (English and French), calls the
one tool that answers it with arguments read from the question, and says what the tool found, in
the seller's language. Every figure comes from the tool's result: nothing is made up, and a
question it does not understand gets the list of what it can do."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ai.providers.base import AssistantRequest
from ai.providers.local import lexicon

_I = re.IGNORECASE
LIST_MAX = 5

INTENTS = [  # the first that matches is answered
    ("draft_post", re.compile(r"\bposts?\b|caption|publication|\bpublier|légende|legende", _I)),
    ("draft_reply", re.compile(r"\brepl(?:y|ies)\b|\brespond|answer (?:to )?(?:the |a |my |this )?customer|"
                               r"\brépon|\brepon", _I)),
    ("orders_awaiting_action", re.compile(
        r"waiting|await|to confirm|to ship|need(?:s)? (?:my )?(?:action|attention)|pending|\bconfirm|\bship\b|"
        r"à confirmer|a confirmer|à expédier|a expedier|à envoyer|en attente|à traiter|attendent", _I)),
    ("find_customer", re.compile(r"customer|client|buyer|acheteu|\S+@\S+\.\w+|\+\d{8,15}", _I)),
    ("find_products", re.compile(r"stock|inventory|sold out|out of stock|running (?:low|out)|rupture|épuisé|"
                                 r"inventaire|\bleft\b|\breste", _I)),
    ("sales_summary", re.compile(r"sales|\bsell|\bsold\b|revenue|earn|income|turnover|\bmade\b|orders?\b|"
                                 r"chiffre d'affaires|\bventes?\b|vendu|commandes?|revenus?|gagné", _I)),
    ("find_products", re.compile(r"products?|price|\bprix\b|produits?|articles?|catalog", _I)),
]
PERIODS = [
    ("yesterday", re.compile(r"yesterday|\bhier\b", _I)),
    ("today", re.compile(r"today|aujourd['’]hui|\bce jour", _I)),
    ("last_week", re.compile(r"last week|la semaine (?:dernière|derniere|passée|passee)", _I)),
    ("this_week", re.compile(r"this week|cette semaine", _I)),
    ("last_month", re.compile(r"last month|le mois (?:dernier|passé|passe)", _I)),
    ("this_month", re.compile(r"this month|ce mois", _I)),
    ("last_7_days", re.compile(r"(?:last|past) (?:7|seven) days|(?:7|sept) derniers jours", _I)),
    ("this_year", re.compile(r"this year|cette année|cette annee", _I)),
    ("last_30_days", re.compile(r"(?:last|past) (?:30|thirty) days|(?:30|trente) derniers jours", _I)),
]
PLATFORMS = [("instagram", r"instagram|\binsta\b"), ("facebook", r"facebook|\bfb\b"),
             ("twitter", r"twitter|\bx\b|tweet"), ("tiktok", r"tiktok")]
LOW_STOCK = re.compile(r"\blow\b|running (?:low|out)|almost out|sold out|out of stock|faible|bientôt|rupture|épuisé",
                       _I)
PRODUCT_ID = re.compile(r"(?:product|produit|item|article)\s*(?:id\s*)?(?:n[°o]\s*)?#?\s*(\d{1,12})|#(\d{1,12})", _I)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"\+\d{8,15}")
WORD = re.compile(r"[\w'’-]+", re.UNICODE)
# Words that say what is asked, not what about: left out of a search.
STOPWORDS = set("""
a an the i me my mine we our you your is are am was were be been do does did have has had how what which who
whom whose when where why can could would should will shall please show tell give find look lookup search get
list see check any some all of for to in on at by with about from and or it its this that these those there
much many more most left still stock inventory product products item items price prices cost costs draft write
post posts caption for customer customers client buyer reply replies respond answer sales sold sell selling
revenue order orders ignore previous instructions seller sellers data else other another id number suggest
latest last message messages new recent my me
le la les un une des du de d l au aux et ou est sont ai as a mon ma mes ton ta tes notre nos votre vos quel
quelle quels quelles combien comment qui que quoi où dans sur pour par avec en il elle ils elles je tu nous
vous me moi montre montrez donne donnez trouve trouvez cherche cherchez affiche liste reste restent stock
produit produits article articles prix écris ecris rédige redige publication client clients cliente répondre
repondre réponse ventes vente vendu commandes commande chiffre affaires stp svp s'il plait j'ai propose
proposer suggère suggere dernier dernière derniere message messages
""".split())

PHRASES = {
    "en": {
        "no_products": "I found no product of yours matching “{query}”.",
        "no_products_at_all": "You have no products yet.",
        "products": "Here is what I found among your products ({total}):",
        "low_products": "Your products running low ({total}):",
        "product_line": "• {name}: {price}, {stock} in stock{low}",
        "low_mark": " (low)",
        "variant_line": "   – {name}: {stock}",
        "sales": "{period}: {orders} orders, revenue {revenue} from confirmed orders, {items} items sold.",
        "sales_average": " Average order value: {average}.",
        "sales_top": "Best sellers: {top}.",
        "sales_none": "{period}: no orders.",
        "awaiting_none": "Nothing is waiting for you: no cash-on-delivery order to confirm and no confirmed order to "
                         "ship.",
        "to_confirm": "{count} cash-on-delivery order(s) to confirm:",
        "to_ship": "{count} confirmed order(s) to ship:",
        "order_line": "• {order_id}: {total}, {customer} ({date})",
        "post": "Here is a draft {platform} post about {product} (saved as a draft for you to review):",
        "reply": "Suggested replies to {customer} (who wrote: “{last}”):",
        "customers_none": "I found no customer of yours matching “{query}”.",
        "customers": "Customers matching “{query}” ({total}):",
        "customer_line": "• {name}{contact}: {orders} orders, {spent} spent, last seen {date}",
        "more": "…and {count} more.",
        "error": "I couldn't do that: {error}",
        "help": "I can look up your products and stock, summarise your sales and orders for a period (today, "
                "this week, this month…), list the orders waiting for you, draft a post about a product, suggest "
                "a reply to a customer, or find a customer. What would you like to know?",
        "periods": {"today": "Today", "yesterday": "Yesterday", "this_week": "This week", "last_week": "Last week",
                    "this_month": "This month", "last_month": "Last month", "last_7_days": "The last 7 days",
                    "last_30_days": "The last 30 days", "this_year": "This year"},
        "nameless": "(no name)",
    },
    "fr": {
        "no_products": "Je n'ai trouvé aucun de vos produits correspondant à « {query} ».",
        "no_products_at_all": "Vous n'avez encore aucun produit.",
        "products": "Voici ce que j'ai trouvé parmi vos produits ({total}) :",
        "low_products": "Vos produits presque épuisés ({total}) :",
        "product_line": "• {name} : {price}, {stock} en stock{low}",
        "low_mark": " (stock faible)",
        "variant_line": "   – {name} : {stock}",
        "sales": "{period} : {orders} commandes, un chiffre d'affaires de {revenue} sur les commandes confirmées, "
                 "{items} articles vendus.",
        "sales_average": " Panier moyen : {average}.",
        "sales_top": "Meilleures ventes : {top}.",
        "sales_none": "{period} : aucune commande.",
        "awaiting_none": "Rien ne vous attend : aucune commande en paiement à la livraison à confirmer, aucune "
                         "commande payée à expédier.",
        "to_confirm": "{count} commande(s) en paiement à la livraison à confirmer :",
        "to_ship": "{count} commande(s) confirmée(s) à expédier :",
        "order_line": "• {order_id} : {total}, {customer} ({date})",
        "post": "Voici un brouillon de publication {platform} pour {product} (enregistré en brouillon pour "
                "relecture) :",
        "reply": "Réponses suggérées pour {customer} (qui a écrit : « {last} ») :",
        "customers_none": "Je n'ai trouvé aucun de vos clients correspondant à « {query} ».",
        "customers": "Clients correspondant à « {query} » ({total}) :",
        "customer_line": "• {name}{contact} : {orders} commandes, {spent} dépensés, vu(e) le {date}",
        "more": "…et {count} de plus.",
        "error": "Je n'ai pas pu le faire : {error}",
        "help": "Je peux chercher vos produits et leur stock, résumer vos ventes et commandes sur une période "
                "(aujourd'hui, cette semaine, ce mois…), lister les commandes qui vous attendent, rédiger une "
                "publication sur un produit, suggérer une réponse à un client ou retrouver un client. Que "
                "voulez-vous savoir ?",
        "periods": {"today": "Aujourd'hui", "yesterday": "Hier", "this_week": "Cette semaine",
                    "last_week": "La semaine dernière", "this_month": "Ce mois-ci", "last_month": "Le mois dernier",
                    "last_7_days": "Les 7 derniers jours", "last_30_days": "Les 30 derniers jours",
                    "this_year": "Cette année"},
        "nameless": "(sans nom)",
    },
}


@dataclass
class Answer:
    text: str
    confidence: float
    tools_used: list[str] = field(default_factory=list)


def answer_question(request: AssistantRequest, language: str) -> Answer:
    """The answer to the seller's question, from at most one tool call."""
    question = request.question
    language = language if language in PHRASES else (lexicon.detect_language(question) or "en")
    phrases = PHRASES[language]
    tools = {tool.name: tool for tool in request.tools}
    intent = next((name for name, pattern in INTENTS if pattern.search(question)), None)
    if intent is None or intent not in tools:
        return Answer(phrases["help"], 0.2)
    arguments = ARGUMENTS[intent](question)
    result = tools[intent].run(arguments)
    if "error" in result:
        return Answer(phrases["error"].format(error=result["error"]), 0.4, [intent])
    writer = Writer(phrases, language)
    return Answer(getattr(writer, intent)(result, arguments), 0.9, [intent])


# --- reading the question -----------------------------------------------------------------------

def search_words(question: str) -> str:
    """The words of the question that name something, without email addresses and phone numbers."""
    text = PHONE.sub(" ", EMAIL.sub(" ", PRODUCT_ID.sub(" ", question)))
    words = [word.strip("'’-") for word in WORD.findall(text)]
    kept = [word for word in words if len(word) > 1 and word.lower() not in STOPWORDS and not word.isdigit()
            and not any(pattern.search(word) for _, pattern in PERIODS)]
    return " ".join(kept)


def product_id_in(question: str) -> int | None:
    found = PRODUCT_ID.search(question)
    return int(found.group(1) or found.group(2)) if found else None


def product_arguments(question: str) -> dict:
    arguments: dict = {}
    product_id = product_id_in(question)
    if product_id is not None:
        arguments["product_id"] = product_id
    elif query := search_words(LOW_STOCK.sub(" ", question)):
        arguments["query"] = query
    if LOW_STOCK.search(question):
        arguments["low_stock_only"] = True
    return arguments


def period_arguments(question: str) -> dict:
    """The period named in the question; none named, the tool's own default (the last 30 days)."""
    period = next((name for name, pattern in PERIODS if pattern.search(question)), None)
    return {"period": period} if period else {}


def post_arguments(question: str) -> dict:
    platform = next((name for name, pattern in PLATFORMS if re.search(pattern, question, _I)), "instagram")
    arguments: dict = {"platform": platform, "language": lexicon.detect_language(question) or "en"}
    product_id = product_id_in(question)
    if product_id is not None:
        arguments["product_id"] = product_id
    else:
        words = [word for word in search_words(question).split()
                 if not any(re.fullmatch(pattern, word, _I) for _, pattern in PLATFORMS)]
        if words:
            arguments["product_query"] = " ".join(words)
    return arguments


def customer_query(question: str) -> str:
    found = EMAIL.search(question) or PHONE.search(question)
    return found.group(0) if found else search_words(question)


def reply_arguments(question: str) -> dict:
    query = customer_query(question)
    return {"customer_query": query} if query else {}


ARGUMENTS: dict[str, Callable[[str], dict]] = {
    "find_products": product_arguments,
    "sales_summary": period_arguments,
    "orders_awaiting_action": lambda question: {},
    "draft_post": post_arguments,
    "draft_reply": reply_arguments,
    "find_customer": lambda question: {"query": customer_query(question)},
}


# --- saying what the tool found -----------------------------------------------------------------

class Writer:
    def __init__(self, phrases: dict, language: str):
        self.phrases, self.language = phrases, language

    def money(self, amount: str, currency: str) -> str:
        return f"{currency} {amount}"

    def more(self, lines: list[str], total: int) -> list[str]:
        return [*lines, self.phrases["more"].format(count=total - len(lines))] if total > len(lines) else lines

    def find_products(self, result: dict, arguments: dict) -> str:
        products = result["products"]
        if not products:
            query = arguments.get("query") or (f"#{arguments['product_id']}" if "product_id" in arguments else "")
            return self.phrases["no_products"].format(query=query) if query else self.phrases["no_products_at_all"]
        heading = "low_products" if arguments.get("low_stock_only") else "products"
        lines = [self.phrases[heading].format(total=result["total"])]
        for product in products[:LIST_MAX]:
            lines.append(self.phrases["product_line"].format(
                name=product["name"], price=self.money(product["price"], product["currency"]),
                stock=product["stock_quantity"], low=self.phrases["low_mark"] if product["low_stock"] else ""))
            lines += [self.phrases["variant_line"].format(name=variant["name"], stock=variant["stock_quantity"])
                      for variant in product["variants"]]
        return "\n".join(self.more(lines, result["total"]))

    def sales_summary(self, result: dict, arguments: dict) -> str:
        period = self.phrases["periods"].get(result["period"], result["period"])
        period = f"{period} ({result['from']} – {result['to']})"
        if not result["orders"]:
            return self.phrases["sales_none"].format(period=period)
        text = self.phrases["sales"].format(period=period, orders=result["orders"], items=result["items_sold"],
                                            revenue=self.money(result["revenue"], result["currency"]))
        if result["average_order_value"] is not None:
            text += self.phrases["sales_average"].format(
                average=self.money(result["average_order_value"], result["currency"]))
        if result["top_products"]:
            top = ", ".join(f"{item['name']} ({item['quantity']})" for item in result["top_products"])
            text += "\n" + self.phrases["sales_top"].format(top=top)
        return text

    def orders_awaiting_action(self, result: dict, arguments: dict) -> str:
        lines: list[str] = []
        for key in ("to_confirm", "to_ship"):
            orders = result[key]
            if orders:
                lines.append(self.phrases[key].format(count=len(orders)))
                lines += self.more([self.order_line(order) for order in orders[:LIST_MAX]], len(orders))
        return "\n".join(lines) if lines else self.phrases["awaiting_none"]

    def order_line(self, order: dict) -> str:
        return self.phrases["order_line"].format(order_id=order["order_id"],
                                                 total=self.money(order["total"], order["currency"]),
                                                 customer=order["customer"] or self.phrases["nameless"],
                                                 date=order["created_at"][:10])

    def draft_post(self, result: dict, arguments: dict) -> str:
        heading = self.phrases["post"].format(platform=result["platform"].capitalize(), product=result["product"])
        return f"{heading}\n\n{result['text']}"

    def draft_reply(self, result: dict, arguments: dict) -> str:
        heading = self.phrases["reply"].format(customer=result["customer"] or self.phrases["nameless"],
                                               last=result["last_message"])
        return "\n".join([heading, *(f"{index}. {text}" for index, text in enumerate(result["suggestions"], 1))])

    def find_customer(self, result: dict, arguments: dict) -> str:
        customers = result["customers"]
        if not customers:
            return self.phrases["customers_none"].format(query=arguments["query"])
        lines = [self.phrases["customers"].format(query=arguments["query"], total=result["total"])]
        for customer in customers[:LIST_MAX]:
            contact = ", ".join(value for value in (customer["email"], customer["phone"]) if value)
            lines.append(self.phrases["customer_line"].format(
                name=customer["name"] or self.phrases["nameless"], contact=f" ({contact})" if contact else "",
                orders=customer["orders_count"], spent=self.money(customer["total_spent"], customer["currency"]),
                date=customer["last_seen"][:10]))
        return "\n".join(self.more(lines, result["total"]))
