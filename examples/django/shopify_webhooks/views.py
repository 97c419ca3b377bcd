"""POST /webhooks/shopify: X-Shopify-Hmac-Sha256 is the base64 HMAC-SHA256
of the raw body, keyed with the app's API secret (client secret)."""

import base64
import hashlib
import hmac
import json
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from threading import Lock

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

# The work runs after the answer: Shopify times out after 5 s and retries.
# A real app would use a task queue.
worker = ThreadPoolExecutor(max_workers=1)


class Seen:
    """Event ids already handled, so a retry is acknowledged but not
    processed twice. In memory and bounded; a real app would use a unique
    key in its database, which also survives a restart."""

    def __init__(self, limit=10_000):
        self.limit = limit
        self.ids = OrderedDict()
        self.lock = Lock()

    def add(self, event_id):
        """True the first time an id is offered, False for every repeat."""
        with self.lock:
            if event_id in self.ids:
                return False
            self.ids[event_id] = None
            if len(self.ids) > self.limit:
                self.ids.popitem(last=False)
            return True


seen = Seen()


def answer(status, text=""):
    return HttpResponse(text + "\n" if text else "", status=status, content_type="text/plain")


def process(topic, event_id):
    print(f"shopify: {topic} {event_id}", flush=True)


# Shopify sends no CSRF token: without the exemption CsrfViewMiddleware
# answers every delivery 403. The HMAC below is what authenticates it.
@csrf_exempt
@require_POST
def shopify_webhook(request):
    if request.content_type != "application/json":
        return answer(415, "expected application/json")
    # request.body is the raw bytes; read it before request.POST, which
    # would consume the stream (and RawPostDataException after).
    body = request.body
    # No official Python library verifies webhooks: compute the HMAC and
    # compare in constant time (hmac.compare_digest), never with ==.
    digest = hmac.new(settings.SHOPIFY_API_SECRET.encode(), body, hashlib.sha256).digest()
    expected = base64.b64encode(digest)
    given = request.headers.get("X-Shopify-Hmac-Sha256", "")
    if not hmac.compare_digest(expected, given.encode("latin-1", "replace")):
        return answer(401, "bad or missing signature")
    try:
        payload = json.loads(body)
    except ValueError:
        return answer(400, "malformed body")
    topic = request.headers.get("X-Shopify-Topic")
    # The same event keeps its X-Shopify-Event-Id across retries (and
    # across subscriptions); older deliveries carry only X-Shopify-Webhook-Id.
    event_id = request.headers.get("X-Shopify-Event-Id") or request.headers.get(
        "X-Shopify-Webhook-Id"
    )
    if not topic or not event_id or not isinstance(payload, dict):
        return answer(400, "not a Shopify delivery")
    if not seen.add(event_id):
        return answer(200, "duplicate, already handled")
    worker.submit(process, topic, event_id)
    return answer(200, "ok")
