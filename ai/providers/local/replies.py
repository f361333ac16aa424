"""Three replies a seller could send next in a chat: what the customer's latest messages ask
(price, stock, a colour or size, delivery, payment, a discount, a complaint...), answered with
the product's real facts, in the customer's language when asked to detect it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ai.providers.local import lexicon
from ai.providers.local.facts import (
    Product,
    Variant,
    as_plural,
    capitalize,
    colour_fr,
    is_plural_name,
    join_words,
    named,
    option_values,
    plain,
    with_article,
)
from ai.rules import clip

REPLY_COUNT = 3
REPLY_MAX = 300
MAX_ALTERNATIVES = 3

_I = re.IGNORECASE
INTENTS = [  # most pressing first: the first two found are answered
    ("complaint", re.compile(
        r"not (?:yet )?(?:received|arrived|delivered)|(?:haven't|hasn't|didn't|did not|have not) (?:received|"
        r"arrived|come)|never (?:arrived|came)|\blate\b|damaged|broken|wrong (?:item|size|colou?r|product)|"
        r"\brefund|complain|disappointed|not happy|\btorn\b|\bfake\b|pas (?:encore )?re[çc]u|jamais re[çc]u|"
        r"en retard|abîmée?|cass[ée]e?|rembours|déçue?|pas contente?|mauvaise? (?:taille|couleur|article)", _I)),
    ("discount", re.compile(
        r"discount|reduce|reduction|last price|best price|final price|cheaper|negotia|bargain|\blower\b|"
        r"réduc|remise|\bpromo|dernier prix|moins cher|rabais|geste commercial|meilleur prix", _I)),
    ("price", re.compile(r"how much|\bprice|\bcost|\bhw much|combien|\bprix\b|co[uû]te|\btarif", _I)),
    ("availability", re.compile(
        r"availab|in stock|still have|do you have|have (?:it|this|one)|any left|sold out|restock|\bdisponible|"
        r"\bdispo\b|en stock|vous avez|il (?:en )?reste|(?:en|l')?avez[- ]vous|encore", _I)),
    ("order", re.compile(
        r"i(?:'ll| will) take|i want (?:to buy|it|one|two|\d)|i(?:'d| would) like to (?:order|buy)|"
        r"place an order|\border\b|\bbuy\b|purchase|commander|je (?:le |la |les )?prends|je veux|j'achète|"
        r"\bacheter|réserv|\breserve", _I)),
    ("delivery", re.compile(
        r"deliver|shipping|\bship\b|send (?:it )?to|dispatch|courier|how long|\barrive|\blivr|expédi|\benvoi|"
        r"\bdélai", _I)),
    ("payment", re.compile(
        r"\bpay\b|payment|paying|\bmomo\b|mobile money|transfer|\bcard\b|cash on delivery|\bcod\b|paiement|"
        r"\bpayer|\brégler|virement|\bcarte\b|\bwave\b|orange money", _I)),
    ("warranty", re.compile(
        r"warrant|guarant|return policy|\breturns?\b|\bexchange|\bgarantie?s?\b|(?<!de )\bretours?\b|"
        r"\bretourner|\béchang", _I)),
    ("thanks", re.compile(r"\bthank|\bthanks\b|\bthx\b|\bmerci\b", _I)),
]
GREETING = re.compile(r"^\W*(?:hi|hello|hey|good (?:morning|afternoon|evening|day)|bonjour|bonsoir|salut|coucou)\b",
                      _I)
SIZE_WORDS = {"small": "S", "medium": "M", "large": "L", "extra large": "XL", "petit": "S", "petite": "S",
              "moyen": "M", "moyenne": "M", "grand": "L", "grande": "L"}
# Paying on delivery is a payment question, not a delivery one.
PAY_ON_DELIVERY = re.compile(r"\b(?:pay(?:ment)?|paying|cash) (?:on|at|upon) (?:delivery|arrival)\b|\bcod\b|"
                             r"paiement (?:à|a) la livraison|payer (?:à|a) la livraison", _I)
# The ways of paying a customer may name: echoed back as a question, never offered. The shop's
# payment methods are not in the data, so the replies never list any of their own.
PAYMENT_NAMED = [
    (PAY_ON_DELIVERY, {"en": "payment on delivery", "fr": "le paiement à la livraison"}),
    (re.compile(r"\bmomo\b", _I), {"en": "MoMo", "fr": "MoMo"}),
    (re.compile(r"mobile money", _I), {"en": "mobile money", "fr": "le mobile money"}),
    (re.compile(r"orange money", _I), {"en": "Orange Money", "fr": "Orange Money"}),
    (re.compile(r"\bwave\b", _I), {"en": "Wave", "fr": "Wave"}),
    (re.compile(r"bank transfer|\btransfer\b|virement", _I), {"en": "bank transfer", "fr": "le virement"}),
    (re.compile(r"\bcard\b|\bcarte\b", _I), {"en": "card", "fr": "la carte"}),
    (re.compile(r"\bcash\b|\bespèces\b", _I), {"en": "cash", "fr": "les espèces"}),
]

PHRASES = {
    "en": {
        "greet": ["Hello! ", "Hi! 😊 ", "Hello, and thanks for your message! "],
        "plain": ["", "Thanks for asking! ", ""],
        "price": ["It's {price}.", "{The_name} costs {price}.", "The price is {price}."],
        "price_sale": ["It's {price} right now, down from {compare}.", "{The_name} is on offer at {price} instead "
                       "of {compare}.", "The price is {price} (you save {pct}%)."],
        "price_from": ["Prices start at {min_price}, depending on the option.", "{The_name} starts at {min_price}.",
                       "It's from {min_price}, depending on the option you choose."],
        "in_stock": ["Yes, it's available and in stock!", "Yes, we have it in stock.", "It's available right now."],
        "low": ["Yes, but we only have {q} left!", "It's in stock, but only {q} remain.",
                "Yes, it's available; just {q} left, so I'd order soon."],
        "last": ["Yes, but it's the last one!", "It's in stock, but this is the last one.",
                 "Yes, we still have one left."],
        "out": ["Sorry, it's sold out at the moment.", "Unfortunately it's out of stock right now, but I can let you "
                "know as soon as it's back.", "It's currently out of stock. Would you like me to message you when "
                "it's back?"],
        "variant_yes": ["Yes, {choice} is in stock{price}!", "Good news: we have {choice} available{price}.",
                        "{choice_cap} is available right now{price}."],
        "variant_ok": ["Good news: {choice} is available{price}.", "{choice_cap} is in stock{price}.",
                       "We have {choice} ready for you{price}."],
        "options_offered": [" We have it in {values}.", " It comes in {values}.", " Available options: {values}."],
        "variant_out": ["Sorry, {choice} is sold out right now.", "Unfortunately {choice} is out of stock at the "
                        "moment.", "{choice_cap} has just sold out, I'm afraid."],
        "variant_missing": ["We don't have {choice}, I'm afraid.", "{choice_cap} isn't one of our options, sorry.",
                            "Sorry, we don't offer {choice}."],
        "alternatives": [" In stock we have {alternatives}.", " Would {first} work for you instead?",
                         " I can offer you {alternatives} instead."],
        "none_left": [" Everything else is sold out too for now.", " Shall I let you know when it's back?",
                      " I'll happily tell you when it's restocked."],
        "delivery": ["Where are you located? I'll confirm the delivery options and cost to your area.",
                     "Delivery depends on your area: which city or neighbourhood are you in?",
                     "Send me your location and I'll get back to you with the delivery fee and timing."],
        "delivery_fee": ["Delivery is {fee}. Where should we send your order?",
                         "We deliver for {fee}. Which city or neighbourhood are you in?",
                         "Our delivery fee is {fee}. Send me your location and I'll confirm the timing."],
        "delivery_fee_free_from": ["Delivery is {fee}, and free on orders from {free_from}. Where should we send it?",
                                   "We deliver for {fee}; spend {free_from} or more and delivery is free.",
                                   "Delivery costs {fee} (free from {free_from}). Send me your location to "
                                   "confirm the timing."],
        "delivery_free": ["Delivery is free! Where should we send your order?",
                          "Good news: we deliver for free. Which city or neighbourhood are you in?",
                          "We don't charge for delivery. Send me your location and I'll confirm the timing."],
        "payment": ["How would you like to pay? I'll share the payment details with you.",
                    "Once you confirm your order, I'll share the payment details with you.",
                    "Tell me how you'd like to pay and I'll confirm the payment options for your order."],
        "payment_named": ["I'll confirm whether {method} is possible for your order and share the payment details.",
                          "Let me check if {method} works for this order, then I'll send you the payment details.",
                          "I'll confirm the payment options, including {method}, and share the details with you."],
        "warranty": ["I'll confirm the warranty and return terms for {item} with you before you order.",
                     "Good question! Let me check the warranty and return terms for {item} and get back to you.",
                     "I don't want to promise anything I can't confirm, so I'll check the warranty and return "
                     "terms for {item} and let you know."],
        "item": "this item",
        "discount": ["Our price for it is {price}, and we keep our prices fair for everyone.",
                     "The price is {price}, but if you'd like more than one, let me know and I'll see what I can do.",
                     "I understand! {price} is our current price, and I'm happy to help you pick the option that "
                     "fits your budget."],
        "discount_sale": ["It's already reduced to {price} from {compare}, so you're saving {pct}%.",
                          "This is already our offer price: {price} instead of {compare}.",
                          "Good timing: it's on offer at {price} (down from {compare}), which is the best we can do."],
        "order": ["Great choice! Please send me your name, phone number and delivery location to confirm your order.",
                  "Wonderful! {ask_choice}I'll confirm the total for you right away.",
                  "Thank you! I'll set it aside for you while we confirm the details."],
        "ask_choice": "Which {choices} would you like? ",
        "thanks": ["You're welcome! Thank you for shopping with {shop}.",
                   "Thank you! 😊 Let us know if you need anything else.",
                   "My pleasure! We hope you love it."],
        "complaint": ["I'm so sorry about this. Could you send me your order number and a photo so I can sort it "
                      "out right away?",
                      "Thank you for letting us know, and apologies for the trouble. We'll look into it and get "
                      "back to you as soon as possible.",
                      "I understand your frustration. Let me check what happened with your order and I'll come "
                      "back to you with a solution."],
        "greeting": ["Hello! Thanks for reaching out to {shop}. How can I help you today?",
                     "Hi there! 😊 What can I help you with?",
                     "Hello and welcome! Let me know if you have any questions about {subject}."],
        "general": ["Thanks for your message! How can I help you today?",
                    "Hello! Happy to help. Could you tell me a bit more about what you're looking for?",
                    "Thank you for contacting {shop}! Let me check and get back to you shortly."],
        "general_product": ["Thanks for your message! {The_name} is {price}{stock}. What would you like to know?",
                            "Happy to help with {the_name}! Would you like details on the {aspect}?",
                            "Thank you for contacting {shop}! Tell me what you need and I'll check for you."],
        "no_product": ["Which item are you asking about? Send me its name or a screenshot and I'll check for you.",
                       "Happy to help! Could you tell me which product you mean?",
                       "Let me check for you: which item would you like?"],
        "stock_in": " and in stock", "stock_out": ", though it's sold out right now",
        "stock_low": " and only {q} are left", "aspect_options": "{choices}", "aspect": "price and delivery",
        "subject": "our products",
        "choice_size": "in size {value}", "size": "size {value}", "in": "in",
        "choice_labels": {"colour": "colour", "size": "size"},
    },
    "fr": {
        "greet": ["Bonjour ! ", "Bonjour 😊 ", "Bonjour, et merci pour votre message ! "],
        "plain": ["", "Merci pour votre question ! ", ""],
        "price": ["Le prix est de {price}.", "{name} est à {price}.", "C'est {price}."],
        "price_sale": ["C'est {price} en ce moment, au lieu de {compare}.", "{name} est en promotion à {price} au "
                       "lieu de {compare}.", "Le prix est de {price} (soit {pct} % d'économie)."],
        "price_from": ["Les prix commencent à {min_price}, selon l'option.", "{name} est à partir de {min_price}.",
                       "C'est à partir de {min_price}, selon l'option choisie."],
        "in_stock": ["Oui, c'est disponible et en stock !", "Oui, nous l'avons en stock.",
                     "C'est disponible dès maintenant."],
        "low": ["Oui, mais il n'en reste que {q} !", "C'est en stock, mais il n'en reste que {q}.",
                "Oui, c'est disponible ; plus que {q}, donc je vous conseille de ne pas trop attendre."],
        "last": ["Oui, mais c'est le dernier exemplaire !", "C'est en stock, mais il ne reste qu'un exemplaire.",
                 "Oui, il nous reste un exemplaire."],
        "out": ["Malheureusement, c'est en rupture de stock pour le moment.", "Ce n'est plus en stock pour "
                "l'instant, mais je peux vous prévenir dès le retour.", "C'est épuisé pour le moment. Voulez-vous "
                "qu'on vous prévienne dès le retour ?"],
        "variant_yes": ["Oui, le modèle {choice} est en stock{price} !", "Bonne nouvelle : nous avons le modèle "
                        "{choice}{price}.", "Le modèle {choice} est disponible dès maintenant{price}."],
        "variant_ok": ["Bonne nouvelle : le modèle {choice} est bien disponible{price}.",
                       "Le modèle {choice} est bien en stock{price}.",
                       "Nous avons le modèle {choice} pour vous{price}."],
        "options_offered": [" Nous l'avons en {values}.", " Options disponibles : {values}.",
                            " Au choix : {values}."],
        "variant_out": ["Malheureusement, le modèle {choice} est en rupture pour le moment.",
                        "Le modèle {choice} n'est plus en stock pour l'instant.",
                        "Le modèle {choice} vient d'être épuisé."],
        "variant_missing": ["Nous n'avons pas le modèle {choice}, malheureusement.",
                            "Le modèle {choice} ne fait pas partie de nos options.",
                            "Malheureusement, nous ne proposons pas le modèle {choice}."],
        "alternatives": [" En stock, nous avons : {alternatives}.", " Le modèle {first} vous conviendrait-il ?",
                         " Je peux vous proposer à la place : {alternatives}."],
        "none_left": [" Le reste est aussi épuisé pour le moment.", " Voulez-vous qu'on vous prévienne du retour ?",
                      " Je vous préviens avec plaisir dès le réassort."],
        "delivery": ["Dans quelle ville ou quel quartier êtes-vous ? Je vous confirme les options et le coût de "
                     "livraison.",
                     "La livraison dépend de votre zone : envoyez-nous votre adresse et nous vous donnons les détails.",
                     "Indiquez-nous votre localisation et nous vous confirmons le délai et les frais de livraison."],
        "delivery_fee": ["La livraison coûte {fee}. Où devons-nous envoyer votre commande ?",
                         "Nous livrons pour {fee}. Dans quelle ville ou quel quartier êtes-vous ?",
                         "Nos frais de livraison sont de {fee}. Envoyez-moi votre adresse pour confirmer le délai."],
        "delivery_fee_free_from": ["La livraison coûte {fee}, et elle est offerte dès {free_from} d'achat. Où "
                                   "devons-nous l'envoyer ?",
                                   "Nous livrons pour {fee}, et gratuitement à partir de {free_from}.",
                                   "Livraison : {fee} (offerte dès {free_from}). Envoyez-moi votre adresse pour "
                                   "confirmer le délai."],
        "delivery_free": ["La livraison est offerte ! Où devons-nous envoyer votre commande ?",
                          "Bonne nouvelle : la livraison est gratuite. Dans quelle ville êtes-vous ?",
                          "Nous ne facturons pas la livraison. Envoyez-moi votre adresse pour confirmer le délai."],
        "payment": ["Comment souhaitez-vous régler ? Je vous envoie les informations de paiement.",
                    "Dès que vous confirmez la commande, je vous envoie les informations de paiement.",
                    "Dites-moi comment vous souhaitez payer et je vous confirme les options de paiement pour votre "
                    "commande."],
        "payment_named": ["Je vous confirme si {method} est possible pour votre commande et je vous envoie les "
                          "informations de paiement.",
                          "Je vérifie si {method} est possible pour cette commande, puis je vous envoie les "
                          "informations de paiement.",
                          "Je vous confirme les options de paiement, y compris {method}, et je vous envoie les "
                          "détails."],
        "warranty": ["Je vous confirme les conditions de garantie et de retour pour {item} avant votre commande.",
                     "Bonne question ! Je vérifie les conditions de garantie et de retour pour {item} et je reviens "
                     "vers vous.",
                     "Je préfère ne rien promettre sans vérifier : je vous confirme les conditions de garantie et de "
                     "retour pour {item}."],
        "item": "cet article",
        "discount": ["Notre prix est de {price}, et nous pratiquons des prix justes pour tous.",
                     "Le prix est de {price}, mais si vous en prenez plusieurs, dites-le-moi et je verrai ce que je "
                     "peux faire.",
                     "Je comprends ! {price}, c'est notre prix actuel, et je peux vous aider à choisir l'option qui "
                     "correspond à votre budget."],
        "discount_sale": ["Le prix est déjà réduit à {price} au lieu de {compare}, soit {pct} % d'économie.",
                          "C'est déjà notre prix promotionnel : {price} au lieu de {compare}.",
                          "Bonne nouvelle : c'est déjà en promotion à {price} (au lieu de {compare}), c'est notre "
                          "meilleur prix."],
        "order": ["Excellent choix ! Envoyez-moi votre nom, votre numéro et votre adresse de livraison pour "
                  "confirmer la commande.",
                  "Parfait ! {ask_choice}Je vous confirme le total tout de suite.",
                  "Merci ! Je mets l'article de côté pour vous le temps de confirmer les détails."],
        "ask_choice": "Quel {choices} souhaitez-vous ? ",
        "thanks": ["Avec plaisir ! Merci d'avoir choisi {shop}.",
                   "Merci à vous ! 😊 N'hésitez pas si vous avez besoin d'autre chose.",
                   "Tout le plaisir est pour nous ! On espère que vous allez l'adorer."],
        "complaint": ["Toutes nos excuses pour ce désagrément. Pouvez-vous m'envoyer votre numéro de commande et "
                      "une photo pour que je règle cela rapidement ?",
                      "Merci de nous l'avoir signalé, et pardon pour ce souci. Nous regardons cela et revenons vers "
                      "vous au plus vite.",
                      "Je comprends tout à fait votre mécontentement. Je vérifie ce qui s'est passé avec votre "
                      "commande et je reviens vers vous avec une solution."],
        "greeting": ["Bonjour ! Merci de contacter {shop}. Comment puis-je vous aider ?",
                     "Bonjour 😊 Que puis-je faire pour vous ?",
                     "Bonjour et bienvenue ! N'hésitez pas si vous avez des questions sur {subject}."],
        "general": ["Merci pour votre message ! Comment puis-je vous aider ?",
                    "Bonjour ! Avec plaisir. Pouvez-vous m'en dire un peu plus sur ce que vous cherchez ?",
                    "Merci d'avoir contacté {shop} ! Je vérifie et je reviens vers vous rapidement."],
        "general_product": ["Merci pour votre message ! {name} est à {price}{stock}. Que souhaitez-vous savoir ?",
                            "Avec plaisir pour {name} ! Voulez-vous des détails sur {aspect} ?",
                            "Merci d'avoir contacté {shop} ! Dites-moi ce dont vous avez besoin et je vérifie."],
        "no_product": ["De quel article parlez-vous ? Envoyez-moi son nom ou une capture d'écran et je vérifie.",
                       "Avec plaisir ! Pouvez-vous me préciser de quel produit il s'agit ?",
                       "Je vérifie pour vous : quel article vous intéresse ?"],
        "stock_in": ", en stock", "stock_out": ", mais en rupture pour le moment",
        "stock_low": ", et il n'en reste que {q}", "aspect_options": "{choices}", "aspect": "le prix et la livraison",
        "subject": "nos produits",
        "choice_size": "en taille {value}", "size": "taille {value}", "in": "en",
        "choice_labels": {"colour": "coloris", "size": "taille"},
    },
}
ASPECT_LABELS = {"en": {"colour": "colours", "size": "sizes"}, "fr": {"colour": "les coloris", "size": "les tailles"}}


@dataclass
class Ask:
    """What the customer's latest messages ask."""

    intents: list[str]
    greeting: bool
    wanted: dict[str, str]  # option name -> value, from the product's own options
    text: str


