"""The languages SellFlow writes in: Django's names plus the West African languages our
sellers' customers write in. A leaf: the prompt layer, the serializers and the providers read it."""

from django.conf.locale import LANG_INFO

EXTRA_LANGUAGES = {"ak": "Akan", "tw": "Twi", "ee": "Ewe", "ha": "Hausa", "yo": "Yoruba", "ig": "Igbo",
                   "wo": "Wolof", "ff": "Fula", "pcm": "Nigerian Pidgin", "ln": "Lingala", "zu": "Zulu"}


# Every code language_name knows (the API also takes them with a region, "en-GB", in any case).
LANGUAGE_CODES = sorted({*EXTRA_LANGUAGES, *(code for code, info in LANG_INFO.items() if "name" in info)})


def language_name(code: str) -> str | None:
    code = (code or "").lower()
    if code in EXTRA_LANGUAGES:
        return EXTRA_LANGUAGES[code]
    info = LANG_INFO.get(code)
    return info.get("name") if info and "name" in info else None
