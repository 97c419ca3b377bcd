from django.urls import path

from shopify_webhooks.views import shopify_webhook

urlpatterns = [
    # No trailing slash: with APPEND_SLASH, a POST to a slashless URL whose
    # pattern ends in / gets a redirect (or an error), never the view.
    path("webhooks/shopify", shopify_webhook),
]
