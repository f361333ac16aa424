"""Prints a new VAPID key pair for Web Push: the private key goes in WEBPUSH_VAPID_PRIVATE_KEY,
the public one is what browsers subscribe with (the API serves it from the private key)."""

import base64

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.management.base import BaseCommand


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class Command(BaseCommand):
    help = "Print a new VAPID key pair for Web Push."

    def handle(self, *args, **options):
        key = ec.generate_private_key(ec.SECP256R1())
        private = key.private_numbers().private_value.to_bytes(32, "big")
        public = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        self.stdout.write(f"WEBPUSH_VAPID_PRIVATE_KEY={_b64url(private)}")
        self.stdout.write(f"# public key (served at /api/notifications/devices/config/): {_b64url(public)}")
