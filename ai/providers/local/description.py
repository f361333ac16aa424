"""Product descriptions in three styles and three lengths, in English and French, from the
product's own facts: professional is measured and in the third person, casual talks to the
reader warmly, persuasive sells the benefits and asks for the order."""

from __future__ import annotations

from dataclasses import dataclass

from ai.providers.local.facts import (
    Facts,
    Notes,
    OptionGroup,
    Product,
    as_plural,
    capitalize,
    category_in,
    delivery_terms,
    elide,
    facts_in,
    is_plural_name,
    join_words,
    notes_from,
    option_label,
    option_values,
    pick,
    shop_fallback,
    stable_index,
    with_article,
    without,
    words,
)
from ai.providers.local.lexicon import detect_language

# Word counts: (at least, aim for, at most).
LENGTHS = {"short": (30, 46, 60), "medium": (70, 100, 130), "long": (140, 190, 250)}
STYLES = ("professional", "casual", "persuasive")
MAX_OPTION_VALUES = 8

PHRASES = {
    "en": {
        "professional": {
            "intro_category": ["{The_name} {is} part of the {category} collection at {shop}.",
                               "{shop} presents {the_name}, from its {category} collection."],
            "intro": ["{shop} presents {the_name}.", "{The_name} {is} available from {shop}."],
            "features": "It is {features}.",
            "materials": "Materials: {materials}.",
            "materials_one": "Material: {materials}.",
            "ingredients": "Ingredients: {materials}.",
            "ingredients_one": "Key ingredient: {materials}.",
            "details": "Details: {details}.",
            "occasions": "It is well suited to {occasions}.",
            "gift": "It also makes a thoughtful gift.",
            "options": "It is available {options}.",
            "price": "It is priced at {price}.",
            "price_sale": "It is priced at {price}, reduced from {compare} (a saving of {pct}%).",
            "price_from": "Prices start at {min_price}, depending on the option chosen.",
            "in_stock": "It is in stock and ready to order.",
            "low": "Only {q} remain in stock.",
            "last": "Only one remains in stock.",
            "out": "It is currently out of stock; contact {shop} to find out when it will be available again.",
            "fillers": [
                "Orders can be placed directly with {shop}, and questions about the product are welcome before "
                "purchase.",
                "delivery:{delivery_terms}",
                "colour:Colours may appear slightly different depending on your screen.",
                "For any question about {aspect}, the team at {shop} will be glad to help.",
                "Please check the details above before ordering to make sure the product meets your needs.",
                "If anything in this description is unclear, {shop} will be happy to clarify it before you buy.",
                "options:Customers are invited to state their preferred options when ordering.",
                "To order, simply send a message to {shop} with the details of your request.",
                "Availability is confirmed when you place your order.",
                "currency:Prices are listed in {currency_name}.",
                "This description is provided by {shop} to help you choose with confidence.",
                "Feel free to share this product with anyone who might be interested.",
            ],
            "aspect_options": "sizes and options",
            "aspect": "this product",
        },
        "casual": {
            "intro_category": ["Meet {the_name}, one of our favourite picks from the {category} collection at {shop}!",
                               "Say hello to {the_name}, straight from the {category} shelf at {shop}."],
            "intro": ["Meet {the_name}, one of our favourite picks at {shop}!",
                      "Say hello to {the_name}, straight from {shop}."],
            "features": "Best part? It's {features}.",
            "materials": "It's made with {materials}.",
            "materials_one": "It's made with {materials}.",
            "ingredients": "It's made with {materials}.",
            "ingredients_one": "It's made with {materials}.",
            "details": "The details: {details}.",
            "occasions": "It's perfect for {occasions}.",
            "gift": "It makes a lovely gift too.",
            "options": "You can get it {options}.",
            "price": "It's {price}.",
            "price_sale": "It's {price} instead of {compare}, so you save {pct}%.",
            "price_from": "Prices start at {min_price}, depending on the option you pick.",
            "in_stock": "Good news: it's in stock and ready for you.",
            "low": "Heads up: we've only got {q} left!",
            "last": "Heads up: this is the last one we have!",
            "out": "It's sold out right now, but message us and we'll let you know as soon as it's back.",
            "fillers": [
                "Got a question? Just send us a message and we'll get back to you.",
                "delivery:{delivery_terms}",
                "delivery:Tell us where you are and we'll sort out delivery with you.",
                "options:Not sure which {aspect} to pick? Ask us and we'll help you choose.",
                "colour:Colours can look a little different on screen, so feel free to ask us about them.",
                "Ordering is easy: message {shop}, tell us what you'd like, and we'll take it from there.",
                "We love hearing from our customers, so don't be shy!",
                "Treat yourself, or pick one up for someone special.",
                "Once yours arrives, we'd love to see it, so tag us!",
                "We're a small business, so every order really means a lot to us.",
                "Know someone who'd love it too? Share this with them!",
                "Follow us so you never miss our next finds!",
                "Anything unclear? Just ask us before you order, we're happy to explain.",
                "Saving it for later? Share it with a friend so you don't lose it!",
                "Found something you like? Don't wait too long to message us!",
            ],
            "aspect_options": "option",
            "aspect": "one",
        },
        "persuasive": {
            "intro_category": ["Discover {the_name}, a standout in the {category} collection at {shop}.",
                               "Treat yourself to {the_name}, a standout in the {category} collection at {shop}."],
            "intro": ["Treat yourself to {the_name} from {shop}.",
                      "Discover {the_name} from {shop}: you'll wonder how you managed without it."],
            "features": "It's {features}, giving you {benefits}.",
            "features_plain": "It's {features}.",
            "materials": "Made with {materials}.",
            "materials_one": "Made with {materials}.",
            "ingredients": "Made with {materials}.",
            "ingredients_one": "Made with {materials}.",
            "details": "What you get: {details}.",
            "occasions": "Be ready for {occasions}.",
            "gift": "Looking for a gift? This one is sure to please.",
            "options": "Choose yours {options}.",
            "price": "All this for just {price}.",
            "price_sale": "Now just {price} instead of {compare}: save {pct}% today.",
            "price_from": "Prices start at just {min_price}.",
            "in_stock": "It's in stock now, so you can order today.",
            "low": "Only {q} left in stock, so don't miss out.",
            "last": "This is the last one in stock, so don't miss out.",
            "out": "It's sold out right now; message us to be first in line when it's back.",
            "cta": ["Order now from {shop} and make it yours.", "Message {shop} now to place your order."],
            "fillers": [
                "low:Finds like this never stay on the shelf for long.",
                "options:Not sure which option suits you best? We'll gladly help you choose.",
                "delivery:{delivery_terms}",
                "delivery:Tell us where you are and we'll confirm the delivery options for your area.",
                "stock:Why wait? The sooner you order, the sooner it's yours.",
                "It's the kind of purchase you'll be glad you made.",
                "Questions are welcome before you order, so you can buy with confidence.",
                "Have a question before you decide? Just ask, we're happy to help you choose.",
                "Once you've seen it, you'll understand why we love it.",
                "Treat yourself, or surprise someone you love.",
                "Don't let this one slip away: message us today.",
                "stock:Secure yours now and start enjoying it sooner.",
                "Ordering takes just a minute: send us a message and we'll handle the rest.",
                "Share this with someone who would love it too.",
                "You deserve something this good, so go ahead and make it yours.",
            ],
            "aspect_options": "option",
            "aspect": "product for you",
        },
    },
    "fr": {
        "professional": {
            "intro_category": ["{shop} présente {name}, dans sa collection {category}.",
                               "Découvrez {name}, de la collection {category} {de_shop}."],
            "intro": ["{shop} présente {name}.", "Découvrez {name}, disponible chez {shop}."],
            "features": "Il s'agit d'un article {features}.",
            "materials": "Matières : {materials}.",
            "materials_one": "Matière : {materials}.",
            "ingredients": "Ingrédients : {materials}.",
            "ingredients_one": "Ingrédient clé : {materials}.",
            "details": "Caractéristiques : {details}.",
            "occasions": "Un choix idéal pour {occasions}.",
            "gift": "C'est également une belle idée cadeau.",
            "options": "Cet article est disponible {options}.",
            "price": "Son prix est de {price}.",
            "price_sale": "Son prix est de {price} au lieu de {compare}, soit une économie de {pct} %.",
            "price_from": "Prix à partir de {min_price}, selon l'option choisie.",
            "in_stock": "Cet article est en stock et prêt à être commandé.",
            "low": "Il n'en reste que {q} en stock.",
            "last": "Il ne reste plus qu'un exemplaire en stock.",
            "out": "Cet article est momentanément en rupture de stock ; contactez {shop} pour connaître la date "
                   "de son retour.",
            "fillers": [
                "Les commandes se passent directement auprès {de_shop}, qui répond volontiers à vos questions "
                "avant l'achat.",
                "delivery:{delivery_terms}",
                "colour:Les couleurs peuvent légèrement varier selon l'écran utilisé.",
                "Pour toute question sur {aspect}, l'équipe {de_shop} se tient à votre disposition.",
                "Nous vous invitons à vérifier les informations ci-dessus avant de commander afin de vous assurer "
                "que cet article répond à vos besoins.",
                "Si un point de cette description n'est pas clair, {shop} se fera un plaisir de vous le préciser "
                "avant l'achat.",
                "options:Merci de préciser vos options au moment de la commande.",
                "Pour commander, il suffit d'envoyer un message à {shop} en précisant votre demande.",
                "La disponibilité est confirmée au moment de la commande.",
                "currency:Les prix sont indiqués en {currency_name}.",
                "Cette description est fournie par {shop} pour vous aider à choisir en toute confiance.",
                "N'hésitez pas à partager cet article avec les personnes susceptibles d'être intéressées.",
            ],
            "aspect_options": "les tailles et les options",
            "aspect": "cet article",
        },
        "casual": {
            "intro_category": ["Voici {name}, l'un de nos coups de cœur de la collection {category} chez {shop} !",
                               "Craquez pour {name}, à découvrir dans la collection {category} {de_shop}."],
            "intro": ["Voici {name}, l'un de nos coups de cœur chez {shop} !",
                      "Craquez pour {name}, à découvrir dès maintenant chez {shop}."],
            "features": "Et en plus, c'est un article {features}.",
            "materials": "Côté matières : {materials}.",
            "materials_one": "Côté matière : {materials}.",
            "ingredients": "Côté ingrédients : {materials}.",
            "ingredients_one": "Ingrédient star : {materials}.",
            "details": "Les détails : {details}.",
            "occasions": "Le choix parfait pour {occasions}.",
            "gift": "Et c'est aussi une super idée cadeau !",
            "options": "Au choix : {options}.",
            "price": "Côté prix : {price}.",
            "price_sale": "Côté prix : {price} au lieu de {compare}, soit {pct} % d'économie !",
            "price_from": "Côté prix : à partir de {min_price}, selon l'option choisie.",
            "in_stock": "Bonne nouvelle : c'est en stock !",
            "low": "Attention, il n'en reste que {q} !",
            "last": "Attention, il ne reste plus qu'un exemplaire !",
            "out": "C'est en rupture de stock pour le moment, mais écrivez-nous et on vous prévient dès le retour !",
            "fillers": [
                "Une question ? Envoyez-nous un message, on vous répond avec plaisir.",
                "delivery:{delivery_terms}",
                "delivery:Dites-nous où vous êtes et on organise la livraison ensemble.",
                "options:Vous hésitez sur {aspect} ? Demandez-nous conseil, on vous aide à choisir.",
                "colour:Les couleurs peuvent rendre un peu différemment à l'écran : n'hésitez pas à nous poser la "
                "question.",
                "Commander, c'est simple : écrivez à {shop}, dites-nous ce qui vous fait envie, et on s'occupe du "
                "reste.",
                "On adore avoir de vos nouvelles, alors n'hésitez pas !",
                "Faites-vous plaisir, ou faites plaisir à quelqu'un de spécial.",
                "Une fois votre commande reçue, montrez-nous le résultat en nous identifiant !",
                "Nous sommes une petite entreprise : chaque commande compte énormément pour nous.",
                "Vous connaissez quelqu'un qui va adorer ? Parlez-lui-en !",
                "Suivez-nous pour ne rien manquer de nos prochaines trouvailles !",
                "Un point pas clair ? Demandez-nous avant de commander, on vous explique avec plaisir.",
                "Vous voulez le garder pour plus tard ? Partagez-le avec un proche pour ne pas le perdre !",
                "Vous avez trouvé votre bonheur ? N'attendez pas trop pour nous écrire !",
            ],
            "aspect_options": "l'option",
            "aspect": "le choix",
        },
        "persuasive": {
            "intro_category": ["Découvrez {name}, un incontournable de la collection {category} chez {shop}.",
                               "Offrez-vous {name}, un incontournable de la collection {category} chez {shop}."],
            "intro": ["Offrez-vous {name}, à découvrir chez {shop}.", "Découvrez {name} chez {shop} : vous allez "
                      "l'adorer."],
            "features": "Un article {features}. Ce que vous y gagnez : {benefits}.",
            "features_plain": "Un article {features}.",
            "materials": "Matières : {materials}.",
            "materials_one": "Matière : {materials}.",
            "ingredients": "Ingrédients : {materials}.",
            "ingredients_one": "Ingrédient clé : {materials}.",
            "details": "Ce que vous obtenez : {details}.",
            "occasions": "L'allié idéal pour {occasions}.",
            "gift": "Vous cherchez un cadeau ? Celui-ci fera forcément plaisir.",
            "options": "Faites votre choix : {options}.",
            "price": "Le tout pour seulement {price}.",
            "price_sale": "Seulement {price} au lieu de {compare} : économisez {pct} % dès aujourd'hui.",
            "price_from": "À partir de seulement {min_price}.",
            "in_stock": "En stock dès maintenant : commandez dès aujourd'hui.",
            "low": "Plus que {q} en stock : ne tardez pas !",
            "last": "Dernier exemplaire en stock : ne tardez pas !",
            "out": "Cet article est en rupture de stock pour le moment : écrivez-nous dès maintenant pour le "
                   "réserver dès son retour.",
            "cta": ["Commandez dès maintenant chez {shop} !", "Écrivez à {shop} dès maintenant pour passer "
                    "commande."],
            "fillers": [
                "low:Des trouvailles comme celle-ci ne restent jamais longtemps en rayon.",
                "options:Vous hésitez entre plusieurs options ? Nous vous aidons volontiers à choisir.",
                "delivery:{delivery_terms}",
                "delivery:Dites-nous où vous êtes et nous vous confirmons les options de livraison pour votre zone.",
                "stock:Pourquoi attendre ? Plus tôt vous commandez, plus tôt vous en profitez.",
                "Le genre d'achat que vous ne regretterez pas.",
                "Posez-nous toutes vos questions avant de commander, pour acheter en toute confiance.",
                "Une question avant de vous décider ? Demandez-nous, nous vous aidons volontiers à choisir.",
                "Une fois que vous l'aurez vu, vous comprendrez pourquoi nous l'adorons.",
                "Faites-vous plaisir, ou surprenez quelqu'un que vous aimez.",
                "Ne laissez pas passer cette occasion : écrivez-nous dès aujourd'hui.",
                "stock:Réservez dès maintenant et profitez-en plus vite.",
                "Commander ne prend qu'une minute : envoyez-nous un message, on s'occupe du reste.",
                "Pensez à en parler à quelqu'un qui va adorer.",
                "Vous méritez ce qu'il y a de mieux : faites-vous plaisir dès aujourd'hui.",
            ],
            "aspect_options": "l'option qui vous convient",
            "aspect": "ce qui vous convient",
        },
    },
}
# "colour:..." is said only of products offered in colours, "delivery:..." only when the shop stated
# its delivery terms, "low:..." only when few are left, "stock:..." only when it can be ordered now.
# No filler promises what the data does not say (photos, speed, delivery, scarcity).
FILLER_NEEDS = {"options", "colour", "currency", "delivery", "low", "stock"}
CURRENCY_NAMES = {
    "en": {"GHS": "Ghanaian cedis", "NGN": "Nigerian naira", "XOF": "CFA francs", "XAF": "CFA francs",
           "USD": "US dollars", "EUR": "euros", "GBP": "pounds sterling", "KES": "Kenyan shillings"},
    "fr": {"GHS": "cedis ghanéens", "NGN": "nairas nigérians", "XOF": "francs CFA", "XAF": "francs CFA",
           "USD": "dollars américains", "EUR": "euros", "GBP": "livres sterling", "KES": "shillings kényans"},
}
SHOP_FALLBACK = {"en": "our shop", "fr": "notre boutique"}
MORE = {"en": "more", "fr": "d'autres encore"}


