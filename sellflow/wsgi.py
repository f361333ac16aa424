"""WSGI entry point, for tools that speak WSGI only. The served app is ASGI (asgi.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sellflow.settings")
application = get_wsgi_application()
