"""GitHub and Slack webhook receivers in FastAPI.

Run: GITHUB_WEBHOOK_SECRET=... SLACK_SIGNING_SECRET=... python app.py [PORT]
"""

import hashlib
import hmac
import json
import os
import sys
from collections import OrderedDict
from urllib.parse import parse_qs

from fastapi import BackgroundTasks, FastAPI, Request
from fastapi.responses import PlainTextResponse
from slack_sdk.signature import SignatureVerifier

GITHUB_SECRET = os.environ.get("GITHUB_WEBHOOK_SECRET", "")
SLACK_SECRET = os.environ.get("SLACK_SIGNING_SECRET", "")
# Refuse to start without them: an HMAC keyed with "" is one anybody can make.
if not GITHUB_SECRET or not SLACK_SECRET:
    sys.exit("set GITHUB_WEBHOOK_SECRET and SLACK_SIGNING_SECRET")

app = FastAPI()


class Seen:
    """Event ids already handled, so a retry is acknowledged but not
    processed twice. In memory and bounded (one event loop: no lock); a
    real app would use a unique key in its database."""

    def __init__(self, limit=10_000):
        self.limit = limit
        self.ids = OrderedDict()

    def add(self, event_id):
        """True the first time an id is offered, False for every repeat."""
        if event_id in self.ids:
            return False
        self.ids[event_id] = None
        if len(self.ids) > self.limit:
            self.ids.popitem(last=False)
        return True


github_seen = Seen()
slack_seen = Seen()


def answer(status, text=""):
    return PlainTextResponse(text + "\n" if text else "", status_code=status)


def media_type(request):
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def process(provider, kind, event_id):
    # A BackgroundTask: runs after the answer has gone out, since providers
    # time out slow endpoints (Slack after 3 s) and retry.
    print(f"{provider}: {kind} {event_id}", flush=True)


@app.post("/webhooks/github")
async def github(request: Request, tasks: BackgroundTasks):
    if media_type(request) != "application/json":
        return answer(415, "expected application/json")
    # The raw bytes: await request.body(), not a Pydantic model or
    # request.json(). The signature is over exactly these bytes.
    body = await request.body()
    # No official Python library: HMAC-SHA256 of the body, compared in
    # constant time (hmac.compare_digest), never with ==.
    expected = "sha256=" + hmac.new(GITHUB_SECRET.encode(), body, hashlib.sha256).hexdigest()
    given = request.headers.get("x-hub-signature-256", "")
    if not hmac.compare_digest(expected.encode(), given.encode("latin-1", "replace")):
        return answer(401, "bad or missing signature")
    try:
        payload = json.loads(body)
    except ValueError:
        return answer(400, "malformed body")
    event = request.headers.get("x-github-event")
    delivery = request.headers.get("x-github-delivery")
    if not event or not delivery or not isinstance(payload, dict):
        return answer(400, "not a GitHub delivery")
    # Sent once when the hook is created: nothing to process.
    if event == "ping":
        return answer(200, "pong")
    if not github_seen.add(delivery):
        return answer(200, "duplicate, already handled")
    tasks.add_task(process, "github", event, delivery)
    return answer(200, "ok")


slack_verifier = SignatureVerifier(SLACK_SECRET)


@app.post("/webhooks/slack")
async def slack(request: Request, tasks: BackgroundTasks):
    media = media_type(request)
    if media not in ("application/json", "application/x-www-form-urlencoded"):
        return answer(415, "expected application/json or a form")
    # The raw bytes first, not `Form(...)` parameters or request.form():
    # the signature is over exactly these bytes.
    body = await request.body()
    try:
        # Checks the signature and the 5-minute window, both directions.
        valid = slack_verifier.is_valid_request(body, request.headers)
    except (ValueError, TypeError):
        valid = False  # a timestamp that is not a number, a body not UTF-8
    if not valid:
        return answer(401, "bad, missing or expired signature")
    if media == "application/json":
        return slack_event(body, tasks)
    return slack_form(body, tasks)


def slack_event(body, tasks):
    """An Events API delivery: the URL check, or an event."""
    try:
        payload = json.loads(body)
    except ValueError:
        return answer(400, "malformed body")
    if not isinstance(payload, dict) or "type" not in payload:
        return answer(400, "not a Slack event")
    if payload["type"] == "url_verification":
        # The handshake: the challenge back, exactly, as plain text.
        return PlainTextResponse(str(payload.get("challenge", "")))
    event_id = payload.get("event_id")
    # Slack retries only Events API deliveries, with the same event_id.
    if event_id and not slack_seen.add(event_id):
        return answer(200)
    tasks.add_task(process, "slack", payload["type"], event_id)
    return answer(200)


def slack_form(body, tasks):
    """A slash command or an interaction (its JSON in `payload`)."""
    try:
        form = parse_qs(body.decode("utf-8"), strict_parsing=True, keep_blank_values=True)
        if "payload" in form:
            payload = json.loads(form["payload"][0])
            if not isinstance(payload, dict) or "type" not in payload:
                raise ValueError("not an interaction")
            kind = payload["type"]
        elif "command" in form or "ssl_check" in form:
            kind = form.get("command", ["ssl_check"])[0]
        else:
            raise ValueError("neither a command nor an interaction")
    except ValueError:
        return answer(400, "malformed body")
    tasks.add_task(process, "slack", kind, None)
    # An empty 200 acknowledges; a reply goes to response_url.
    return answer(200)


if __name__ == "__main__":
    import uvicorn

    port = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PORT", 8000))
    uvicorn.run(app, host=os.environ.get("HOST", "127.0.0.1"), port=port)
