"""Shared machinery of scripts/catalogue/others.py (Python 3.11 stdlib only).

- `Builder` turns a TypeScript type tree (others_ts) into a realistic
  example value, naming fields' values from their names.
- `freshen` walks a finished example body and writes the fixture's `fresh`
  map: ids become entities (`{@customer}`), shared by every place the same
  id appears (URLs included), and timestamps become `{iso}`/`{unix}`...
- `write_fixture` lays a fixture file out the way hookcli embeds it.
"""

import hashlib
import json
import os
import random
import re

from others_ts import UNKNOWN

NOW = 1764000000  # 2025-11-24T16:00:00Z: example time; `fresh` replaces it
ISO = "2025-11-24T16:00:00Z"
ISO_MS = "2025-11-24T16:00:00.000Z"
LATER_ISO = "2025-12-24T16:00:00Z"

PEOPLE = [
    ("Jenny", "Rosen", "jenny.rosen@example.com"),
    ("Sam", "Okafor", "sam.okafor@example.com"),
    ("Ada", "Park", "ada.park@example.com"),
    ("Lucas", "Moreau", "lucas.moreau@example.com"),
]


def rng_for(*parts):
    seed = hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()
    return random.Random(int(seed[:16], 16))


ALPHABETS = {
    "alnum": "abcdefghijklmnopqrstuvwxyz0123456789",
    "ALNUM": "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    "base62": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "hex": "0123456789abcdef",
    "digits": "0123456789",
}


def render_template(template, rng):
    """An example value for a template (the first send's look-alike)."""

    def one(m):
        name, _, arg = m.group(1).partition(":")
        if name in ALPHABETS:
            n = int(arg)
            s = "".join(rng.choice(ALPHABETS[name]) for _ in range(n))
            if name == "digits" and s[0] == "0":
                s = "1" + s[1:]
            return s
        if name in ("uuid", "uuid_braced"):
            h = "".join(rng.choice(ALPHABETS["hex"]) for _ in range(32))
            u = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:]}"
            return "{" + u + "}" if name == "uuid_braced" else u
        if name == "unix":
            return str(NOW)
        if name == "unix_ms":
            return str(NOW * 1000 + 123)
        if name == "iso":
            return ISO
        if name == "iso_ms":
            return ISO_MS
        return m.group(0)

    return re.sub(r"\{([A-Za-z_][A-Za-z0-9_]*(?::\d+)?)\}", one, template)


class Ids:
    """Entity ids of one provider: one example value per entity name, the
    same in every fixture, and its template for `_entities.json`."""

    def __init__(self, provider, templates):
        self.provider = provider
        self.templates = dict(templates)  # entity -> template
        self.values = {}  # entity -> example value
        self.used = set()

    def get(self, entity):
        if entity not in self.templates:
            raise KeyError(f"{self.provider}: no id template for entity {entity!r}")
        if entity not in self.values:
            self.values[entity] = render_template(
                self.templates[entity], rng_for(self.provider, "id", entity)
            )
        self.used.add(entity)
        return self.values[entity]

    def define(self, entity, template):
        self.templates.setdefault(entity, template)
        return self.get(entity)

    def by_value(self):
        return {v: k for k, v in self.values.items() if k in self.used}

    def entities_json(self):
        return {k: self.templates[k] for k in sorted(self.used)}


# --- field-name heuristics -------------------------------------------------

TIME_WORDS = re.compile(
    r"(^|_)(at|time|date|datetime|timestamp|ts|on|since|until)$|^(date|time|timestamp)(_|$)"
)
FUTURE_WORDS = re.compile(
    r"expir|end|until|next|due|scheduled|renew|deadline|valid_to|validto|resume|ends|reminder"
    r"|trial_end|retry|upcoming|cutoff|delayed|remind|publish_at",
    re.I,
)
NULLISH_WORDS = re.compile(
    r"(cancel|cancell|delet|archiv|paus|revok|ban|lock|trash|snooz|void|disabl|refund|"
    r"merg|removed|dismiss|abandon|declin|fail|error|reject|expired|suspend|block|"
    r"resolved|completed|closed|ended|stopped|canceled|reopen|escalat|auto_?clos|"
    r"auto_?archiv|hidden|muted|deprecat|import|scheduled_change|parent|replaced|"
    r"previous|former|original|old_|prior|override|discount|trial|suppress)",
    re.I,
)


