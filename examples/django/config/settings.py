"""Settings for the Shopify webhook example: the smallest Django project
that serves one webhook view (no database, no sessions, no admin)."""

import os

from django.core.exceptions import ImproperlyConfigured

DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
# Django needs a SECRET_KEY to start; this project signs nothing with it.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-secret")
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

INSTALLED_APPS = ["shopify_webhooks"]
# CsrfViewMiddleware stays on, as in any real project: the webhook view is
# exempted with @csrf_exempt, every other view keeps its protection.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
ROOT_URLCONF = "config.urls"
DATABASES = {}
USE_TZ = True
TIME_ZONE = "UTC"

SHOPIFY_API_SECRET = os.environ.get("SHOPIFY_API_SECRET", "")
# Refuse to start without it: an HMAC keyed with "" is one anybody can make.
if not SHOPIFY_API_SECRET:
    raise ImproperlyConfigured("set SHOPIFY_API_SECRET (the app's API secret key)")
