#!/usr/bin/env python3
"""Makes signature vectors with the official webhook SDKs and writes them as
Rust tests to tests/sdk_vectors.rs.

Python SDKs (imported here): stripe, standardwebhooks, svix, slack_sdk, twilio.
Node SDKs (node_vectors.mjs, run by generate.sh): @octokit/webhooks-methods,
@shopify/shopify-api; their vectors come in as JSON (--node-json).

Each vector is a dict:
  provider, case      hookcli provider name and a snake_case case name
  secret              the secret as the user would paste it into hookcli
  sign_url            the URL hookcli signs (Twilio signs the URL)
  request_url         the delivered request's URL (Twilio JSON: with bodySHA256;
                      port cases: as the receiving server reconstructs it)
  body                the raw body, as text (UTF-8 on the wire)
  content_type        the Content-Type the request carries, or None
  timestamp, id       the SignContext hookcli signs with
  now                 the clock for verification (inside every tolerance)
  sdk_headers         the headers of the delivered request, signature headers
                      made by the SDK
  expected_sign       [name, value] pairs hookcli's sign must set, byte for byte
                      (values made by the SDK's own signing code)
  tamper_index        the body byte that gets XOR 0x01 for the negative check
  sdk                 which SDK calls made and checked the vector
  sdk_verified        the SDK's verifier accepted sdk_headers + body
  sdk_rejects_tampered  the SDK's verifier rejected the tampered body
  verify_key          asymmetric schemes: the public key a receiver verifies
                      with (secret is then the private key hookcli signs with)

Nothing here is random and nothing reads the clock: running it twice gives
the same file.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import sys
from importlib.metadata import version
from unittest import mock
from urllib.parse import parse_qsl

import hashlib

import discord_interactions
import ecdsa
import ecdsa.util
import nacl.signing
import slack_sdk.signature
import standardwebhooks.webhooks
import stripe
import svix.webhooks
from sendgrid.helpers.eventwebhook import EventWebhook
from twilio.request_validator import RequestValidator, get_signature_algorithm

# Tests known to disagree with hookcli: (provider, case, "sign"|"verify") ->
# reason. They are emitted with #[ignore = reason] so the suite stays green;
# see the README for the analysis of each.
UNPADDED = ("hookcli rejects a whsec_ secret whose base64 lacks its '=' padding (SecretFormat); "
            "standardwebhooks (Python and npm) pad it and accept")
TWILIO_SHA256 = ("hookcli has no Twilio HMAC-SHA256 (SharedKey, X-Twilio-Webhooks-Signature-Settings) "
                 "mode: it signs and checks HMAC-SHA1 only")
KNOWN_DISAGREEMENTS: dict[tuple[str, str, str], str] = {}

TS = 1700000000
NOW = TS + 42

BODIES = {
    "ascii": '{"id":"evt_1NG8Du2eZvKYlo2CUI4mbnYB","object":"event","type":"charge.succeeded"}',
    # Pretty JSON as senders emit it: raw non-ASCII, \\u escapes (BMP and a
    # surrogate pair), escaped quote/backslash/slash, trailing newline.
    "unicode_pretty": (
        '{\n  "id": "evt_1NG8Du2eZvKYlo2CUI4mbnYB",\n  "object": "event",\n'
        '  "data": {\n    "name": "café ☕ — naïve “quotes” 🎉",\n'
        '    "escaped": "caf\\u00e9 \\u2615 \\ud83c\\udf89 \\\\ \\"q\\" \\/"\n  }\n}\n'
    ),
    # CRLF line ends, trailing spaces and tabs, blank lines at the end.
    "crlf_trailing_spaces": '{\r\n  "note": "trailing spaces  ",\r\n  "tab":\t"x" \r\n}  \r\n\r\n   ',
}


def tamper_index(data: bytes) -> int:
    """From the middle, the first ASCII alphanumeric byte (wrapping around)."""
    n = len(data)
    for k in range(n):
        i = (n // 2 + k) % n
        if chr(data[i]).isascii() and chr(data[i]).isalnum():
            return i
    raise ValueError("no byte to tamper with")


def tampered(body: str) -> tuple[int, str]:
    data = bytearray(body.encode("utf-8"))
    i = tamper_index(bytes(data))
    data[i] ^= 0x01
    return i, data.decode("utf-8")


def must(cond: bool, what: str) -> None:
    if not cond:
        sys.exit(f"SDK check failed: {what}")


def vector(provider, case, secret, body, **kw):
    v = {
        "provider": provider,
        "case": case,
        "secret": secret,
        "sign_url": f"https://example.com/hooks/{provider}",
        "body": body,
        "content_type": "application/json",
        "timestamp": TS,
        "id": "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
        "now": NOW,
        "sdk_verified": True,
        "sdk_rejects_tampered": True,
    }
    v.update(kw)
    v.setdefault("request_url", v["sign_url"])
    v["tamper_index"] = tamper_index(body.encode("utf-8"))
    return v


# --------------------------------------------------------------------- Stripe


def stripe_vectors():
    ver = version("stripe")
    ws = stripe.WebhookSignature
    out = []

    def accepted(body: str, header: str, secret: str) -> bool:
        # construct_event is what a Stripe user calls; bytes as read off the wire.
        with mock.patch("time.time", return_value=float(NOW)):
            try:
                stripe.Webhook.construct_event(body.encode("utf-8"), header, secret)
                return True
            except stripe.SignatureVerificationError:
                return False

    secret = "whsec_test_4eC39HqLyjWDarjtT1zdp7dc"
    for case, key in [("ascii_event", "ascii"), ("unicode_pretty_json", "unicode_pretty"),
                      ("crlf_trailing_spaces", "crlf_trailing_spaces")]:
        body = BODIES[key]
        if key == "crlf_trailing_spaces":
            body = '{"id": "evt_2", "object": "event",' + body[1:]
        header = ws.generate_signature_header(body, secret, timestamp=TS)
        must(accepted(body, header, secret), f"stripe {case}")
        must(not accepted(tampered(body)[1], header, secret), f"stripe {case} tampered")
        out.append(vector("stripe", case, secret, body,
                          sdk_headers=[["Stripe-Signature", header]],
                          expected_sign=[["Stripe-Signature", header]],
                          sdk=f"stripe (Python) {ver}: WebhookSignature.generate_signature_header; "
                              "verified by Webhook.construct_event"))

    # Secret rotation: Stripe sends one v1 per active secret, plus a v0 in test mode.
    old, new = "whsec_old_0000000000000000000000000000", secret
    body = BODIES["unicode_pretty"]
    sig_old = ws._compute_signature(f"{TS}.{body}", old)
    sig_new = ws._compute_signature(f"{TS}.{body}", new)
    header = f"t={TS},v1={sig_old},v1={sig_new},v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39"
    must(accepted(body, header, new) and accepted(body, header, old), "stripe rotation")
    must(not accepted(tampered(body)[1], header, new), "stripe rotation tampered")
    out.append(vector("stripe", "rotation_two_v1_and_v0", new, body,
                      sdk_headers=[["Stripe-Signature", header]],
                      expected_sign=[["Stripe-Signature", ws.generate_signature_header(body, new, timestamp=TS)]],
                      sdk=f"stripe (Python) {ver}: WebhookSignature._compute_signature per secret, "
                          "generate_signature_header; verified by Webhook.construct_event with each secret"))
    return out


# ------------------------------------------------------ Standard Webhooks/Svix


def frozen_now(now: int):
    """Freezes the clock standardwebhooks reads (datetime.now) at `now`."""
    real = dt.datetime

    class Frozen(real):
        @classmethod
        def now(cls, tz=None):
            return real.fromtimestamp(now, tz=tz)

    return mock.patch.object(standardwebhooks.webhooks, "datetime", Frozen)


def standard_vectors():
    ver_std, ver_svix = version("standardwebhooks"), version("svix")
    out = []
    when = dt.datetime.fromtimestamp(TS, tz=dt.timezone.utc)

    def std_ok(secret, body, headers, now=NOW):
        with frozen_now(now):
            try:
                standardwebhooks.webhooks.Webhook(secret).verify(body.encode("utf-8"), dict(headers), json_parse=False)
                return True
            except standardwebhooks.webhooks.WebhookVerificationError:
                return False

    def svix_ok(secret, body, headers):
        with frozen_now(NOW):
            try:
                svix.webhooks.Webhook(secret).verify(body.encode("utf-8"), dict(headers))
                return True
            except svix.webhooks.WebhookVerificationError:
                return False

    spec_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # the spec's example (24-byte key)
    padded = "whsec_" + base64.b64encode(bytes(range(1, 33))).decode()  # 32-byte key, ends in '='
    msg = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"

    cases = [
        ("spec_example", spec_secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}'),
        ("unicode_pretty_json", padded, msg, TS, BODIES["unicode_pretty"]),
        ("crlf_trailing_spaces", spec_secret, msg, TS, BODIES["crlf_trailing_spaces"]),
    ]
    for case, secret, mid, ts, body in cases:
        wh = standardwebhooks.webhooks.Webhook(secret)
        sig = wh.sign(mid, dt.datetime.fromtimestamp(ts, tz=dt.timezone.utc), body)
        headers = [["webhook-id", mid], ["webhook-timestamp", str(ts)], ["webhook-signature", sig]]
        now = ts + 42
        ok = std_ok(secret, body, headers, now)
        bad = std_ok(secret, tampered(body)[1], headers, now)
        must(ok and not bad, f"standard {case}")
        out.append(vector("standard", case, secret, body, id=mid, timestamp=ts, now=now,
                          sdk_headers=headers, expected_sign=headers,
                          sdk=f"standardwebhooks (Python) {ver_std}: Webhook.sign; verified by Webhook.verify"))

    # Rotation: several space-separated signatures, one per active secret, and
    # an unknown version the verifier must skip.
    old = "whsec_" + base64.b64encode(b"an old secret that was rotated").decode()
    body = BODIES["unicode_pretty"]
    s_old = standardwebhooks.webhooks.Webhook(old).sign(msg, when, body)
    s_new = standardwebhooks.webhooks.Webhook(padded).sign(msg, when, body)
    header = f"v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg== {s_old} {s_new}"
    headers = [["webhook-id", msg], ["webhook-timestamp", str(TS)], ["webhook-signature", header]]
    must(std_ok(padded, body, headers) and std_ok(old, body, headers), "standard rotation")
    must(not std_ok(padded, tampered(body)[1], headers), "standard rotation tampered")
    out.append(vector("standard", "rotation_several_signatures", padded, body, id=msg,
                      sdk_headers=headers,
                      expected_sign=[["webhook-id", msg], ["webhook-timestamp", str(TS)], ["webhook-signature", s_new]],
                      sdk=f"standardwebhooks (Python) {ver_std}: Webhook.sign per secret; "
                          "verified by Webhook.verify with each secret"))

    # A secret written without its base64 padding: the SDK pads it itself.
    unpadded = padded.rstrip("=")
    sig = standardwebhooks.webhooks.Webhook(unpadded).sign(msg, when, BODIES["ascii"])
    must(sig == standardwebhooks.webhooks.Webhook(padded).sign(msg, when, BODIES["ascii"]), "unpadded = padded key")
    headers = [["webhook-id", msg], ["webhook-timestamp", str(TS)], ["webhook-signature", sig]]
    must(std_ok(unpadded, BODIES["ascii"], headers), "standard unpadded")
    must(not std_ok(unpadded, tampered(BODIES["ascii"])[1], headers), "standard unpadded tampered")
    out.append(vector("standard", "unpadded_secret", unpadded, BODIES["ascii"], id=msg,
                      sdk_headers=headers, expected_sign=headers,
                      sdk=f"standardwebhooks (Python) {ver_std}: Webhook.sign with a secret lacking '=' padding; "
                          "verified by Webhook.verify"))

    # Svix: the same scheme under svix-* header names, through the svix SDK.
    for case, secret, body in [("unicode_pretty_json", spec_secret, BODIES["unicode_pretty"]),
                               ("crlf_trailing_spaces", padded, BODIES["crlf_trailing_spaces"])]:
        sig = svix.webhooks.Webhook(secret).sign(msg, when, body)
        headers = [["svix-id", msg], ["svix-timestamp", str(TS)], ["svix-signature", sig]]
        must(svix_ok(secret, body, headers), f"svix {case}")
        must(not svix_ok(secret, tampered(body)[1], headers), f"svix {case} tampered")
        out.append(vector("svix", case, secret, body, id=msg, sdk_headers=headers, expected_sign=headers,
                          sdk=f"svix (Python) {ver_svix}: Webhook.sign; verified by Webhook.verify"))
    return out


# ---------------------------------------------------------------------- Slack


class FixedClock(slack_sdk.signature.Clock):
    def now(self) -> float:
        return float(NOW)


def slack_vectors():
    ver = version("slack_sdk")
    out = []
    secret = "8f742231b10e8888abcd99yyyzzz85a5"  # Slack's docs' example signing secret
    form = ("token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&team_domain=example&channel_name=caf%C3%A9"
            "&user_name=Steve&command=%2Fweather&text=caf%C3%A9+%E2%98%95+94070+a%2Bb"
            "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1234%2F5678&trigger_id=13345224609.738474920.8088930838d88f008e0")
    event = ('{"token":"z26uFbvR1xHJEdHE1OQiO6t8","team_id":"T061EG9RZ","api_app_id":"A0FFV41KK",'
             '"event":{"type":"message","text":"café ☕ \\u00e9\\ud83c\\udf89","user":"U061F7AUR"},'
             '"type":"event_callback","event_id":"Ev9UQ52YNA","event_time":1234567890}')
    cases = [
        ("slash_command_form", form, "application/x-www-form-urlencoded"),
        ("event_callback_unicode_json", event, "application/json"),
        ("crlf_trailing_spaces", BODIES["crlf_trailing_spaces"], "application/json"),
    ]
    verifier = slack_sdk.signature.SignatureVerifier(secret, clock=FixedClock())
    for case, body, ct in cases:
        sig = verifier.generate_signature(timestamp=str(TS), body=body)
        headers = [["X-Slack-Request-Timestamp", str(TS)], ["X-Slack-Signature", sig]]
        must(verifier.is_valid_request(body.encode("utf-8"), dict(headers)), f"slack {case}")
        must(not verifier.is_valid_request(tampered(body)[1].encode("utf-8"), dict(headers)), f"slack {case} tampered")
        out.append(vector("slack", case, secret, body, content_type=ct, sdk_headers=headers, expected_sign=headers,
                          sdk=f"slack_sdk (Python) {ver}: SignatureVerifier.generate_signature; "
                              "verified by SignatureVerifier.is_valid_request"))
    return out


# --------------------------------------------------------------------- Twilio


class FormParams(dict):
    """POST parameters with repeated keys, the way Django's QueryDict (which
    RequestValidator.get_values supports through getlist) presents them."""

    def __init__(self, body: str):
        super().__init__()
        for k, v in parse_qsl(body, keep_blank_values=True):
            self.setdefault(k, []).append(v)

    def getlist(self, key):
        return self[key]


def twilio_vectors():
    ver = version("twilio")
    out = []
    token = "12345"  # the auth token of Twilio's own docs' example
    rv = RequestValidator(token)
    form_ct = "application/x-www-form-urlencoded"

    def form_case(case, sign_url, request_url, body):
        sig = rv.compute_signature(sign_url, FormParams(body))
        headers = [["X-Twilio-Signature", sig]]
        must(rv.validate(request_url, FormParams(body), sig), f"twilio {case}")
        must(not rv.validate(request_url, FormParams(tampered(body)[1]), sig), f"twilio {case} tampered")
        out.append(vector("twilio", case, token, body, content_type=form_ct,
                          sign_url=sign_url, request_url=request_url,
                          sdk_headers=headers, expected_sign=headers,
                          sdk=f"twilio (Python) {ver}: RequestValidator.compute_signature with a multi-valued "
                              "params mapping; verified by RequestValidator.validate"))

    # Twilio's documented example.
    form_case("docs_example_query_url", "https://mycompany.com/myapp.php?foo=1&bar=2",
              "https://mycompany.com/myapp.php?foo=1&bar=2",
              "CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234&From=%2B12349013030&To=%2B18005551212")
    # Repeated keys (MediaUrl0 twice with the same value, a key with two
    # values out of order), an empty value, mixed-case keys, non-ASCII and '+'.
    dup = ("To=%2B18005551212&From=%2B14155550100&Body=caf%C3%A9+%E2%98%95+%E2%80%94+na%C3%AFve"
           "&MediaUrl0=https%3A%2F%2Fapi.twilio.com%2Fm%2Fb&MediaUrl0=https%3A%2F%2Fapi.twilio.com%2Fm%2Fb"
           "&Tag=zeta&Tag=alpha&ForwardedFrom=&body=lower&AccountSid=AC0123&MessageSid=SM0123")
    form_case("form_duplicate_keys_unicode", "https://example.com/twilio/sms?foo=1&bar=2",
              "https://example.com/twilio/sms?foo=1&bar=2", dup)
    # An explicit default port, signed and received as such.
    voice = "CallSid=CA1234567890ABCDE&CallStatus=ringing&From=%2B14155550100&To=%2B18005551212&Digits=1%232"
    form_case("form_explicit_port_443", "https://example.com:443/twilio/voice?x=y",
              "https://example.com:443/twilio/voice?x=y", voice)
    # Twilio signed with :443, the server sees the URL without it (and back):
    # the SDK tries both forms, so must hookcli.
    form_case("form_signed_with_port_received_without", "https://example.com:443/twilio/voice?x=y",
              "https://example.com/twilio/voice?x=y", voice)
    form_case("form_signed_without_port_received_with", "https://example.com/twilio/voice?x=y",
              "https://example.com:443/twilio/voice?x=y", voice)

    # Twilio's SharedKey signing: HMAC-SHA256 instead of SHA-1, announced by
    # X-Twilio-Webhooks-Signature-Settings (the SDK picks the algorithm from it).
    settings = "key=webhooks_sharedkey_0123456789abcdef,algorithm=HMAC_SHA256"
    algorithm = get_signature_algorithm(settings)
    must(algorithm == "HMAC_SHA256", "twilio settings header parsed")
    url = "https://example.com/twilio/sms?foo=1&bar=2"
    shared = "sharedkey-secret-0123456789abcdef"
    rv256 = RequestValidator(shared)
    sig = rv256.compute_signature(url, FormParams(dup), algorithm)
    headers = [["X-Twilio-Webhooks-Signature-Settings", settings], ["X-Twilio-Signature", sig]]
    must(rv256.validate(url, FormParams(dup), sig, algorithm), "twilio hmac_sha256")
    must(not rv256.validate(url, FormParams(tampered(dup)[1]), sig, algorithm), "twilio hmac_sha256 tampered")
    out.append(vector("twilio", "form_hmac_sha256_shared_key", shared, dup, content_type=form_ct,
                      sign_url=url, sdk_headers=headers, expected_sign=[["X-Twilio-Signature", sig]],
                      sdk=f"twilio (Python) {ver}: RequestValidator.compute_signature(..., algorithm=HMAC_SHA256) "
                          "with get_signature_algorithm(settings header); verified by RequestValidator.validate"))

    # JSON bodies: the URL carries bodySHA256 (the SDK's compute_hash), only the URL is signed.
    def json_case(case, sign_url, body):
        sep = "&" if "?" in sign_url else "?"
        url = f"{sign_url}{sep}bodySHA256={rv.compute_hash(body)}"
        sig = rv.compute_signature(url, {})
        headers = [["X-Twilio-Signature", sig]]
        must(rv.validate(url, body, sig), f"twilio {case}")
        must(not rv.validate(url, tampered(body)[1], sig), f"twilio {case} tampered")
        out.append(vector("twilio", case, token, body, content_type="application/json",
                          sign_url=sign_url, request_url=url, sdk_headers=headers, expected_sign=headers,
                          sdk=f"twilio (Python) {ver}: RequestValidator.compute_hash + compute_signature(url, {{}}); "
                              "verified by RequestValidator.validate(url, body, signature)"))

    json_case("json_body_sha256", "https://example.com/twilio/events", BODIES["unicode_pretty"])
    json_case("json_body_sha256_query_and_port", "https://example.com:443/twilio/events?source=studio",
              BODIES["crlf_trailing_spaces"])
    return out


# ------------------------------------------------ Asymmetric: Discord, SendGrid
#
# Ed25519 and RFC 6979 ECDSA are deterministic, so these vectors are too. The
# keys come from fixed seeds; the SDKs verify, the signatures are made with the
# libraries the SDKs themselves build on (PyNaCl; python-ecdsa's RFC 6979
# signer, checked by sendgrid's verifier, which uses pyca/cryptography).

SENDGRID_BATCH = (
    '[{"email":"jenny.rosen@example.com","timestamp":1700000000,"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>",'
    '"event":"delivered","category":["receipts"],"sg_event_id":"ZGVsaXZlcmVkLTAtMjQ5OTY2OTc",'
    '"sg_message_id":"14c5d75ce93.dfd.64b469.recvd-5f7d9f6b6c-8xw2k-1-65A1B2C3-4.0","response":"250 OK"},'
    '{"email":"sam@example.org","timestamp":1700000001,"event":"open","sg_machine_open":false,'
    '"sg_event_id":"b3Blbi0wLTI0OTk2Njk3","useragent":"Mozilla/5.0 (caf\u00e9 ☕)"}]'
)
DISCORD_PING = ('{"app_permissions":"562949953601536","application_id":"1249558474725347370",'
                '"id":"1249561010425184286","token":"aW50ZXJhY3Rpb246MTI0OTU2MTAxMDQyNTE4NDI4Ng","type":1,"version":1}')


def discord_vectors():
    ver, ver_nacl = version("discord-interactions"), version("PyNaCl")
    seed = hashlib.sha256(b"hookcli discord sdk vector").digest()
    sk = nacl.signing.SigningKey(seed)
    public = sk.verify_key.encode().hex()
    private = (seed + sk.verify_key.encode()).hex()
    ts = str(TS)
    out = []
    for case, body in [("ping", DISCORD_PING), ("unicode_pretty_json", BODIES["unicode_pretty"]),
                       ("crlf_trailing_spaces", BODIES["crlf_trailing_spaces"])]:
        sig = sk.sign(ts.encode() + body.encode("utf-8")).signature.hex()
        must(discord_interactions.verify_key(body.encode("utf-8"), sig, ts, public), f"discord {case}")
        must(not discord_interactions.verify_key(tampered(body)[1].encode("utf-8"), sig, ts, public),
             f"discord {case} tampered")
        headers = [["X-Signature-Ed25519", sig], ["X-Signature-Timestamp", ts]]
        out.append(vector("discord", case, private, body, verify_key=public,
                          sdk_headers=headers, expected_sign=headers,
                          sdk=f"discord-interactions (Python) {ver}: verify_key; signed by PyNaCl {ver_nacl} SigningKey"))
    return out


def sendgrid_vectors():
    ver, ver_ecdsa = version("sendgrid"), version("ecdsa")
    order = ecdsa.NIST256p.order
    exponent = int.from_bytes(hashlib.sha256(b"hookcli sendgrid sdk vector").digest(), "big") % (order - 1) + 1
    sk = ecdsa.SigningKey.from_secret_exponent(exponent, curve=ecdsa.NIST256p, hashfunc=hashlib.sha256)
    # SEC1 DER (`openssl ecparam -genkey`'s form; keygen's PKCS#8 is tested
    # elsewhere). python-ecdsa writes PKCS#8 as version 1 without the public
    # key, which RFC 5958 does not allow and the pkcs8 crate refuses.
    private = base64.b64encode(sk.to_der()).decode()
    public = base64.b64encode(sk.get_verifying_key().to_der()).decode()
    ew = EventWebhook()
    key = ew.convert_public_key_to_ecdsa(public)
    ts = str(TS)
    out = []
    for case, body in [("event_batch", SENDGRID_BATCH), ("unicode_pretty_json", BODIES["unicode_pretty"]),
                       ("crlf_trailing_spaces", BODIES["crlf_trailing_spaces"])]:
        der = sk.sign_deterministic((ts + body).encode("utf-8"), hashfunc=hashlib.sha256,
                                    sigencode=ecdsa.util.sigencode_der)
        sig = base64.b64encode(der).decode()
        must(ew.verify_signature(body, sig, ts, key), f"sendgrid {case}")
        must(not ew.verify_signature(tampered(body)[1], sig, ts, key), f"sendgrid {case} tampered")
        headers = [["X-Twilio-Email-Event-Webhook-Signature", sig], ["X-Twilio-Email-Event-Webhook-Timestamp", ts]]
        out.append(vector("sendgrid", case, private, body, verify_key=public,
                          sdk_headers=headers, expected_sign=headers,
                          sdk=f"sendgrid (Python) {ver}: EventWebhook.verify_signature; signed by ecdsa {ver_ecdsa} "
                              "sign_deterministic (RFC 6979, SHA-256, DER)"))
    return out


# ---------------------------------------------------------------- Rust output


def rust_str(s: str) -> str:
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif 0x20 <= o < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\u{{{o:x}}}")
    out.append('"')
    return "".join(out)


def rust_pairs(pairs) -> str:
    return "&[" + ", ".join(f"({rust_str(n)}, {rust_str(v)})" for n, v in pairs) + "]"


HEADER = '''\
//! Signature vectors made by each provider's official SDK, pinned as tests.
//!
//! GENERATED by scripts/sdk-vectors/generate.sh (gen.py + node_vectors.mjs);
//! do not edit by hand: change the generator and regenerate (see
//! scripts/sdk-vectors/README.md).
//!
//! SDKs: {sdks}.
//!
//! For every vector the generator checked that the SDK's own verifier accepts
//! the SDK-made headers and rejects the body with one byte changed. Two tests
//! per vector:
//! - `*_sign_matches_sdk`: hookcli signing the same inputs sets exactly the
//!   header values the SDK computed, so the SDK accepts what hookcli makes.
//! - `*_sdk_signature_verifies`: a request carrying the SDK-made headers
//!   verifies in hookcli, and the same request with one body byte changed
//!   does not.

use hookcli::provider::{{self, SignContext, VerifyOptions, WebhookRequest}};
use hookcli::secret::Secret;

struct Vector {{
    provider: &'static str,
    /// The secret as a user pastes it into hookcli.
    secret: &'static str,
    /// The URL hookcli signs.
    sign_url: &'static str,
    /// The delivered request's URL (Twilio JSON: with bodySHA256 appended).
    request_url: &'static str,
    body: &'static str,
    content_type: Option<&'static str>,
    timestamp: i64,
    id: &'static str,
    /// The verifier's clock, inside every tolerance.
    now: i64,
    /// The delivered request's headers; the signatures made by the SDK.
    sdk_headers: &'static [(&'static str, &'static str)],
    /// Header values hookcli's sign must set, as the SDK computed them.
    expected_sign: &'static [(&'static str, &'static str)],
    /// The body byte flipped (XOR 0x01) for the negative check.
    tamper_index: usize,
    /// Asymmetric schemes: the public key a receiver verifies with (the
    /// secret is then the private key); `None`: the secret itself.
    verify_key: Option<&'static str>,
}}

fn sign_matches_sdk(v: &Vector) {{
    let p = provider::by_name(v.provider).unwrap();
    let mut req = WebhookRequest::post(v.sign_url, v.body.as_bytes().to_vec());
    if let Some(ct) = v.content_type {{
        req.headers.append("Content-Type", ct);
    }}
    // Headers the SDK sent that are settings, not signatures (Twilio's signature settings).
    for (name, value) in v.sdk_headers {{
        if !v.expected_sign.iter().any(|(n, _)| n == name) {{
            req.headers.append(*name, *value);
        }}
    }}
    let ctx = SignContext {{ timestamp: v.timestamp, id: v.id.into() }};
    p.sign(&mut req, &Secret::new(v.secret), &ctx).unwrap();
    for (name, want) in v.expected_sign {{
        assert_eq!(req.headers.get_str(name), Some(*want), "{{}}: header {{name}}", v.provider);
    }}
    if v.provider == "twilio" && v.content_type == Some("application/json") {{
        assert_eq!(req.url, v.request_url, "twilio: the bodySHA256 URL");
    }}
}}

fn sdk_signature_verifies(v: &Vector) {{
    let p = provider::by_name(v.provider).unwrap();
    let mut req = WebhookRequest::post(v.request_url, v.body.as_bytes().to_vec());
    if let Some(ct) = v.content_type {{
        req.headers.append("Content-Type", ct);
    }}
    for (name, value) in v.sdk_headers {{
        req.headers.append(*name, *value);
    }}
    let secret = Secret::new(v.verify_key.unwrap_or(v.secret));
    let opts = VerifyOptions::at(v.now);
    let verdict = p.verify(&req, &secret, &opts);
    assert!(verdict.is_valid(), "{{}}: SDK-made signature rejected: {{verdict:?}}", v.provider);

    let mut tampered = req.clone();
    tampered.body[v.tamper_index] ^= 0x01;
    assert_ne!(tampered.body, req.body);
    let verdict = p.verify(&tampered, &secret, &opts);
    assert!(!verdict.is_valid(), "{{}}: accepted a body with byte {{}} changed", v.provider, v.tamper_index);
}}
'''


def render(vectors, sdks: str) -> str:
    parts = [HEADER.format(sdks=sdks)]
    for v in vectors:
        const = f"{v['provider']}_{v['case']}".upper()
        ct = f"Some({rust_str(v['content_type'])})" if v["content_type"] else "None"
        vk = f"Some({rust_str(v['verify_key'])})" if v.get("verify_key") else "None"
        parts.append(f"""