@dataclass
class Piece:
    paragraph: int
    rank: int  # 0 always kept, then added in rank order while there is room
    text: str


# --- Options, the way each style says them -----------------------------------------------------

def options_phrase(groups: list[OptionGroup], language: str, style: str) -> str:
    either = "and" if style == "professional" else "or"
    parts = []
    for group in groups:
        values = option_values(group, language)
        extra = len(values) > MAX_OPTION_VALUES
        values = values[:MAX_OPTION_VALUES] + ([MORE[language]] if extra else [])
        listed = join_words(values, language, "and" if extra else either)
        label = option_label(group, language)
        if language == "fr" and style != "professional":
            parts.append(f"{label} {listed}")  # "Au choix : coloris doré ou vert, tailles M ou L"
        elif group.kind == "colour":
            parts.append(f"en coloris {listed}" if language == "fr" else f"in {listed}")
        elif group.kind == "size":
            if language == "fr":
                parts.append(f"en {label} {listed}")
            elif len(values) > 1 and either == "and":
                parts.append(f"in sizes {listed}")
            else:
                parts.append(f"in size {listed}")
        elif language == "fr":
            article = "d'" if label[:1].lower() in "aeiouéèêh" else "de "
            parts.append(f"avec un choix {article}{label} ({join_words(values, language, 'or')})")
        else:
            parts.append(f"with a choice of {label} ({join_words(values, language, 'or')})")
    return ", ".join(parts)