def _latest_customer_text(messages: list) -> str:
    """The customer's messages since the seller last wrote (or their last one)."""
    clean = [m for m in messages if isinstance(m, dict)]
    latest: list[str] = []
    for message in reversed(clean):
        if message.get("from") != "customer":
            if latest:
                break
            continue
        latest.append(plain(message.get("text"), 1000))
        if len(latest) >= 3:
            break
    return " ".join(reversed(latest))


def _value_mentioned(value: str, kind: str, text: str, lowered: str) -> bool:
    """A short size such as 'M' must be written as one ('M', 'size m'), not found inside "I'm"."""
    if re.fullmatch(r"[A-Za-z]{1,3}", value) and kind != "colour":
        if re.search(rf"(?<![\w'’]){re.escape(value)}(?!\w)", text):
            return True
        if re.search(rf"\b(?:size|taille|in|en)\s+{re.escape(value.lower())}\b", lowered):
            return True
        return any(value.upper() == size and re.search(rf"\b{word}\b", lowered) for word, size in SIZE_WORDS.items())
    if re.search(rf"(?<!\w){re.escape(value.lower())}(?!\w)", lowered):
        return True
    if kind == "colour":
        return any(english == value.lower() and re.search(rf"\b{french}\b", lowered)
                   for french, english in lexicon.COLOUR_WORDS_FR.items())
    return False


