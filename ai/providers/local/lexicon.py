"""What the local writer knows about words: the language a text is in, the facts worth saying
that sellers write in many ways (handwoven, made in Ghana, shea butter, for weddings), and how
colours, categories and option names read in French."""

import re
from dataclasses import dataclass

# --- Language ---------------------------------------------------------------------------------

ENGLISH_MARKERS = {
    "the", "and", "is", "are", "you", "your", "it", "its", "this", "that", "with", "for", "have", "has", "do",
    "does", "how", "much", "what", "can", "i", "we", "our", "please", "available", "size", "colour", "color",
    "thanks", "thank", "hello", "hi", "hey", "want", "need", "still", "of", "to", "my", "me", "will", "would",
    "deliver", "delivery", "there", "yes", "good", "morning", "evening", "made", "from", "price", "when",
    "where", "which", "one", "any", "get", "be", "was", "by", "on", "at", "an", "a", "all", "so", "very",
}
FRENCH_MARKERS = {
    "le", "la", "les", "un", "une", "des", "du", "de", "et", "est", "sont", "vous", "tu", "je", "nous", "il",
    "elle", "ce", "cette", "ces", "avec", "pour", "dans", "sur", "pas", "combien", "prix", "taille",
    "couleur", "merci", "bonjour", "bonsoir", "salut", "oui", "non", "livraison", "disponible", "encore",
    "avez", "avoir", "que", "qui", "quoi", "comment", "svp", "stp", "plait", "plaît", "veux", "voudrais",
    "peux", "pouvez", "mon", "ma", "mes", "votre", "vos", "au", "aux", "c", "j", "l", "d", "qu", "s", "n",
    "fait", "très", "tres", "coûte", "coute", "reste", "livrez", "paiement", "mais", "ou", "où", "bien",
}
_ACCENTED = re.compile(r"[àâäçéèêëîïôöùûüÿœ]")
_WORD = re.compile(r"[a-zàâäçéèêëîïôöùûüÿœ]+")


def detect_language(text: str) -> str | None:
    """'fr', 'en' or None when the text gives no sign either way."""
    lowered = (text or "").lower().replace("’", "'")
    words = _WORD.findall(lowered)
    english = sum(word in ENGLISH_MARKERS for word in words)
    french = sum(word in FRENCH_MARKERS for word in words) + len(_ACCENTED.findall(lowered))
    if french > english:
        return "fr"
    if english > french:
        return "en"
    return None


# --- Words that never make a hashtag or a name keyword ----------------------------------------

STOPWORDS = {
    "a", "an", "the", "and", "or", "of", "for", "with", "in", "on", "to", "by", "from", "at", "as", "is",
    "new", "set", "pack", "piece", "pieces", "pcs", "size", "sizes", "each", "per", "our", "your", "my",
    "le", "la", "les", "un", "une", "des", "du", "de", "d", "l", "et", "ou", "avec", "pour", "en", "au", "aux",
    "sur", "par", "dans", "sans", "taille", "lot", "neuf", "neuve",
}
_UNIT_WORD = re.compile(r"^\d+(?:[.,]\d+)?(?:g|kg|mg|ml|cl|l|gb|tb|mb|mah|w|v|cm|mm|m|in|inch|pcs|pc|x)?$", re.I)


UNITS = {"g", "kg", "ml", "cl", "l", "gb", "tb", "pcs"}


def is_unit(word: str) -> bool:
    """'500g', '2kg', '128GB', 'g': a quantity, never a name word."""
    bare = word.strip("'’-_.").lower()
    return (bool(_UNIT_WORD.match(bare)) and not bare.isdigit()) or bare in UNITS


def is_keyword(word: str) -> bool:
    """A word of a product name worth a hashtag: not a stop word, a number or a unit."""
    bare = word.strip("'’-_.").lower()
    return len(bare) >= 3 and bare not in STOPWORDS and not _UNIT_WORD.match(bare)


# --- Facts sellers state in many ways ---------------------------------------------------------

@dataclass(frozen=True)
class Feature:
    key: str
    pattern: re.Pattern
    en: str  # reads after "It is ..."
    fr: str  # reads after "Un article ..." (masculine singular)
    benefit_en: str = ""
    benefit_fr: str = ""
    tag_en: str = ""
    tag_fr: str = ""