/// {v['sdk']}
const {const}: Vector = Vector {{
    provider: {rust_str(v['provider'])},
    secret: {rust_str(v['secret'])},
    sign_url: {rust_str(v['sign_url'])},
    request_url: {rust_str(v['request_url'])},
    body: {rust_str(v['body'])},
    content_type: {ct},
    timestamp: {v['timestamp']},
    id: {rust_str(v['id'])},
    now: {v['now']},
    sdk_headers: {rust_pairs(v['sdk_headers'])},
    expected_sign: {rust_pairs(v['expected_sign'])},
    tamper_index: {v['tamper_index']},
    verify_key: {vk},
}};
""")
        for kind, fn, suffix in [("sign", "sign_matches_sdk", "sign_matches_sdk"),
                                 ("verify", "sdk_signature_verifies", "sdk_signature_verifies")]:
            reason = KNOWN_DISAGREEMENTS.get((v["provider"], v["case"], kind))
            ignore = f"#[ignore = {rust_str(reason)}]\n" if reason else ""
            parts.append(f"""
#[test]
{ignore}fn {v['provider']}_{v['case']}_{suffix}() {{
    {fn}(&{const});
}}
""")
    return "".join(parts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--node-json", required=True, help="output of node_vectors.mjs")
    ap.add_argument("--out", required=True, help="the Rust file to write")
    args = ap.parse_args()

    node = json.load(open(args.node_json, encoding="utf-8"))
    for v in node["vectors"]:
        must(v["tamper_index"] == tamper_index(v["body"].encode("utf-8")), "node tamper index rule")
        must(v["sdk_verified"] and v["sdk_rejects_tampered"], "node vector checked")

    vectors = (stripe_vectors() + node["vectors"] + slack_vectors() + twilio_vectors() + standard_vectors()
               + discord_vectors() + sendgrid_vectors())
    order = ["stripe", "github", "shopify", "slack", "twilio", "standard", "svix", "discord", "sendgrid"]
    vectors.sort(key=lambda v: order.index(v["provider"]))  # stable: cases keep their order
    names = [f"{v['provider']}_{v['case']}" for v in vectors]
    must(len(names) == len(set(names)), "unique case names")

    sdks = ", ".join(
        [f"stripe {version('stripe')}", f"standardwebhooks {version('standardwebhooks')}",
         f"svix {version('svix')}", f"slack_sdk {version('slack_sdk')}", f"twilio {version('twilio')}",
         f"discord-interactions {version('discord-interactions')}", f"sendgrid {version('sendgrid')} (PyPI)"]
        + [f"{k} {val}" for k, val in node["versions"].items()] + ["(npm)"]
    ).replace(", (npm)", " (npm)")
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(render(vectors, sdks))
    counts: dict[str, int] = {}
    for v in vectors:
        counts[v["provider"]] = counts.get(v["provider"], 0) + 1
    print(f"wrote {len(vectors)} vectors to {args.out}: {counts}", file=sys.stderr)


if __name__ == "__main__":
    main()