_SIZE_TOKEN = re.compile(r"(?<![\w'’])(XXXL|XXL|XL|XS|[23]XL|S|M|L)(?!\w)|\b(?:size|taille|pointure)\s+(\w{1,4})\b",
                         re.IGNORECASE)


def _unoffered(kind: str, text: str, lowered: str) -> str | None:
    """The colour or size named in the message, when the product's options do not have it."""
    if kind == "colour":
        for word in re.findall(r"[a-zàâçéèêëîïôûù]+", lowered):
            if word in lexicon.COLOURS_FR:
                return word.capitalize()
            if word in lexicon.COLOUR_WORDS_FR:
                return lexicon.COLOUR_WORDS_FR[word].capitalize()
        return None
    for match in _SIZE_TOKEN.finditer(text):
        token = match.group(1)
        if token and (token.isupper() or len(token) > 1):
            return token.upper()
        if match.group(2):
            return match.group(2).upper()
    for word, size in SIZE_WORDS.items():
        if re.search(rf"\b{word}\b", lowered):
            return size
    return None


def _payment_named(text: str) -> dict[str, str] | None:
    for pattern, method in PAYMENT_NAMED:
        if pattern.search(text):
            return method
    return None


def read_ask(messages: list, product: Product | None) -> Ask:
    text = _latest_customer_text(messages)
    lowered = text.lower().replace("’", "'")
    intents = [name for name, pattern in INTENTS if pattern.search(lowered)]
    if "delivery" in intents and not dict(INTENTS)["delivery"].search(PAY_ON_DELIVERY.sub(" ", lowered)):
        intents.remove("delivery")  # "can I pay on delivery?" asks how to pay, not where it goes
    if "complaint" in intents:
        intents = ["complaint"] + [i for i in intents if i not in ("complaint", "order", "thanks", "discount")]
    wanted: dict[str, str] = {}
    if product:
        for group in product.options:
            for value in sorted(group.values, key=len, reverse=True):
                if _value_mentioned(value, group.kind, text, lowered):
                    wanted[group.name] = value
                    break
            else:  # a colour or size the shop does not offer is an answer too: "not in XXL"
                other = _unoffered(group.kind, text, lowered) if group.kind in ("colour", "size") else None
                if other:
                    wanted[group.name] = other
        if wanted and "complaint" not in intents:
            intents = ["variant"] + [i for i in intents if i != "availability"]
    return Ask(intents=intents, greeting=bool(GREETING.search(text)), wanted=wanted, text=text)