def words(name):
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return s.lower().replace("-", "_")


class Builder:
    """Builds example values from type trees.

    `hook(builder, path, name, t)` may return a value (or `NO` to fall
    through); `ids` names entity ids; `choose(path, name, literals)` may pick
    a literal from a union.
    """

    NO = object()

    def __init__(self, decls, ids, hook=None, event="", max_depth=7, person=0,
                 nullable="auto", url="https://example.com", null_depth=3):
        self.decls = decls
        self.ids = ids
        self.hook = hook
        self.event = event
        self.action_words = set(re.split(r"[._:/ -]+", words(event)))
        self.max_depth = max_depth
        self.person = PEOPLE[person % len(PEOPLE)]
        self.nullable = nullable
        self.null_depth = null_depth
        self.url = url
        self.rng = rng_for(ids.provider if ids else "", "build", event)
        self.resource = ""
        self.names = {}  # resource -> the name of its example object

    # type plumbing
    def deref(self, t, seen=()):
        """Resolves references until a structural type."""
        for _ in range(40):
            kind = t[0]
            if kind == "ref":
                name, args = t[1], t[2]
                if name in ("Array", "ReadonlyArray") and args:
                    return ("arr", args[0])
                if name in ("Partial", "Readonly", "Required", "NonNullable") and args:
                    t = args[0]
                    continue
                if name in ("Omit", "Pick") and len(args) == 2:
                    base = self.as_obj(args[0])
                    keys = {lit for lit in self.literals(args[1])}
                    if base is None:
                        return ("kw", "unknown")
                    members = [m for m in base[1] if (m[0] in keys) == (name == "Pick")]
                    return ("obj", members, base[2])
                if name == "Record" and len(args) == 2:
                    return ("obj", [], args[1])
                if name == "Date":
                    return ("kw", "date")
                if name in ("Promise", "Function", "Buffer", "Uint8Array"):
                    return UNKNOWN
                if "." in name:
                    enum, _, member = name.rpartition(".")
                    e = self.decls.enums.get(enum.split(".")[-1])
                    if e and member in e:
                        return ("lit", e[member])
                r = self.decls.resolve(name, args)
                if r is None:
                    return ("ref?", name)
                t = r
                continue
            if kind == "idx":
                base = self.as_obj(t[1])
                key = t[2]
                if base is not None and key[0] == "lit":
                    for n, _, mt in base[1]:
                        if n == key[1]:
                            t = mt
                            break
                    else:
                        return UNKNOWN
                    continue
                return UNKNOWN
            if kind == "typeof":
                const, _, member = t[1].partition(".")
                c = self.decls.consts.get(const)
                if c and c[0] == "obj":
                    for n, _, mt in c[1]:
                        if n == member:
                            return mt
                return UNKNOWN
            return t
        return UNKNOWN

    def as_obj(self, t, depth=0):
        """The object type t stands for (intersections merged), or None."""
        t = self.deref(t)
        if t[0] == "obj":
            return t
        if t[0] == "inter" and depth < 10:
            members, index = {}, None
            for part in t[1]:
                o = self.as_obj(part, depth + 1)
                if o is None:
                    continue
                for m in o[1]:
                    members[m[0]] = m
                index = o[2] or index
            return ("obj", list(members.values()), index)
        if t[0] == "union" and depth < 10:
            non_null = [x for x in t[1] if self.deref(x) not in (("kw", "null"), ("kw", "undefined"))]
            if len(non_null) == 1:
                return self.as_obj(non_null[0], depth + 1)
        return None

    def literals(self, t):
        t = self.deref(t)
        if t[0] == "lit":
            return [t[1]]
        if t[0] == "union":
            out = []
            for x in t[1]:
                out += self.literals(x)
            return out
        return []

    # building
    def build(self, t, path=(), optional=False, stack=()):
        name = next((p for p in reversed(path) if isinstance(p, str)), "")
        if self.hook:
            v = self.hook(self, path, name, t)
            if v is not Builder.NO:
                return v
        rt = self.deref(t)
        kind = rt[0]
        if kind == "lit":
            return rt[1]
        if kind == "kw":
            return self.scalar(rt[1], path, name)
        if kind == "ref?":
            return self.scalar("unknown", path, name, hint=rt[1])
        if kind == "union":
            return self.union(rt, path, name, optional, stack)
        if kind == "inter":
            o = self.as_obj(rt)
            if o is None:
                return self.build(rt[1][-1], path, optional, stack)
            rt, kind = o, "obj"
        if kind == "arr":
            if len(path) > self.max_depth + 2:
                return []
            n = self.array_len(path, name)
            return [self.build(rt[1], path + (i,), False, stack) for i in range(n)]
        if kind == "tuple":
            return [self.build(x, path + (i,), False, stack) for i, x in enumerate(rt[1])]
        if kind == "obj":
            key = id(rt) if not (t[0] == "ref") else t[1]
            if key in stack or len(path) > self.max_depth:
                return None if optional else {}
            out = {}
            for mname, mopt, mt in rt[1]:
                if mname == "__typename":
                    continue
                out[mname] = self.build(mt, path + (mname,), mopt, stack + (key,))
            if not rt[1] and rt[2] is not None:
                return self.record(rt[2], path, name)
            return out
        return self.scalar("unknown", path, name)

    def array_len(self, path, name):
        return 1

    def record(self, value_type, path, name):
        return {}

    def union(self, t, path, name, optional, stack):
        opts = [x for x in t[1]]
        nullish = [x for x in opts if self.deref(x) in (("kw", "null"), ("kw", "undefined"))]
        rest = [x for x in opts if x not in nullish]
        if not rest:
            return None
        lits = []
        for x in rest:
            lits += self.literals(x)
        if nullish and self.prefers_null(path, name, rest, optional):
            return None
        if lits and len(lits) >= len(rest):
            return self.choose(path, name, lits)
        # objects first, then strings
        def rank(x):
            d = self.deref(x)
            return {"obj": 0, "inter": 0, "arr": 1}.get(d[0], 2)

        rest.sort(key=rank)
        if lits and all(self.deref(x)[0] in ("lit", "kw") for x in rest):
            # e.g. 'a' | 'b' | string: take a literal
            return self.choose(path, name, lits)
        return self.build(rest[0], path, optional, stack)

    def prefers_null(self, path, name, rest, optional):
        if self.nullable == "never":
            return False
        w = words(name)
        d = self.deref(rest[0])
        if NULLISH_WORDS.search(w):
            return True
        if self.nullable == "optional" and optional:
            return True
        if d[0] in ("obj", "inter", "ref?") and optional and len(path) > self.null_depth:
            return True
        return False

    def choose(self, path, name, lits):
        aw = self.action_words
        for lit in lits:
            if isinstance(lit, str) and words(lit) in aw:
                return lit
        for lit in lits:
            if isinstance(lit, str) and (words(lit) + "d" in aw or words(lit) + "ed" in aw):
                return lit
        w = words(name)
        if w.endswith("currency_code") or w == "currency":
            for c in ("USD", "usd"):
                if c in lits:
                    return c
        if w.endswith("country_code") or w == "country":
            if "US" in lits:
                return "US"
        for pref in ("active", "en", "card", "standard", "month", "automatic", "user"):
            if pref in lits:
                return pref
        return lits[0]

    # scalars
    def scalar(self, kw, path, name, hint=""):
        w = words(name)
        fn, ln, email = self.person
        if kw == "boolean":
            return self.boolean(w)
        if kw == "null":
            return None
        if kw == "undefined":
            return None
        if kw == "date":
            return self.time_value(w, "iso_ms")
        if kw == "number":
            return self.number(w)
        if kw == "unknown" and (w.endswith("metadata") or w.endswith("data") or w in ("custom_data", "meta", "extra", "properties", "attributes", "settings", "context")):
            return {}
        return self.string(w, path, hint)

    def boolean(self, w):
        if re.search(r"(^|_)(enabled|active|verified|primary|success|ok|available|valid|"
                     r"consent|allowed|visible|public|has_image|password_enabled|installable|"
                     r"recurring|tls|certificate_verified|is_authenticated)$", w):
            return True
        return False

    def number(self, w):
        if TIME_WORDS.search(w) or w.endswith("_ms") or w in ("ts", "event_ts"):
            if FUTURE_WORDS.search(w):
                return NOW + 30 * 86400
            return NOW
        if "amount" in w or "total" in w or "price" in w or w in ("subtotal", "tax", "fee"):
            return 4900
        if "percent" in w or "rate" in w:
            return 20
        if "duration" in w:
            return 30
        if "count" in w or "quantity" in w or w.endswith("number") or w == "number":
            return 1
        if "size" in w:
            return 24816
        if "year" in w:
            return 2028
        if "month" in w:
            return 11
        if w in ("id",) or w.endswith("_id"):
            return int(render_template("{digits:9}", self.rng))
        if "version" in w:
            return 1
        if "priority" in w:
            return 2
        if "latitude" in w:
            return 51.5072
        if "longitude" in w:
            return -0.1276
        return 1

    def time_value(self, w, fmt):
        future = bool(FUTURE_WORDS.search(w)) and not w.startswith(("created", "updated", "last"))
        if fmt == "iso_ms":
            return "2025-12-24T16:00:00.000Z" if future else ISO_MS
        if fmt == "iso":
            return LATER_ISO if future else ISO
        if fmt == "date":
            return "2025-12-24" if future else "2025-11-24"
        return NOW

    def string(self, w, path, hint=""):
        fn, ln, email = self.person
        if w in COMMON_STRINGS:
            v = COMMON_STRINGS[w]
            if isinstance(v, str):
                v = v.replace("{fn}", fn).replace("{ln}", ln).replace("{email}", email)
            return v
        if re.search(r"(caller|callee|inviter|invitee|sender|recipient|operator|cardholder|user|"
                     r"host|participant|member|author|owner|assignee|contact|customer|agent)_name$", w):
            return f"{fn} {ln}"
        if re.search(r"(organization|org|account|company|workspace|team)_name$", w):
            return "Acme Inc"
        if re.search(r"(channel|space|group)_name$", w):
            return "product-launch"
        if re.search(r"(device|browser)_name$", w):
            return "MacBook Pro" if "device" in w else "Chrome"
        if w.endswith("_jid"):
            return f"{render_template('{alnum:22}', self.rng)}@xmpp.zoom.us"
        if w == "id" or w.endswith("_id") or w.endswith("_ids") or w.endswith("uuid"):
            return render_template("{uuid}", self.rng)
        if "email" in w:
            return email
        if w in ("first_name", "firstname", "given_name"):
            return fn
        if w in ("last_name", "lastname", "family_name", "surname"):
            return ln
        if w in ("name", "full_name", "display_name", "fullname", "user_name", "nickname"):
            parent = next((p for p in reversed(path[:-1]) if isinstance(p, str)), "")
            if parent in ("data", "object", "item", "") and self.resource:
                if self.resource in self.names:
                    return self.names[self.resource]
                parent = self.resource
            if parent and not re.search(r"user|customer|contact|person|member|author|owner|actor|creator|assignee|invitee|participant|host|agent|admin|sender|recipient|payer|account|profile|bot|teammate|lead|registrant|attendee|panelist|caller|callee", words(parent)):
                return parent.replace("_", " ").title().strip() or "Example"
            return f"{fn} {ln}"
        if w in ("username", "login", "handle", "screen_name"):
            return f"{fn.lower()}.{ln.lower()}"
        if TIME_WORDS.search(w) or w.endswith("_at"):
            if w.endswith("date") and "time" not in w:
                return self.time_value(w, "date")
            return self.time_value(w, "iso")
        if "url" in w or w.endswith("href") or w.endswith("link") or w == "uri" or w == "self":
            return f"{self.url}/{path[-2] if len(path) > 1 and isinstance(path[-2], str) else 'item'}"
        if "phone" in w or w in ("from_number", "to_number", "caller_number", "callee_number"):
            return "+14155550123"
        if w.endswith("currency_code") or w == "currency":
            return "USD"
        if w.endswith("country_code") or w == "country":
            return "US"
        if "locale" in w or w == "language":
            return "en-US"
        if "timezone" in w or w == "time_zone" or w == "tz":
            return "America/New_York"
        if w in ("ip", "ip_address", "client_ip", "remote_ip") or w.endswith("_ip"):
            return "203.0.113.7"
        if "user_agent" in w or w == "useragent":
            return "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
        if w in ("status", "state"):
            return "active"
        if "color" in w or "colour" in w:
            return "#5e6ad2"
        if w in ("title", "subject", "topic", "summary", "headline"):
            return "Quarterly planning review"
        if "description" in w or w in ("desc", "agenda", "summary_overview", "summary_content"):
            return "Planning for the Q1 launch: scope, owners and dates."
        if re.search(r"(^|_)(body|text|message|content|comment|note|quoted_text)(_|$)", w) or w == "details":
            return "Thanks, this is fixed in the latest release."
        if "reason" in w:
            return "Requested by the customer."
        if "extension" in w:
            return "pdf"
        if w in ("file_name", "filename", "name_of_file"):
            return "report.pdf"
        if w == "file_path":
            return "/files/report.pdf"
        if re.search(r"amount|total|price|cost|(^|_)(tax|fee|discount|credit|balance|earnings|"
                     r"refund|payout|charge|spend|revenue)(_|$)", w):
            return "4900"
        if re.search(r"(^|_)(rate|ratio)$", w):
            return "0.08"
        if w.endswith("number") or w.endswith("_no") or w.endswith("reference"):
            return render_template("{digits:8}", self.rng)
        if "city" in w:
            return "San Francisco"
        if "region" in w or w == "state_code":
            return "CA"
        if "postal" in w or "zip" in w:
            return "94107"
        if "address" in w or "street" in w or w.startswith("line"):
            return "510 Townsend St"
        if "domain" in w:
            return "example.com"
        if "version" in w:
            return "1.0.0"
        if w in ("type", "kind", "object", "category"):
            return path[-2] if len(path) > 1 and isinstance(path[-2], str) else "default"
        if "token" in w or "secret" in w or "key" in w or "hash" in w or "signature" in w:
            return render_template("{hex:32}", self.rng)
        if "code" in w:
            return render_template("{ALNUM:6}", self.rng)
        if "slug" in w:
            return "example-slug"
        if "tag" in w or "label" in w:
            return "priority"
        if "path" in w or "file" in w:
            return "docs/readme.md"
        if "method" in w:
            return "card"
        if "source" in w or "origin" in w:
            return "api"
        if "role" in w:
            return "member"
        if "mime" in w or "content_type" in w:
            return "application/pdf"
        if w.endswith("s") and not w.endswith("ss"):
            return w[:-1]
        return w.replace("_", " ") or "value"