def _p(expression: str) -> re.Pattern:
    return re.compile(expression, re.IGNORECASE)


CRAFT_EN, CRAFT_FR = "craftsmanship you can see and feel", "un savoir-faire qui se voit et se ressent"
NATURAL_EN, NATURAL_FR = "natural quality you can trust", "une qualité naturelle qui inspire confiance"
POWER_EN, POWER_FR = "power that keeps up with your day", "une autonomie qui suit votre rythme"
COMFORT_EN, COMFORT_FR = "all-day comfort", "un confort toute la journée"

FEATURES = [
    Feature("handwoven", _p(r"\bhand[\s-]?woven\b|\btiss[ée]e?s? (?:à la )?main\b"), "handwoven", "tissé à la main",
            CRAFT_EN, CRAFT_FR, "#Handwoven", "#TisseMain"),
    Feature("handmade", _p(r"\bhand[\s-]?(?:made|crafted)\b|\bfaite?s? (?:à la )?main\b|\bartisanal(?:e|es)?\b"),
            "handmade", "fait main", CRAFT_EN, CRAFT_FR, "#Handmade", "#FaitMain"),
    Feature("organic", _p(r"\borganic\b|\bbio\b|\bbiologiques?\b"), "organic", "bio",
            NATURAL_EN, NATURAL_FR, "#Organic", "#Bio"),
    Feature("natural", _p(r"\b(?:all[\s-])?natural\b|\bnaturel(?:le)?s?\b"), "natural", "naturel",
            NATURAL_EN, NATURAL_FR, "#AllNatural", "#Naturel"),
    Feature("unrefined", _p(r"\bunrefined\b|\bnon[\s-]raffin[ée]e?s?\b"), "unrefined", "non raffiné",
            NATURAL_EN, NATURAL_FR, "#Unrefined", "#NonRaffine"),
    Feature("wireless", _p(r"\bwireless\b|\bsans[\s-]fil\b|\btws\b"), "wireless", "sans fil",
            "freedom from tangled cables", "la liberté, sans câbles emmêlés", "#Wireless", "#SansFil"),
    Feature("bluetooth", _p(r"\bbluetooth\b"), "Bluetooth-enabled", "compatible Bluetooth", "", "", "#Bluetooth",
            "#Bluetooth"),
    Feature("noise_cancelling", _p(r"\bnoise[\s-]cancell?ing\b|\banc\b|\bréduction (?:active )?(?:du|de) bruit\b"),
            "noise-cancelling", "à réduction de bruit", "calm and focus wherever you are",
            "le calme et la concentration, où que vous soyez", "#NoiseCancelling", "#ReductionDeBruit"),
    Feature("waterproof", _p(r"\bwater[\s-]?(?:proof|resistant)\b|\bétanches?\b|\brésistante? à l'eau\b"),
            "water-resistant", "résistant à l'eau", "peace of mind whatever the weather",
            "la tranquillité, quelle que soit la météo", "#Waterproof", "#Etanche"),
    Feature("fast_charging", _p(r"\b(?:fast|quick|rapid)[\s-]?charg\w*|\bcharge rapide\b"), "fast-charging",
            "à charge rapide", POWER_EN, POWER_FR, "#FastCharging", "#ChargeRapide"),
    Feature("long_battery", _p(r"\blong[\s-](?:lasting[\s-])?battery\b|\bgrande autonomie\b|\b\d{1,3}\s?(?:h|hrs?|"
                                 r"hours?|heures?)\s(?:of\s)?(?:battery|playtime|play time|autonomie)"),
            "built for long battery life", "doté d'une grande autonomie", POWER_EN, POWER_FR, "#LongBatteryLife",
            "#GrandeAutonomie"),
    Feature("dual_sim", _p(r"\bdual[\s-]?sim\b|\bdouble[\s-]sim\b"), "dual-SIM", "double SIM",
            "two lines in one phone", "deux lignes dans un seul téléphone", "#DualSim", "#DoubleSim"),
    Feature("unisex", _p(r"\bunisex(?:e)?\b"), "unisex", "unisexe", "", "", "#Unisex", "#Unisexe"),
    Feature("adjustable", _p(r"\badjustable\b|\bajustables?\b|\bréglables?\b"), "adjustable", "ajustable",
            "a comfortable fit", "un confort sur mesure", "", ""),
    Feature("lightweight", _p(r"\blight[\s-]?weight\b|\bléger\b|\blégère\b"), "lightweight", "léger",
            COMFORT_EN, COMFORT_FR, "", ""),
    Feature("breathable", _p(r"\bbreathable\b|\brespirante?s?\b"), "breathable", "respirant", COMFORT_EN,
            COMFORT_FR, "", ""),
    Feature("eco", _p(r"\beco[\s-]?friendly\b|\bsustainabl[ey]\b|\bécologiques?\b|\bécoresponsables?\b"),
            "eco-friendly", "écoresponsable", "a choice that is kinder to the planet",
            "un choix plus respectueux de la planète", "#EcoFriendly", "#EcoResponsable"),
    Feature("fragrance_free", _p(r"\bfragrance[\s-]free\b|\bunscented\b|\bsans parfum\b"), "fragrance-free",
            "sans parfum", "", "", "#FragranceFree", "#SansParfum"),
    Feature("vegan", _p(r"\bvegan\b|\bvégétalien\b"), "vegan", "vegan", "", "", "#Vegan", "#Vegan"),
]