class ReplyWriter:
    def __init__(self, product: Product | None, *, shop: str, language: str):
        self.product = product
        self.language = language
        self.phrases = PHRASES[language]
        self.shop = shop or (product.shop if product else "") or ("our shop" if language == "en" else "notre boutique")

    def fields(self) -> dict:
        product = self.product
        if product is None:
            return {"shop": self.shop}
        the_name = with_article(product.short_name) if self.language == "en" \
            and lexicon.detect_language(product.short_name) != "fr" else product.short_name
        return {"shop": self.shop, "name": product.short_name, "the_name": the_name, "The_name": capitalize(the_name),
                "price": product.money(product.price, self.language),
                "compare": product.money(product.compare_at_price, self.language), "pct": product.discount_percent,
                "min_price": product.money(product.lowest_variant_price, self.language), "q": product.stock_quantity}

    def three(self, key: str, **extra) -> list[str]:
        """The three phrasings of `key`, filled in (the module's reply builder calls it too)."""
        values = {**self.fields(), **extra}
        return [capitalize(template.format(**values)) for template in self.phrases[key]]

    # --- The wording of a variant -------------------------------------------------------------------

    def choice(self, options: dict[str, str]) -> str:
        """'Red in size M' / 'rouge en taille M'."""
        product = self.product
        kinds = {group.name: group.kind for group in product.options} if product else {}
        colours = [v for k, v in options.items() if kinds.get(k) == "colour"]
        sizes = [v for k, v in options.items() if kinds.get(k) == "size"]
        others = [v for k, v in options.items() if kinds.get(k) not in ("colour", "size")]
        if self.language == "fr":
            colours = [(colour_fr(v) or v) for v in colours]
        head = " ".join(colours + others)
        if sizes:
            size = self.phrases["choice_size" if head else "size"].format(value=sizes[0])
            return f"{head} {size}".strip()
        return head

    def _matches(self, variant: Variant, wanted: dict[str, str]) -> bool:
        have = {k.lower(): v.lower() for k, v in variant.options.items()}
        return all(have.get(k.lower()) == v.lower() for k, v in wanted.items())

    def _alternatives(self, wanted: dict[str, str]) -> list[Variant]:
        in_stock = [v for v in self.product.variants if v.in_stock and not self._matches(v, wanted)]
        # Closest first: those sharing most of what was asked.
        return sorted(in_stock, key=lambda v: -sum(self._matches(v, {k: val}) for k, val in wanted.items()))

    def _delivery(self) -> list[str]:
        """The shop's own delivery charge when it set one; otherwise a promise to confirm it."""
        product = self.product
        if product is None or product.delivery_fee is None:
            return self.three("delivery")
        free_from = product.money(product.free_delivery_from, self.language)
        fee = product.money(product.delivery_fee, self.language)
        key = ("delivery_free" if product.delivery_fee == 0
               else "delivery_fee_free_from" if free_from else "delivery_fee")
        return self.three(key, fee=fee, free_from=free_from)

    # --- Answers, three wordings each ------------------------------------------------------------------

    def answer(self, intent: str, ask: Ask) -> list[str]:
        product = self.product
        if intent == "complaint":
            return self.three("complaint")
        if intent == "thanks":
            return self.three("thanks")
        if intent == "delivery":
            return self._delivery()
        if intent == "payment":
            method = _payment_named(ask.text)
            if method:
                return self.three("payment_named", method=method[self.language])
            return self.three("payment")
        if intent == "warranty":
            item = self.fields().get("the_name") if product and not product.name_is_fallback else None
            return self.three("warranty", item=item or self.phrases["item"])
        if product is None:
            if intent in ("price", "availability", "variant", "discount"):
                return self.three("no_product")
            if intent == "order":
                return self.three("order", ask_choice="")
            return []
        if intent == "price":
            key = "price_sale" if product.discount_percent else "price_from" if product.lowest_variant_price \
                else "price"
            return self.three(key) if product.price is not None else []
        if intent == "discount":
            if product.price is None:
                return []
            return self.three("discount_sale" if product.discount_percent else "discount")
        if intent == "availability":
            return self._stock()
        if intent == "variant":
            return self._variant(ask.wanted, ordering="order" in ask.intents, with_price="price" in ask.intents)
        if intent == "order":
            answers = self.three("order", ask_choice=self._ask_choice(ask))
            return answers if product.in_stock else [f"{o} {a}" for o, a in zip(self._stock(), answers, strict=False)]
        return []

    def _stock(self) -> list[str]:
        product = self.product
        if not product.in_stock:
            return self.three("out")
        if product.low_stock:
            return self.three("last" if product.stock_quantity == 1 else "low")
        return self.three("in_stock")

    def _ask_choice(self, ask: Ask) -> str:
        missing = [g for g in self.product.options if g.name not in ask.wanted and g.kind in ("colour", "size")]
        if not missing:
            return ""
        labels = [self.phrases["choice_labels"][g.kind] for g in missing]
        if self.language == "fr":
            if len(labels) > 1:
                return "Quel coloris et quelle taille souhaitez-vous ? "
            return f"Quel{'le' if labels[0] == 'taille' else ''} {labels[0]} souhaitez-vous ? "
        return self.phrases["ask_choice"].format(choices=join_words(labels, "en"))

    def _variant(self, wanted: dict[str, str], *, ordering: bool, with_price: bool) -> list[str]:
        product = self.product
        choice = self.choice(wanted)
        values = {"choice": choice, "choice_cap": capitalize(choice), "price": ""}
        offered = {g.name: g for g in product.options}
        missing = [name for name, value in wanted.items()
                   if name in offered and value.lower() not in {v.lower() for v in offered[name].values}]
        matching = [v for v in product.variants if self._matches(v, wanted)] if not missing else []
        available = any(v.in_stock for v in matching) if product.variants else product.in_stock and not missing
        if available:
            prices = {v.price for v in matching if v.in_stock and v.price is not None} or {product.price}
            if (with_price or product.lowest_variant_price is not None) and len(prices) == 1 and None not in prices:
                values["price"] = f" ({product.money(prices.pop(), self.language)})"
            return self.three("variant_ok" if ordering else "variant_yes", **values)
        # Sold out when the shop has that variant; "we don't have" when it never had it.
        answers = self.three("variant_out" if matching else "variant_missing", **values)
        if product.variants:
            alternatives = self._alternatives(wanted)[:MAX_ALTERNATIVES]
            if not alternatives:
                return [a + f for a, f in zip(answers, self.phrases["none_left"], strict=False)]
            names = [self.choice(v.options) or v.name for v in alternatives]
            follow = [t.format(alternatives=join_words(names, self.language, "and"), first=names[0])
                      for t in self.phrases["alternatives"]]
            return [a + f for a, f in zip(answers, follow, strict=False)]
        # Options without variants: say what the shop does offer.
        group = offered[missing[0]] if missing else product.options[0]
        listed = join_words(option_values(group, self.language), self.language, "and")
        return [a + t.format(values=listed) for a, t in zip(answers, self.phrases["options_offered"], strict=False)]

    def general(self) -> list[str]:
        product = self.product
        if product is None:
            return self.three("general")
        stock = self.phrases["stock_in"] if product.in_stock else self.phrases["stock_out"]
        if product.low_stock:
            stock = self.phrases["stock_low"].format(q=product.stock_quantity)
        kinds = [g.kind for g in product.options if g.kind in ("colour", "size")]
        aspect = join_words([ASPECT_LABELS[self.language][k] for k in kinds], self.language) if kinds \
            else self.phrases["aspect"]
        if product.price is None:
            return self.three("general")
        return self.three("general_product", stock=stock, aspect=aspect)