COMMON_STRINGS = {
    "currency_symbol": "$", "nonce": "b0d8b2c4f6e84a1c", "verified_at_client": None,
    "additional_information": "Please quote PO 4500123 on every invoice.", "provider": "google",
    "health": "onTrack", "protocol": "H.323", "synced_with": None, "folder": "inbox",
    "created_by": "{email}", "last4": "4242", "icon": "Rocket", "call_type": "voice",
    "device_type": "Mac", "format_attr": "bold", "subtitle": "Week 48 update",
    "target_date_resolution": "quarter", "start_date_resolution": "month",
    "frequency_resolution": "weekly", "sla_type": "all", "diff_markdown": "- Title changed",
    "meeting_topic": "Weekly sync", "summary_title": "Weekly sync summary", "regular_expression": "^\\d{4}$",
    "failure_reason": "network_error", "recording_type": "shared_screen_with_speaker_view",
    "policy_name": "Default retention", "stream_name": "Town hall", "audio_type": "voip",
    "reply_to": "support@example.com", "resolution": "1080p", "leave_reason": "left the meeting",
    "authentication_option": "signIn_D8cJuqWVQ623CI4Q8yQK0Q", "authentication_name": "Sign in to Zoom",
    "sign_language": "American", "location": "San Francisco", "country_name": "United States",
    "industry": "Software", "org": "Acme Inc", "company": "Acme Inc", "job_title": "Engineering manager",
    "department": "Engineering", "dept": "Engineering", "emoji": "thumbsup", "reaction_emoji": "👍",
    "first_line": "510 Townsend St", "second_line": "Floor 4", "web3_wallet": "0x0123456789abcdef0123456789abcdef01234567",
    "card_type": "credit", "gateway": "stripe", "gateway_type": "stripe", "field": "name",
    "from_name": "Acme", "sender": "{email}", "vanity_name": "acme", "prompt_context": None,
    "cardholder_name": "{fn} {ln}", "session_name": "Customer onboarding", "audio_name": "Welcome chime",
    "space_name": "Product", "ttl": "Auto", "record": "SPF", "last_received": None,
    "caller_location": "San Francisco, CA", "callee_location": "New York, NY",
    "result": "success", "handup_result": "hang up", "signal": "strong", "min": "1", "max": "10",
    "ports_range": "8801-8810",
}