# "made in Ghana", "fabriqué au Sénégal": (pattern, English name, French "au Ghana", hashtag).
ORIGINS = [
    (r"ghana", "Ghana", "au Ghana", "#MadeInGhana"),
    (r"nigeria", "Nigeria", "au Nigeria", "#MadeInNigeria"),
    (r"s[ée]n[ée]gal", "Senegal", "au Sénégal", "#MadeInSenegal"),
    (r"c[ôo]te d['’]ivoire|ivory coast", "Côte d'Ivoire", "en Côte d'Ivoire", "#MadeInCotedIvoire"),
    (r"togo", "Togo", "au Togo", "#MadeInTogo"),
    (r"b[ée]nin", "Benin", "au Bénin", "#MadeInBenin"),
    (r"mali", "Mali", "au Mali", "#MadeInMali"),
    (r"burkina faso", "Burkina Faso", "au Burkina Faso", "#MadeInBurkinaFaso"),
    (r"kenya", "Kenya", "au Kenya", "#MadeInKenya"),
    (r"africa|afrique", "Africa", "en Afrique", "#MadeInAfrica"),
]
_ORIGIN = re.compile(
    r"\b(?:made|produced|crafted|woven|sewn)\s+(?:locally\s+)?in\s+(?:[\w'’-]+\s+){0,2}?(?P<en>"
    + "|".join(p for p, *_ in ORIGINS) + r")\b|\b(?:fabriqu[ée]e?s?|fait(?:e|es|s)?|produite?s?|tiss[ée]e?s?)\s+"
    r"(?:au|en|à)\s+(?P<fr>" + "|".join(p for p, *_ in ORIGINS) + r")\b",
    re.IGNORECASE,
)


def origin_in(text: str) -> tuple[str, str, str] | None:
    """(English name, French 'au Ghana', hashtag) of the place the text says the product is made."""
    match = _ORIGIN.search(text or "")
    if not match:
        return None
    place = (match.group("en") or match.group("fr")).lower()
    for pattern, english, french, tag in ORIGINS:
        if re.fullmatch(pattern, place, re.IGNORECASE):
            return english, french, tag
    return None


@dataclass(frozen=True)
class Material:
    key: str
    pattern: re.Pattern
    en: str
    fr: str
    ingredient: bool = False  # shea butter is an ingredient, cotton a material