# --- The pieces of a description -----------------------------------------------------------------

def _facts_to_state(product: Product, notes: Notes, language: str) -> Facts:
    """Facts from the name, tags, category and notes (those the quoted notes already say are
    left out by the caller): notes in another language, or sentences not quoted because they
    are the writer's own earlier copy, still tell what the product is made of."""
    return facts_in(product.text_for_facts() + " " + product.notes, exclude=product.name)


def _pieces(product: Product, language: str, style: str) -> tuple[list[Piece], list[str]]:
    phrases = PHRASES[language][style]
    shop = product.shop or SHOP_FALLBACK[language]
    seed = (product.name, language, style)
    category = category_in(product, language)
    if product.name_is_fallback and category and category.lower() == product.short_name.lower():
        category = None  # "The Sandals are part of the Sandals collection" says it twice
    the_name = with_article(product.short_name) if language == "en" and detect_language(product.short_name) != "fr" \
        else product.short_name
    values = {"name": product.short_name, "the_name": the_name, "The_name": capitalize(the_name), "shop": shop,
              "is": "are" if language == "en" and is_plural_name(product.short_name) else "is",
              "de_shop": elide("de", shop), "category": category or ""}
    pieces: list[Piece] = []

    intro = pick(phrases["intro_category" if category else "intro"], *seed)
    pieces.append(Piece(0, 0, capitalize(intro.format(**values))))

    notes = notes_from(product)
    quoted = " ".join(notes.sentences_in(language) + notes.fragments_in(language))
    facts = without(_facts_to_state(product, notes, language), quoted)
    features = [feature.fr if language == "fr" else feature.en for feature in facts.features]
    if facts.origin:
        features.append(f"fabriqué {facts.origin[1]}" if language == "fr" else f"made in {facts.origin[0]}")
    if features:
        benefits = list(dict.fromkeys(
            (f.benefit_fr if language == "fr" else f.benefit_en) for f in facts.features if f.benefit_en))[:2]
        template = phrases["features"]
        if style == "persuasive" and not benefits:
            template = phrases["features_plain"]
        pieces.append(Piece(0, 1, template.format(features=join_words(features, language),
                                                  benefits=join_words(benefits, language))))
    materials = [m.fr if language == "fr" else m.en for m in facts.materials]
    if materials:
        key = ("ingredients" if all(m.ingredient for m in facts.materials) else "materials") \
            + ("" if len(materials) > 1 else "_one")
        pieces.append(Piece(1, 3, phrases[key].format(materials=join_words(materials, language))))

    for sentence in notes.sentences_in(language):
        pieces.append(Piece(1, 2, sentence))
    details = notes.fragments_in(language)[:5]
    if details:
        listed = "; ".join([details[0]] + [d[:1].lower() + d[1:] if not d[:2].isupper() else d
                                            for d in details[1:]])
        pieces.append(Piece(1, 2, phrases["details"].format(details=listed)))

    if facts.occasions:
        occasions = [o.fr if language == "fr" else o.en for o in facts.occasions]
        pieces.append(Piece(1, 3, phrases["occasions"].format(occasions=join_words(occasions, language))))
    if facts.gift:
        pieces.append(Piece(1, 3, phrases["gift"]))

    if product.options:
        pieces.append(Piece(2, 0, phrases["options"].format(options=options_phrase(product.options, language,
                                                                                     style))))
    if product.price is not None:
        money = {"price": product.money(product.price, language),
                 "compare": product.money(product.compare_at_price, language),
                 "pct": product.discount_percent, "min_price": product.money(product.lowest_variant_price, language)}
        key = "price_sale" if product.discount_percent else "price_from" if product.lowest_variant_price else "price"
        pieces.append(Piece(2, 0, phrases[key].format(**money)))
    if not product.in_stock:
        pieces.append(Piece(2, 0, phrases["out"].format(**values)))
    elif product.low_stock:
        key = "last" if product.stock_quantity == 1 else "low"
        pieces.append(Piece(2, 0 if style != "professional" else 1, phrases[key].format(q=product.stock_quantity)))
    else:
        pieces.append(Piece(2, 3, phrases["in_stock"]))
    if style == "persuasive":
        pieces.append(Piece(4, 0, pick(phrases["cta"], *seed, "cta").format(**values)))

    aspect = phrases["aspect_options" if product.options else "aspect"]
    kinds = {"options"} if product.options else set()
    kinds |= {"colour"} if any(group.kind == "colour" for group in product.options) else set()
    kinds |= {"currency"} if product.currency in CURRENCY_NAMES[language] else set()
    kinds |= {"delivery"} if product.delivers else set()
    kinds |= {"low"} if product.low_stock else set()
    kinds |= {"stock"} if product.in_stock else set()
    values["currency_name"] = CURRENCY_NAMES[language].get(product.currency, "")
    values["delivery_terms"] = delivery_terms(product, language)
    fillers = []
    for filler in phrases["fillers"]:
        needs, _, text = filler.partition(":") if filler.split(":", 1)[0] in FILLER_NEEDS else ("", "", filler)
        if not needs or needs in kinds:
            fillers.append(text.format(**values, aspect=aspect))
    start = stable_index(len(fillers), *seed, "fillers")
    return pieces, fillers[start:] + fillers[:start]