# --- fresh values ------------------------------------------------------------

ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")


def time_template(value):
    if isinstance(value, str):
        m = ISO_RE.match(value)
        if not m:
            return None
        if m.group(1) is None and (m.group(2) == "Z"):
            return "{iso}"
        if m.group(2) == "Z" and m.group(1):
            return "{iso_ms}"
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if 1_400_000_000 <= value <= 2_100_000_000:
            return "{unix}"
        if 1_400_000_000_000 <= value <= 2_100_000_000_000:
            return "{unix_ms}"
    return None


def leaves(doc, path=()):
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from leaves(v, path + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from leaves(v, path + (i,))
    else:
        yield path, doc


def leaves_with_parent(doc, path=(), parent=None):
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from leaves_with_parent(v, path + (k,), doc)
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from leaves_with_parent(v, path + (i,), parent)
    else:
        yield path, doc, parent


def dotted(path):
    return ".".join(str(p) for p in path)


def freshen(body, ids, fresh_time=None, skip=(), extra=None, id_values=None):
    """The `fresh` map of a body: entity ids wherever their example value
    appears (whole or inside a longer string), and now-times for the
    timestamps `fresh_time(path, key, value)` accepts."""
    fresh = {}
    by_value = id_values if id_values is not None else ids.by_value()
    # longest values first, so an id inside a URL is not split by a shorter one
    values = sorted(by_value, key=len, reverse=True)
    pattern = (re.compile("(?<![A-Za-z0-9])(?:" + "|".join(re.escape(v) for v in values)
                          + ")(?![A-Za-z0-9])") if values else None)
    for path, value in leaves(body):
        key = next((p for p in reversed(path) if isinstance(p, str)), "")
        d = dotted(path)
        if any(d == s or d.startswith(s + ".") for s in skip):
            continue
        if isinstance(value, str) and pattern and len(value) >= 4:
            if value in by_value:
                fresh[d] = "{@" + by_value[value] + "}"
                continue
            if pattern.search(value):
                fresh[d] = pattern.sub(lambda m: "{@" + by_value[m.group(0)] + "}", value)
                continue
        if (isinstance(value, int) and not isinstance(value, bool) and pattern
                and str(value) in by_value):
            fresh[d] = "{@" + by_value[str(value)] + "}"
            continue
        tt = time_template(value)
        if tt and (fresh_time is None or fresh_time(path, key, value)):
            fresh[d] = tt
    if extra:
        fresh.update(extra)
    return fresh


def default_fresh_time(path, key, value):
    w = words(key)
    if FUTURE_WORDS.search(w) and not w.startswith(("created", "updated", "last")):
        return False
    return True


# --- output --------------------------------------------------------------------

def write_fixture(out_dir, fixture):
    # `/` (and Bitbucket's `:`, not portable in file names) become `_`
    name = fixture["event"].replace("/", "_").replace(":", "_") + ".json"
    order = ["event", "description", "source", "primary", "content_type", "style",
             "headers", "fresh", "body", "form"]
    doc = {k: fixture[k] for k in order if k in fixture and fixture[k] not in (None, {}) or
           (k in ("body", "form") and k in fixture)}
    if fixture.get("primary") is False:
        doc.pop("primary", None)
    for k in fixture:
        if k not in order:
            raise KeyError(f"unknown fixture key {k}")
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
        f.write(text)
    return name


def write_json(path, doc):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def clean_dir(out_dir, keep=()):
    """Removes generated event files (not `_`-files listed in keep)."""
    if not os.path.isdir(out_dir):
        return
    for n in os.listdir(out_dir):
        if n.endswith(".json") and n not in keep:
            os.remove(os.path.join(out_dir, n))


VERBS = {
    "created": "was created", "updated": "was updated", "deleted": "was deleted",
    "removed": "was removed", "canceled": "was canceled", "cancelled": "was cancelled",
    "completed": "was completed", "paid": "was paid", "failed": "failed",
    "imported": "was imported", "activated": "became active", "paused": "was paused",
    "resumed": "was resumed", "revoked": "was revoked", "expired": "expired",
    "expiring": "is about to expire", "saved": "was saved", "billed": "was billed",
    "ready": "is ready to be billed", "revised": "was revised", "trialing": "entered its trial",
    "past_due": "became past due", "sent": "was sent", "delivered": "was delivered",
    "opened": "was opened", "clicked": "was clicked", "bounced": "bounced",
    "started": "started", "ended": "ended", "stopped": "stopped", "joined": "joined",
    "left": "left", "added": "was added", "restored": "was restored", "merged": "was merged",
    "published": "was published", "disabled": "was disabled", "enabled": "was enabled",
    "verified": "was verified", "assigned": "was assigned", "resolved": "was resolved",
    "triggered": "was triggered", "acknowledged": "was acknowledged",
    "approved": "was approved", "declined": "was declined", "archived": "was archived",
    "unarchived": "was unarchived", "upcoming": "is coming up", "abandoned": "was abandoned",
    "recovered": "was recovered", "renamed": "was renamed", "moved": "was moved",
    "scheduled": "was scheduled", "received": "was received", "linked": "was linked",
    "unlinked": "was unlinked", "accepted": "was accepted", "rejected": "was rejected",
    "paired": "was paired", "sent_back": "was sent back", "reopened": "was reopened",
}


def an(word):
    w = word.lower()
    if w[:1] in "aeio" or (w[:1] == "u" and not re.match(r"u(s|ni|ti|ri)", w)):
        return "An"
    return "A"


def describe(resource, action, article=True):
    """A one-line description built from an event's resource and action."""
    res = resource.replace("_", " ").replace(".", " ").strip()
    act = action.replace("_", " ")
    verb = VERBS.get(action) or VERBS.get(action.replace(" ", "_"))
    subject = ((an(res) + " " + res) if article else res.capitalize())
    if verb:
        return f"{subject} {verb}."
    if re.fullmatch(r"[a-z]+ed", action):
        return f"{subject} {act}."
    return f"{subject}: {act}."


# --- ids found in documented examples -----------------------------------------

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def run_class(run):
    if run.isdigit():
        return f"{{digits:{len(run)}}}"
    if re.fullmatch(r"[0-9a-f]+", run) and len(run) >= 8:
        return f"{{hex:{len(run)}}}"
    if re.fullmatch(r"[0-9a-z]+", run):
        return f"{{alnum:{len(run)}}}"
    if re.fullmatch(r"[0-9A-Z]+", run):
        return f"{{ALNUM:{len(run)}}}"
    return f"{{base62:{len(run)}}}"


def shape_template(value):
    """A generator template that makes values shaped like this example id
    (`gftc:00113070ba...` -> `gftc:{hex:32}`), or None if it is not id-like."""
    if not isinstance(value, str) or not value or len(value) > 200:
        return None
    if UUID_RE.match(value):
        return "{uuid}"
    if value.isalpha() and len(value) < 16:
        return None  # a word, not a generated id
    parts = re.split(r"([^A-Za-z0-9]+)", value)
    if len([p for p in parts[::2] if p]) > 3:
        return None  # a composite key: left as documented
    out = []
    for i, part in enumerate(parts):
        if i % 2 == 1:
            out.append(part.replace("{", "").replace("}", ""))
        elif not part:
            continue
        elif i == 0 and len(parts) > 1 and part.isalpha() and len(part) <= 8:
            out.append(part)  # a prefix such as ctm_ or gftc:
        elif len(part) < 4 and part.isalpha():
            out.append(part)
        else:
            out.append(run_class(part))
    t = "".join(out)
    return t if "{" in t else None


def singular(word):
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("sses") or word.endswith("xes"):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


class ExampleIds:
    """Discovers the ids of documented example payloads and names them as
    entities: `customer_id` -> customer, `payment.id` -> payment."""

    def __init__(self, provider, shape=shape_template, name_of=None, skip_keys=()):
        self.provider = provider
        self.templates = {}  # entity -> template
        self.shape = shape
        self.name_of = name_of
        self.skip_keys = set(skip_keys)

    def entity_for(self, path, key, parent_obj):
        if self.name_of:
            n = self.name_of(path, key, parent_obj)
            if n is not None:
                return n
        w = words(key)
        if w == "id" or w == "uid":
            kind = parent_obj.get("type") if isinstance(parent_obj, dict) else None
            if not isinstance(kind, str) or not re.fullmatch(r"[a-z_]+", kind or ""):
                kind = parent_obj.get("object") if isinstance(parent_obj, dict) else None
            if isinstance(kind, str) and re.fullmatch(r"[a-z_]+", kind):
                return re.sub(r"_reference$", "", kind)
            parent = next((p for p in reversed(path[:-1]) if isinstance(p, str)), "")
            return singular(words(parent)) or "object"
        if w.endswith("_ids"):
            return w[:-4]
        if w.endswith("_id"):
            return w[:-3]
        if w.endswith("_uid"):
            return w[:-4]
        return None

    def is_id_key(self, key):
        w = words(key)
        if key in self.skip_keys:
            return False
        return w in ("id", "uid") or w.endswith("_id") or w.endswith("_ids") or w.endswith("_uid")

    def discover(self, body):
        """value -> entity for the ids in this body (registering templates)."""
        found = {}
        for path, value, parent_obj in leaves_with_parent(body):
            key = next((p for p in reversed(path) if isinstance(p, str)), "")
            if not self.is_id_key(key):
                continue
            sval = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
            if not isinstance(sval, str) or sval in found or len(sval) < 4:
                continue
            t = self.shape(sval) if isinstance(value, str) else f"{{digits:{len(sval)}}}"
            if not t:
                continue
            ent = self.entity_for(path, key, parent_obj)
            if not ent:
                continue
            ent = re.sub(r"[^a-z0-9_]", "_", ent)
            base, n = ent, 2
            while ent in self.templates and self.templates[ent] != t:
                ent = f"{base}_{n}"
                n += 1
            if ent in found.values():
                # a second distinct id of the same kind in one body
                ent2, n = f"{base}_{n}", n + 1
                while ent2 in self.templates and self.templates[ent2] != t or ent2 in found.values():
                    ent2 = f"{base}_{n}"
                    n += 1
                ent = ent2
            self.templates[ent] = t
            found[sval] = ent
        return found