EVENING = re.compile(r"^\W*(?:bonsoir|good evening)\b", _I)
MORNING = re.compile(r"^\W*good morning\b", _I)


def _same_greeting(prefix: str, text: str) -> str:
    """'Bonsoir' is answered 'Bonsoir', 'Good morning' with 'Good morning'."""
    if EVENING.search(text):
        return prefix.replace("Bonjour", "Bonsoir").replace("Hello", "Good evening").replace("Hi", "Good evening")
    if MORNING.search(text):
        return prefix.replace("Hello", "Good morning").replace("Hi", "Good morning")
    return prefix


QUESTIONS = {"price", "availability", "variant", "delivery", "payment", "discount", "warranty"}


def _to_answer(intents: list[str]) -> list[str]:
    """The intents worth a sentence: a complaint alone, no price twice, no stock twice."""
    if "complaint" in intents:
        return ["complaint"]
    drop = set()
    if "discount" in intents:
        drop.add("price")  # the discount answers already give the price
    if "discount" in intents:
        drop.add("order")  # "a discount if I buy 3?" is a question, not yet an order
    if "order" in intents or "variant" in intents:
        drop.add("availability")
    if "order" in intents and "thanks" in intents:
        drop.add("thanks")
    return [intent for intent in intents if intent not in drop]


