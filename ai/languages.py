"""The languages SellFlow writes in: Django's names plus the West African languages our
sellers' customers write in. A leaf: the prompt layer, the serializers and the providers read it."""

from django.conf.locale import LANG_INFO

EXTRA_LANGUAGES = {"ak": "Akan", "tw": "Twi", "ee": "Ewe", "ha": "Hausa", "yo": "Yoruba", "ig": "Igbo",
                   "wo": "Wolof", "ff": "Fula", "pcm": "Nigerian Pidgin", "ln": "Lingala", "zu": "Zulu"}


def language_name(code: str) -> str | None:
    code = (code or "").lower()
    if code in EXTRA_LANGUAGES:
        return EXTRA_LANGUAGES[code]
    info = LANG_INFO.get(code)
    return info.get("name") if info and "name" in info else None
