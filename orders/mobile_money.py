"""Ghana mobile money: which network a wallet number is on, and the names a client may give one."""

from orders.models import MobileMoneyProvider

GHANA_PREFIX = "+233"

# Ghana's mobile network codes: a number is +233, two digits naming the network that issued it,
# then seven digits. Source: the National Communications Authority (NCA) numbering allocations
# to the mobile operators, as they stand in 2026 (checked 2026-12-06, and against libphonenumber's
# carrier data in phonenumbers 9.0.43). Telecel is Vodafone Ghana renamed in 2024; AirtelTigo
# now trades as AT. Left out: 23 (Glo's range, listed as AT by libphonenumber but unconfirmed),
# 28 (Expresso, no wallet) and 29 (not public). Numbers keep their code when ported to another
# network (portability since 2011), so this is a guess the buyer's own choice overrides.
NETWORK_CODES: dict[str, str] = {
    "24": MobileMoneyProvider.MTN,
    "25": MobileMoneyProvider.MTN,
    "53": MobileMoneyProvider.MTN,
    "54": MobileMoneyProvider.MTN,
    "55": MobileMoneyProvider.MTN,
    "59": MobileMoneyProvider.MTN,
    "20": MobileMoneyProvider.TELECEL,
    "50": MobileMoneyProvider.TELECEL,
    "26": MobileMoneyProvider.AIRTELTIGO,
    "27": MobileMoneyProvider.AIRTELTIGO,
    "56": MobileMoneyProvider.AIRTELTIGO,
    "57": MobileMoneyProvider.AIRTELTIGO,
}

# Older names still sent for a network: the API document says "Vodafone".
PROVIDER_ALIASES: dict[str, str] = {"vodafone": MobileMoneyProvider.TELECEL}
# What a request may say: the stored names and their aliases.
PROVIDER_CHOICES: list[tuple[str, str]] = [*MobileMoneyProvider.choices, ("vodafone", "Vodafone: taken as telecel")]


def network_of(wallet_number: str) -> str:
    """The network of an E.164 wallet number; "" when the number does not tell (not Ghana's, or a
    code no wallet network is known by)."""
    if not wallet_number.startswith(GHANA_PREFIX) or len(wallet_number) != len(GHANA_PREFIX) + 9:
        return ""
    return NETWORK_CODES.get(wallet_number[len(GHANA_PREFIX):len(GHANA_PREFIX) + 2], "")


def canonical_provider(name: str) -> str:
    """A network's stored value for a name a client may give (`vodafone` is `telecel`)."""
    return PROVIDER_ALIASES.get(name, name)