def write_replies(messages: list, product: Product | None, *, shop: str, language: str | None) -> list[str]:
    """Three distinct replies of at most 300 characters. `language` None: the customer's own."""
    text = _latest_customer_text(messages)
    language = language or lexicon.detect_language(text) or "en"
    if product is not None:
        product = named(product, language)  # a name of emojis only: "this item", never "The  costs"
    writer = ReplyWriter(product, shop=plain(shop, 80), language=language)
    ask = read_ask(messages, product)
    phrases = PHRASES[language]

    intents = _to_answer(ask.intents)
    answered = [(intent, answers) for intent, answers in ((i, writer.answer(i, ask)) for i in intents) if answers][:3]
    if not answered:
        if ask.greeting or not ask.text:
            subject = writer.fields().get("the_name", phrases["subject"])
            answered = [("greeting", [capitalize(t.format(shop=writer.shop, subject=subject))
                                      for t in phrases["greeting"]])]
        else:
            answered = [("general", writer.general())]
        prefixes = ["", "", ""]
    elif ask.greeting:
        prefixes = [_same_greeting(prefix, ask.text) for prefix in phrases["greet"]]
    elif answered[0][0] in QUESTIONS and "order" not in intents:
        prefixes = phrases["plain"]
    else:
        prefixes = ["", "", ""]

    price = product.money(product.price, language) if product else ""
    replies: list[str] = []
    for index in range(REPLY_COUNT):
        reply = prefixes[index] + answered[0][1][index]
        for intent, more in answered[1:]:  # one more answer, unless it only repeats the price already given
            # After another answer, "The price is..." reads clearer than "It's...".
            addition = more[(index + 2) % REPLY_COUNT] if intent == "price" else more[index]
            if price and price in reply and price in addition:
                continue
            if len(reply) + 1 + len(addition) <= REPLY_MAX:
                reply = f"{reply} {addition}"
            break
        replies.append(reply)
    # Never twice the same words: the general replies make up three if needed.
    distinct: list[str] = []
    for reply in replies + writer.general() + writer.three("general"):
        if product and language == "en" and is_plural_name(product.short_name):
            reply = as_plural(reply, product.short_name)
        reply = clip(reply, REPLY_MAX)
        if reply and reply.lower() not in {d.lower() for d in distinct}:
            distinct.append(reply)
        if len(distinct) == REPLY_COUNT:
            break
    return distinct