MATERIALS = [
    Material("cotton", _p(r"\bcotton\b|\bcoton\b"), "cotton", "coton"),
    Material("silk", _p(r"\bsilk\b|\bsoie\b"), "silk", "soie"),
    Material("linen", _p(r"\blinen\b"), "linen", "lin"),
    Material("wool", _p(r"\bwool\b|\blaine\b"), "wool", "laine"),
    Material("leather", _p(r"\bleather\b|\bcuir\b"), "leather", "cuir"),
    Material("lace", _p(r"\blace\b|\bdentelle\b"), "lace", "dentelle"),
    Material("velvet", _p(r"\bvelvet\b|\bvelours\b"), "velvet", "velours"),
    Material("satin", _p(r"\bsatin\b"), "satin", "satin"),
    Material("chiffon", _p(r"\bchiffon\b|\bmousseline\b"), "chiffon", "mousseline"),
    Material("denim", _p(r"\bdenim\b"), "denim", "denim"),
    Material("kente", _p(r"\bkente\b"), "kente cloth", "tissu kente"),
    Material("ankara", _p(r"\bankara\b|\bwax print\b|\btissu wax\b|\bpagne wax\b"), "Ankara wax print",
             "tissu wax"),
    Material("batik", _p(r"\bbatik\b"), "batik", "batik"),
    Material("adire", _p(r"\badire\b"), "adire", "adire"),
    Material("aso_oke", _p(r"\baso[\s-]?oke\b"), "aso oke", "aso oke"),
    Material("gold_thread", _p(r"\bgold(?:en)? threads?\b|\bfils? (?:d'or|dorés?)\b"), "gold thread", "fil doré"),
    Material("beads", _p(r"\bbeads?\b|\bperles?\b"), "beads", "perles"),
    Material("raffia", _p(r"\braffia\b|\braphia\b"), "raffia", "raphia"),
    Material("straw", _p(r"\bstraw\b|\bpaille\b"), "straw", "paille"),
    Material("brass", _p(r"\bbrass\b|\blaiton\b"), "brass", "laiton"),
    Material("steel", _p(r"\bstainless steel\b|\bacier inoxydable\b|\binox\b"), "stainless steel",
             "acier inoxydable"),
    Material("wood", _p(r"\bwood(?:en)?\b|\bbois\b"), "wood", "bois"),
    Material("bamboo", _p(r"\bbamboo\b|\bbambou\b"), "bamboo", "bambou"),
    Material("shea", _p(r"\bshea\b|\bkarit[ée]\b"), "shea butter", "beurre de karité", True),
    Material("cocoa_butter", _p(r"\bcocoa butter\b|\bbeurre de cacao\b"), "cocoa butter", "beurre de cacao", True),
    Material("coconut_oil", _p(r"\bcoconut oil\b|\bhuile de coco\b"), "coconut oil", "huile de coco", True),
    Material("black_soap", _p(r"\bblack soap\b|\bsavon noir\b|\balata samina\b|\bdudu osun\b"), "African black soap",
             "savon noir africain", True),
    Material("aloe", _p(r"\baloe vera\b"), "aloe vera", "aloe vera", True),
    Material("baobab", _p(r"\bbaobab\b"), "baobab oil", "huile de baobab", True),
    Material("moringa", _p(r"\bmoringa\b"), "moringa", "moringa", True),
    Material("ceramic", _p(r"\bceramic\b|\bcéramique\b"), "ceramic", "céramique"),
]


@dataclass(frozen=True)
class Occasion:
    key: str
    pattern: re.Pattern
    en: str
    fr: str
    tag: str