def _assemble(pieces: list[Piece], fillers: list[str], length: str) -> list[Piece]:
    low, aim, high = LENGTHS[length]
    chosen = [p for p in pieces if p.rank == 0]
    total = sum(words(p.text) for p in chosen)
    for rank in (1, 2, 3):
        for piece in pieces:
            if piece.rank == rank and total + words(piece.text) <= (aim if rank > 1 else high):
                chosen.append(piece)
                total += words(piece.text)
    for filler in fillers:
        if total >= low:
            break
        if total + words(filler) <= high:
            chosen.append(Piece(3, 4, filler))
            total += words(filler)
    # Too long even so (a huge name or many options): let go of the least needed.
    while total > high and any(p.rank > 0 for p in chosen):
        drop = max((p for p in chosen if p.rank > 0), key=lambda p: (p.rank, chosen.index(p)))
        chosen.remove(drop)
        total -= words(drop.text)
    order = {id(p): i for i, p in enumerate(pieces)}
    return sorted(chosen, key=lambda p: (p.paragraph, order.get(id(p), len(order))))


def _paragraphs(chosen: list[Piece]) -> str:
    """About the product, then the details (options, price, stock), then how to buy; a long
    first part splits before the seller's notes, a lonely sentence joins its neighbour."""
    about = [p.text for p in chosen if p.paragraph == 0]
    notes = [p.text for p in chosen if p.paragraph == 1]
    if sum(words(t) for t in about + notes) > 80 and len(notes) > 1:
        groups = [about, notes]
    else:
        groups = [about + notes]
    groups += [[p.text for p in chosen if p.paragraph == 2], [p.text for p in chosen if p.paragraph >= 3]]
    merged: list[list[str]] = []
    for sentences in groups:
        if not sentences:
            continue
        if merged and (len(sentences) == 1 or len(merged[-1]) == 1):
            merged[-1].extend(sentences)
        else:
            merged.append(list(sentences))
    return "\n\n".join(" ".join(sentences) for sentences in merged)


def write_description(product: Product, *, language: str, style: str, length: str) -> str:
    style = style if style in STYLES else "professional"
    length = length if length in LENGTHS else "medium"
    pieces, fillers = _pieces(product, language, style)
    text = shop_fallback(_paragraphs(_assemble(pieces, fillers, length)), language, bool(product.shop))
    return as_plural(text, product.short_name) if language == "en" and is_plural_name(product.short_name) else text