OCCASIONS = [
    Occasion("wedding", _p(r"\bwedding|\bbridal\b|\bbrides?\b|\bmariages?\b"), "weddings", "les mariages",
             "#WeddingStyle"),
    Occasion("engagement", _p(r"\bengagements?\b|\bknocking ceremon|\bfiançailles\b"), "engagement ceremonies",
             "les fiançailles", "#Engagement"),
    Occasion("party", _p(r"\bpart(?:y|ies)\b|\bowambe\b|\bsoirées?\b|\bfêtes?\b"), "parties", "les soirées",
             "#PartyReady"),
    Occasion("church", _p(r"\bchurch\b|\bsunday service\b|\béglise\b|\bmesse\b"), "church services",
             "les offices religieux", "#SundayBest"),
    Occasion("graduation", _p(r"\bgraduations?\b|\bremises? de diplômes?\b"), "graduations",
             "les remises de diplômes", "#Graduation"),
    Occasion("naming", _p(r"\bnaming ceremon|\boutdooring\b|\bbaptêmes?\b"), "naming ceremonies", "les baptêmes",
             "#NamingCeremony"),
    Occasion("funeral", _p(r"\bfunerals?\b|\bfunérailles\b"), "funerals", "les funérailles", ""),
    Occasion("festive", _p(r"\bfestive\b|\bfestivals?\b|\bchristmas\b|\bnoël\b|\beid\b|\btabaski\b|\bdetty december\b"),
             "festive occasions", "les grandes occasions", "#FestiveSeason"),
    Occasion("office", _p(r"\boffice\b|\bbureau\b"), "the office", "le bureau", "#OfficeStyle"),
    Occasion("everyday", _p(r"\beveryday\b|\bevery day\b|\bdaily\b|\bquotidien(?:ne)?\b"), "everyday use",
             "le quotidien", "#EverydayEssentials"),
    Occasion("travel", _p(r"\btravel(?:s|ling|ing)?\b|\bvoyages?\b"), "travel", "les voyages", "#TravelEssentials"),
    Occasion("sport", _p(r"\bgym\b|\bworkouts?\b|\bfitness\b|\brunning\b|\bsport\b"), "workouts", "le sport",
             "#FitnessGear"),
    Occasion("beach", _p(r"\bbeach\b|\bplage\b"), "the beach", "la plage", "#BeachReady"),
]
GIFT = _p(r"\bgifts?\b|\bgifting\b|\bpresents?\b|\bcadeaux?\b|\bà offrir\b")

# --- French for what sellers type in English --------------------------------------------------

COLOURS_FR = {
    "red": "rouge", "blue": "bleu", "green": "vert", "black": "noir", "white": "blanc", "yellow": "jaune",
    "pink": "rose", "purple": "violet", "orange": "orange", "brown": "marron", "grey": "gris", "gray": "gris",
    "gold": "doré", "golden": "doré", "silver": "argenté", "beige": "beige", "navy": "bleu marine",
    "navy blue": "bleu marine", "maroon": "bordeaux", "burgundy": "bordeaux", "wine": "bordeaux",
    "cream": "crème", "ivory": "ivoire", "khaki": "kaki", "teal": "bleu canard", "turquoise": "turquoise",
    "multicolour": "multicolore", "multicolor": "multicolore", "multi": "multicolore", "nude": "nude",
    "light blue": "bleu clair", "dark blue": "bleu foncé", "sky blue": "bleu ciel", "royal blue": "bleu roi",
    "dark green": "vert foncé", "olive": "vert olive", "lemon": "jaune citron", "peach": "pêche",
    "lilac": "lilas", "rose gold": "or rose", "natural": "naturel", "clear": "transparent",
}
# What a shopper may write for a colour the seller typed in English.
COLOUR_WORDS_FR = {french: english for english, french in COLOURS_FR.items() if " " not in french}
COLOUR_WORDS_FR.update({"rouges": "red", "bleue": "blue", "verte": "green", "noire": "black", "blanche": "white",
                        "dorée": "gold", "argentée": "silver", "grise": "grey", "violette": "purple"})

CATEGORIES_FR = {
    "accessories": "Accessoires", "clothing": "Vêtements", "clothes": "Vêtements", "fashion": "Mode",
    "women's clothing": "Vêtements femme", "womens clothing": "Vêtements femme", "men's clothing": "Vêtements homme",
    "mens clothing": "Vêtements homme", "dresses": "Robes", "shoes": "Chaussures", "sneakers": "Baskets",
    "bags": "Sacs", "jewelry": "Bijoux", "jewellery": "Bijoux", "beauty": "Beauté", "skincare": "Soins de la peau",
    "skin care": "Soins de la peau", "hair": "Cheveux", "hair care": "Soins capillaires", "electronics": "Électronique",
    "phones": "Téléphones", "phones & tablets": "Téléphones et tablettes", "audio": "Audio", "home": "Maison",
    "home decor": "Décoration", "kitchen": "Cuisine", "food": "Alimentation", "groceries": "Épicerie",
    "fabrics": "Tissus", "textiles": "Textiles", "art": "Art", "crafts": "Artisanat", "kids": "Enfants",
    "baby": "Bébé", "health": "Santé", "sports": "Sport", "watches": "Montres", "perfume": "Parfums",
    "perfumes": "Parfums", "fragrances": "Parfums", "computers": "Informatique", "gadgets": "Gadgets",
    "bags & purses": "Sacs et pochettes", "cosmetics": "Cosmétiques", "wigs": "Perruques",
}

# A French category under English copy: the English most sellers would have typed.
CATEGORIES_EN = {french.lower(): english.title().replace("'S", "'s") for english, french in CATEGORIES_FR.items()
                 if "'" not in english and " & " not in english}
CATEGORIES_EN.update({"vêtements femme": "Women's Clothing", "vêtements homme": "Men's Clothing",
                      "vêtements": "Clothing", "bijoux": "Jewellery", "parfums": "Perfumes",
                      "soins de la peau": "Skincare", "beauté": "Beauty"})

COLOUR_OPTION_NAMES = {"color", "colour", "colors", "colours", "couleur", "couleurs", "coloris", "shade", "teinte"}
SIZE_OPTION_NAMES = {"size", "sizes", "taille", "tailles", "shoe size", "dress size", "pointure", "pointures"}
OPTION_LABELS_FR = {
    "storage": "stockage", "capacity": "capacité", "material": "matière", "style": "style", "pattern": "motif",
    "length": "longueur", "weight": "poids", "volume": "contenance", "flavour": "parfum", "flavor": "parfum",
    "scent": "parfum", "type": "type", "model": "modèle", "memory": "mémoire", "ram": "RAM", "finish": "finition",
    "fit": "coupe", "width": "largeur", "quantity": "quantité", "pack": "lot", "design": "motif",
}
OPTION_LABELS_EN = {
    "stockage": "storage", "capacité": "capacity", "matière": "material", "motif": "pattern", "longueur": "length",
    "poids": "weight", "contenance": "volume", "parfum": "scent", "modèle": "model", "mémoire": "memory",
    "finition": "finish", "coupe": "fit", "largeur": "width", "quantité": "quantity",
}

# --- Kinds of product, for the audience tags and a few turns of phrase --------------------------

FASHION = _p(r"\b(?:dress|dresses|clothing|clothes|fashion|wear|shirt|shirts|skirt|trousers|jeans|kaftan|"
             r"agbada|boubou|kente|ankara|smock|stole|scarf|wrap|gown|suit|blouse|top|tops|robes?|vêtements?|"
             r"mode|pagne|wax|jacket|hoodie|shoes?|sneakers?|sandals?|heels|bag|bags|handbag|hat|cap)\b")
AFRICAN_PRINT = _p(r"\b(?:kente|ankara|wax|adire|batik|aso[\s-]?oke|kitenge|bogolan|smock|adinkra|pagne)\b")
BEAUTY = _p(r"\b(?:shea|karité|butter|beurre|soap|savon|skin|skincare|beauty|beauté|cream|crème|lotion|oil|"
            r"huile|hair|cheveux|perfume|parfum|fragrance|makeup|lipstick|serum|cosmetics?|wig|wigs)\b")
TECH = _p(r"\b(?:phones?|smartphone|iphone|samsung|tecno|infinix|itel|headphones?|earbuds?|earphones?|"
          r"speaker|charger|power ?bank|laptop|tablet|electronics?|audio|gadgets?|smartwatch|watch|"
          r"téléphones?|écouteurs|casque|chargeur|ordinateur|bluetooth)\b")
JEWELRY = _p(r"\b(?:jewelry|jewellery|necklace|bracelet|earrings?|ring|rings|beads?|bijoux|collier|"
             r"boucles? d'oreilles|bague|perles?)\b")
HOME = _p(r"\b(?:home|décor|decor|kitchen|cushion|pillow|basket|baskets|vase|candle|bowl|maison|cuisine|"
          r"panier|bougie|coussin)\b")
FOOD = _p(r"\b(?:food|snack|snacks|spice|spices|sauce|tea|coffee|juice|honey|chocolate|shito|gari|"
          r"alimentation|épices|miel|café|thé|jus)\b")
