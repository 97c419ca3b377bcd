#!/usr/bin/env node
// GitHub's webhook catalogue for hookcli, from Octokit's published data.
//
// Input: the npm packages @octokit/webhooks-schemas (a JSON Schema of every
// event/action payload) and @octokit/webhooks-examples (payloads captured from
// GitHub), unpacked side by side:
//
//   mkdir -p /tmp/octokit && cd /tmp/octokit
//   npm pack @octokit/webhooks-schemas@7.6.1 @octokit/webhooks-examples@7.6.1
//   mkdir schemas examples
//   tar xzf octokit-webhooks-schemas-7.6.1.tgz -C schemas
//   tar xzf octokit-webhooks-examples-7.6.1.tgz -C examples
//   node scripts/catalogue/github.mjs /tmp/octokit/schemas/package /tmp/octokit/examples/package
//
// (run from the repository root; node 20, no dependencies). It writes
// fixtures/github/<event>[.<action>].json for every event/action pair of the
// schema, fixtures/github/_entities.json and _flows.json, and copies the schema
// to tests/data/github/ with the list of pairs it covers. Re-running it with the
// same packages gives the same files.
//
// Each body starts from the package's example for that pair (the first one on
// the canonical repository, Codertocat/Hello-World, where there is a choice),
// or, where the examples have none, from an example of the same event with the
// action changed; events without any example are built from the schema. The
// body is then made to conform to the pair's schema: properties the schema does
// not allow are dropped, required ones that are missing are filled in (with a
// value of the same kind seen in another example where there is one, `null`
// where the schema allows it, else a value made from the schema), values of the
// wrong kind are replaced. Every body is checked against its schema here, and
// again by tests/catalogue_github.rs with the jsonschema crate.

import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";

const [schemasDir, examplesDir, outRoot = "."] = process.argv.slice(2);
if (!schemasDir || !examplesDir) {
  console.error("usage: node scripts/catalogue/github.mjs SCHEMAS_PACKAGE_DIR EXAMPLES_PACKAGE_DIR [REPO_ROOT]");
  process.exit(2);
}
const readJson = (p) => JSON.parse(fs.readFileSync(p, "utf8"));
const schemaPkg = readJson(path.join(schemasDir, "package.json"));
const examplesPkg = readJson(path.join(examplesDir, "package.json"));
const SCHEMA_FILE = path.join(schemasDir, "schema.json");
const schema = readJson(SCHEMA_FILE);
const D = schema.definitions;
const allExamples = readJson(path.join(examplesDir, "api.github.com", "index.json"));
const SCHEMA_ID = `${schemaPkg.name}@${schemaPkg.version}`;
const EXAMPLES_ID = `${examplesPkg.name}@${examplesPkg.version}`;

// ---------------------------------------------------------------------------
// Small helpers

const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const deepEq = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const refName = (s) => s.$ref.replace("#/definitions/", "");
/** Deterministic pseudo-random hex from a seed, so re-runs write the same files. */
const seedHex = (seed, n) => {
  let out = "";
  for (let i = 0; out.length < n; i++) out += crypto.createHash("sha1").update(`${seed}/${i}`).digest("hex");
  return out.slice(0, n);
};
const seedInt = (seed, digits) => {
  const h = BigInt("0x" + seedHex(seed, 16));
  const lo = 10n ** BigInt(digits - 1);
  return Number(lo + (h % (9n * lo)));
};

// ---------------------------------------------------------------------------
// A JSON Schema (draft-07 subset used by the Octokit schema) validator.

const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i;
const URI = /^[a-z][a-z0-9+.-]*:[^\s"<>\\^`{|}]*$/i;
function formatOk(v, format) {
  if (format === "date-time") return DATE_TIME.test(v) && !Number.isNaN(Date.parse(v));
  if (format === "uri") return URI.test(v);
  if (format === "uri-template") return !/\s/.test(v);
  return true;
}
function typeOk(v, t) {
  switch (t) {
    case "null": return v === null;
    case "boolean": return typeof v === "boolean";
    case "integer": return Number.isInteger(v);
    case "number": return typeof v === "number";
    case "string": return typeof v === "string";
    case "array": return Array.isArray(v);
    case "object": return isObj(v);
  }
  return false;
}
function errors(v, s, p = "", out = []) {
  if (s === undefined || s === true) return out;
  if (s === false) { out.push(`${p}: not allowed`); return out; }
  if (s.$ref) return errors(v, D[refName(s)], p, out);
  if (s.type && ![].concat(s.type).some((t) => typeOk(v, t))) { out.push(`${p}: not ${s.type}`); return out; }
  if ("const" in s && !deepEq(v, s.const)) out.push(`${p}: not ${JSON.stringify(s.const)}`);
  if (s.enum && !s.enum.some((e) => deepEq(e, v))) out.push(`${p}: ${JSON.stringify(v)} not in enum`);
  for (const b of s.allOf || []) errors(v, b, p, out);
  if (s.anyOf && !s.anyOf.some((b) => errors(v, b).length === 0)) out.push(`${p}: no anyOf branch`);
  if (s.oneOf) {
    const n = s.oneOf.filter((b) => errors(v, b).length === 0).length;
    if (n !== 1) out.push(`${p}: ${n} oneOf branches match`);
  }
  if (isObj(v)) {
    for (const r of s.required || []) if (!(r in v)) out.push(`${p}: missing ${r}`);
    const props = s.properties || {};
    for (const [k, x] of Object.entries(v)) {
      if (k in props) errors(x, props[k], `${p}/${k}`, out);
      else if (s.additionalProperties === false) out.push(`${p}: ${k} not allowed`);
      else if (isObj(s.additionalProperties)) errors(x, s.additionalProperties, `${p}/${k}`, out);
    }
  }
  if (Array.isArray(v)) {
    if (isObj(s.items)) v.forEach((x, i) => errors(x, s.items, `${p}/${i}`, out));
    if (s.minItems != null && v.length < s.minItems) out.push(`${p}: too few items`);
    if (s.maxItems != null && v.length > s.maxItems) out.push(`${p}: too many items`);
  }
  if (typeof v === "string") {
    if (s.format && !formatOk(v, s.format)) out.push(`${p}: not a ${s.format}`);
    if (s.maxLength != null && v.length > s.maxLength) out.push(`${p}: too long`);
  }
  if (typeof v === "number") {
    if (s.minimum != null && v < s.minimum) out.push(`${p}: below minimum`);
    if (s.maximum != null && v > s.maximum) out.push(`${p}: above maximum`);
  }
  return out;
}
const valid = (v, s) => errors(v, s).length === 0;

// ---------------------------------------------------------------------------
// The events and actions the schema defines: one definition per pair.

const pairs = []; // {def, event, action}
for (const r of schema.oneOf) {
  const top = refName(r);
  const defs = D[top].oneOf && top.endsWith("_event") ? D[top].oneOf.map(refName) : [top];
  for (const def of defs) {
    const [event, action] = def.split("$");
    pairs.push({ def, event, action: action === "event" ? null : action });
  }
}

// ---------------------------------------------------------------------------
// Examples, by pair. The canonical repository comes first, so that values
// borrowed from other examples (a repository, a sender) are the same ones.

const CANON_REPO = "Codertocat/Hello-World";
const CANON_REPO_ID = 186853002;
const examplesOf = {}; // event -> [example]
for (const e of allExamples) examplesOf[e.name] = e.examples || [];
const rank = (x) =>
  (x.repository?.id === CANON_REPO_ID ? 0 : x.repository?.full_name === CANON_REPO ? 1 : 2) * 4 +
  (x.installation ? 1 : 0) + (x.organization ? 2 : 0);
function examplesFor(event, action) {
  const list = (examplesOf[event] || []).filter((x) => (action == null ? !("action" in x) || event === "repository_dispatch" : x.action === action));
  return list.map((x, i) => ({ x, i })).sort((a, b) => rank(a.x) - rank(b.x) || a.i - b.i).map((e) => e.x);
}

// Values seen in the examples: whole objects by the definition they were
// described with, and property values by "definition.property" and "*.property".
const refPool = {};
const propPool = {};
const addTo = (pool, key, v) => {
  const list = (pool[key] ||= []);
  const s = JSON.stringify(v);
  if (!list.some((x) => x.s === s)) list.push({ s, v });
};
function collect(v, s, def) {
  if (s === undefined || s === true || s === false || v === undefined) return;
  if (s.$ref) {
    const n = refName(s);
    if (v !== null) addTo(refPool, n, v);
    return collect(v, D[n], n);
  }
  for (const b of s.allOf || []) collect(v, b, def);
  for (const b of [...(s.oneOf || []), ...(s.anyOf || [])]) {
    if (!b.type || [].concat(b.type).some((t) => typeOk(v, t)) || b.$ref) collect(v, b, def);
  }
  if (isObj(v) && s.properties) {
    for (const [k, x] of Object.entries(v)) {
      addTo(propPool, `${def}.${k}`, x);
      addTo(propPool, `*.${k}`, x);
      if (s.properties[k]) collect(x, s.properties[k], def);
    }
  }
  if (Array.isArray(v) && isObj(s.items)) v.forEach((x) => collect(x, s.items, def));
}
{
  const all = [];
  for (const p of pairs) for (const x of examplesFor(p.event, p.action)) all.push([x, p.def]);
  // The canonical push first: its sender and repository are the ones borrowed.
  const canonFirst = (x) => (x === examplesFor("push", null).find((e) => e.repository.id === CANON_REPO_ID) ? -1 : rank(x));
  all.sort((a, b) => canonFirst(a[0]) - canonFirst(b[0]));
  for (const [x, def] of all) collect(x, D[def], def);
}

// ---------------------------------------------------------------------------
// Values for properties no example carries: chosen by hand where a made-up
// value would not look like GitHub's, keyed "definition.property" or "*.property".

const USER = "Codertocat";
const REPO_API = `https://api.github.com/repos/${CANON_REPO}`;
const REPO_HTML = `https://github.com/${CANON_REPO}`;
const HINTS = {
  "*.node_id": "MDQ6VXNlcjIxMDMxMDY3",
  "*.secret_type": "adafruit_io_key",
  "*.secret_type_display_name": "Adafruit IO Key",
  "*.secret": "aio_XKPS44ljTumgCzmxkfqvHEZ6hmQw",
  "*.resolution_comment": null,
  "*.push_protection_bypassed": false,
  "secret-scanning-alert.url": `${REPO_API}/secret-scanning/alerts/42`,
  "secret-scanning-alert.html_url": `${REPO_HTML}/security/secret-scanning/42`,
  "secret-scanning-alert.locations_url": `${REPO_API}/secret-scanning/alerts/42/locations`,
  "secret-scanning-alert.number": 42,
  "*.validity": "active",
  "*.publicly_leaked": false,
  "*.multi_repo": false,
  "*.target_type": "User",
  "*.environment": "production",
  "*.event": "push",
  "*.deployment_callback_url": `${REPO_API}/actions/runs/1234567890/deployment_protection_rule`,
  "org-custom-property.property_name": "environment",
  "org-custom-property.value_type": "single_select",
  "org-custom-property.required": true,
  "org-custom-property.default_value": "production",
  "org-custom-property.description": "Where the repository is deployed",
  "org-custom-property.allowed_values": ["production", "staging", "development"],
  "org-custom-property.values_editable_by": "org_actors",
  "custom-property-value.property_name": "environment",
  "*.property_name": "environment",
  "*.new_property_values": [{ property_name: "environment", value: "production" }],
  "*.old_property_values": [{ property_name: "environment", value: "staging" }],
  "*.fix_reason": "The vulnerable dependency was upgraded to a patched version.",
  "custom-property-value.value": "production",
  "*.path": "README.md",
  "*.blob_sha": "af5626b4a114abcb82d63db7c8082c3c4756e51b",
  "*.blob_url": `${REPO_API}/git/blobs/af5626b4a114abcb82d63db7c8082c3c4756e51b`,
  "*.commit_sha": "f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
  "*.commit_url": `${REPO_API}/git/commits/f95f852bd8fca8fcc58a9a2d6c842781e32a215e`,
  // The schema says only "string" and no example has one: wording of our own.
  "pull_request$dequeued.reason": "removed from the merge queue by a user",
  "pull_request$auto_merge_enabled.reason": "enabled by a user",
  "pull_request$auto_merge_disabled.reason": "disabled by a user",
  "*.start_line": 3,
  "*.end_line": 3,
  "*.start_column": 12,
  "*.end_column": 43,
};
function hint(def, prop) {
  for (const k of [`${def}.${prop}`, `*.${prop}`]) if (k in HINTS) return { v: clone(HINTS[k]) };
  return null;
}

// ---------------------------------------------------------------------------
// Conforming a value to a schema, and making one up where there is none.

const made = []; // made-up leaves, for the generator's own report
const borrowed = []; // values taken from another example by property name (GH_DEBUG=1 lists them)
function nullable(s) {
  if (s.type && [].concat(s.type).includes("null")) return true;
  if (s.enum && s.enum.includes(null)) return true;
  return (s.oneOf || s.anyOf || []).some((b) => b.type === "null" || (Array.isArray(b.type) && b.type.includes("null")));
}
const inProgress = new Set();
function fromRefPool(name) {
  if (inProgress.has(name)) return undefined;
  inProgress.add(name);
  try {
    for (const { v } of refPool[name] || []) {
      const c = conform(clone(v), D[name], { def: name, path: name });
      if (valid(c, D[name])) return c;
    }
  } finally {
    inProgress.delete(name);
  }
  return undefined;
}
function fromPropPool(cx, s) {
  if (!cx.prop) return undefined;
  for (const key of [`${cx.def}.${cx.prop}`, `*.${cx.prop}`]) {
    for (const { v } of propPool[key] || []) {
      if (v !== null && valid(v, s)) {
        if (process.env.GH_DEBUG) borrowed.push(`${cx.path} <- ${key} ${JSON.stringify(v).slice(0, 60)}`);
        return clone(v);
      }
    }
  }
  return undefined;
}
function gen(s, cx, whole = false) {
  if (s === undefined || s === true) return null;
  if (s.$ref) {
    const name = refName(s);
    const pooled = fromRefPool(name);
    if (pooled !== undefined) return pooled;
    return gen(D[name], { ...cx, def: name }, true);
  }
  const h = hint(cx.def, cx.prop);
  if (h && valid(h.v, s)) return h.v;
  if ("const" in s) return clone(s.const);
  if (nullable(s)) return null;
  if (s.enum) return clone(s.enum.find((e) => e !== null));
  if (s.allOf) {
    let v = gen(s.allOf[0], cx, whole);
    for (const b of s.allOf.slice(1)) v = conform(v, b, cx);
    return v;
  }
  if (s.oneOf || s.anyOf) {
    for (const b of s.oneOf || s.anyOf) {
      const v = gen(b, cx, whole);
      if (valid(v, s)) return v;
    }
  }
  const pooled = fromPropPool(cx, s);
  if (pooled !== undefined) return pooled;
  const t = [].concat(s.type || (s.properties ? "object" : "string")).find((x) => x !== "null");
  const prop = cx.prop || "";
  if (t === "object") {
    const o = {};
    const props = s.properties || {};
    const keys = whole ? Object.keys(props) : (s.required || []);
    for (const k of keys) o[k] = gen(props[k], { ...cx, prop: k, path: `${cx.path}.${k}` });
    return o;
  }
  made.push(`${cx.path} (${t}${s.format ? " " + s.format : ""})`);
  if (t === "array") {
    const n = s.minItems || 0;
    return Array.from({ length: n }, (_, i) => gen(s.items, { ...cx, path: `${cx.path}.${i}` }));
  }
  if (t === "boolean") return false;
  if (t === "integer" || t === "number") {
    if (prop === "id" || prop.endsWith("_id")) return seedInt(cx.path, 8);
    if (/count|total|size/.test(prop)) return 0;
    return s.minimum ?? 1;
  }
  // strings
  if (s.format === "date-time") return "2019-05-15T15:20:30Z";
  if (s.format === "uri" || s.format === "uri-template") {
    const what = prop.replace(/_url$/, "").replace(/_/g, "-");
    return prop === "html_url" ? REPO_HTML : `${REPO_API}/${what}`;
  }
  if (/sha$|_sha$|^commit_id$/.test(prop)) return seedHex(cx.path, 40);
  if (prop === "login") return USER;
  if (prop === "email") return "21031067+Codertocat@users.noreply.github.com";
  return prop ? prop.replace(/_/g, " ") : "example";
}
function conform(v, s, cx) {
  if (s === undefined || s === true) return v;
  if (s.$ref) {
    const name = refName(s);
    if (v === undefined) return gen(s, cx);
    return conform(v, D[name], { ...cx, def: name });
  }
  if (v === undefined) return gen(s, cx);
  if (s.allOf) {
    for (const b of s.allOf) v = conform(v, b, cx);
    const { allOf, ...rest } = s;
    return Object.keys(rest).some((k) => !["$schema", "title", "description", "tsAdditionalProperties"].includes(k)) ? conform(v, rest, cx) : v;
  }
  if (s.oneOf || s.anyOf) {
    if (valid(v, s)) return v;
    const branches = s.oneOf || s.anyOf;
    const fits = (b) => { const r = b.$ref ? D[refName(b)] : b; return !r.type || [].concat(r.type).some((t) => typeOk(v, t)); };
    for (const b of [...branches.filter(fits), ...branches.filter((b) => !fits(b))]) {
      const c = conform(clone(v), b, cx);
      if (valid(c, s)) return c;
    }
    return gen(s, cx);
  }
  const types = s.type ? [].concat(s.type) : null;
  if (types && !types.some((t) => typeOk(v, t))) {
    if (types.includes("integer") && typeof v === "string" && DATE_TIME.test(v)) return Math.floor(Date.parse(v) / 1000);
    if (types.includes("string") && typeof v === "number" && s.format === "date-time") return new Date(v * 1000).toISOString().replace(".000", "");
    return gen(s, cx);
  }
  if ("const" in s) return clone(s.const);
  if (s.enum && !s.enum.some((e) => deepEq(e, v))) return gen(s, cx);
  if (isObj(v) && (s.properties || s.required || s.additionalProperties !== undefined)) {
    const props = s.properties || {};
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      const sub = { ...cx, prop: k, path: `${cx.path}.${k}` };
      if (k in props) out[k] = conform(x, props[k], sub);
      else if (s.additionalProperties === false) continue;
      else if (isObj(s.additionalProperties)) out[k] = conform(x, s.additionalProperties, sub);
      else out[k] = x;
    }
    for (const r of s.required || []) {
      if (!(r in out)) out[r] = gen(props[r] ?? (isObj(s.additionalProperties) ? s.additionalProperties : undefined), { ...cx, prop: r, path: `${cx.path}.${r}` });
    }
    return out;
  }
  if (Array.isArray(v)) {
    let arr = isObj(s.items) ? v.map((x, i) => conform(x, s.items, { ...cx, path: `${cx.path}.${i}` })) : v;
    if (s.maxItems != null) arr = arr.slice(0, s.maxItems);
    while (s.minItems && arr.length < s.minItems) arr.push(gen(s.items, { ...cx, path: `${cx.path}.${arr.length}` }));
    return arr;
  }
  if (typeof v === "string") {
    if (s.format && !formatOk(v, s.format)) return gen(s, cx);
    if (s.maxLength != null && v.length > s.maxLength) return v.slice(0, s.maxLength);
  }
  if (typeof v === "number") {
    if (s.minimum != null && v < s.minimum) return s.minimum;
    if (s.maximum != null && v > s.maximum) return s.maximum;
  }
  return v;
}


// ---------------------------------------------------------------------------
// Choosing the starting example of each pair.

const get = (o, p) => p.split(".").reduce((x, k) => (x == null ? undefined : x[k]), o);
function put(o, p, v) {
  const ks = p.split(".");
  let x = o;
  for (const k of ks.slice(0, -1)) x = x[k] ??= {};
  x[ks.at(-1)] = v;
}
const ZERO_SHA = "0".repeat(40);

/** Starting points other than "the first example of the pair". */
const START = {
  // A push of one commit to the default branch (the package's other pushes are tag pushes and deletions).
  push: () => examplesFor("push", null).find((x) => x.ref === "refs/heads/master" && x.commits.length),
  // The Codertocat example carries the whole run; requested and in_progress are the same run earlier on.
  "check_run$completed": () => examplesFor("check_run", "completed").find((x) => x.check_run.conclusion === "success"),
  "workflow_run$requested": () => examplesFor("workflow_run", "completed")[0],
  "workflow_run$in_progress": () => examplesFor("workflow_run", "completed")[0],
  "registry_package$published": () => renameKey(examplesFor("package", "published")[0], "package", "registry_package"),
  "registry_package$updated": () => renameKey(examplesFor("package", "published")[0], "package", "registry_package"),
};
const OWN_EXAMPLE = new Set(["push", "check_run$completed"]);
function renameKey(x, from, to) {
  return Object.fromEntries(Object.entries(x).map(([k, v]) => [k === from ? to : k, v]));
}

const MERGED_AT = "2019-05-15T15:28:41Z";
const ON_MASTER_RUN = { "check_run.check_suite.head_branch": "master", "check_run.check_suite.pull_requests": [], "check_run.pull_requests": [] };
const CODERTOCAT = { name: "Codertocat", email: "21031067+Codertocat@users.noreply.github.com" };
const CI_RUN = {
  "workflow_run.event": "push",
  "workflow_run.head_branch": "master",
  "workflow_run.name": "CI",
  "workflow_run.display_title": "Update README.md",
  "workflow_run.path": ".github/workflows/ci.yml",
  "workflow_run.head_commit.message": "Update README.md",
  "workflow_run.head_commit.author": CODERTOCAT,
  "workflow_run.head_commit.committer": CODERTOCAT,
  "workflow.name": "CI",
  "workflow.path": ".github/workflows/ci.yml",
  "workflow.badge_url": `${REPO_HTML}/workflows/CI/badge.svg`,
  "workflow.html_url": `${REPO_HTML}/blob/master/.github/workflows/ci.yml`,
};
/** Values set before conforming, where the example or its sibling says otherwise. */
const PATCH = {
  push: {
    created: false,
    before: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
    compare: `${REPO_HTML}/compare/f95f852bd8fca8fcc58a9a2d6c842781e32a215e...6113728f27ae82c7b1a177c8d03f9e96e0adf246`,
    "head_commit.message": "Update README.md",
    "commits.0.message": "Update README.md",
    "head_commit.added": [],
    "head_commit.modified": ["README.md"],
    "commits.0.added": [],
    "commits.0.modified": ["README.md"],
  },
  "pull_request$closed": {
    "pull_request.merged": true,
    "pull_request.merged_at": MERGED_AT,
    "pull_request.closed_at": MERGED_AT,
    "pull_request.mergeable": null,
    "pull_request.rebaseable": null,
    "pull_request.mergeable_state": "unknown",
    "pull_request.merged_by": (x) => x.sender,
  },
  "pull_request_review$submitted": { "review.state": "approved" },
  "installation_target$renamed": { changes: { login: { from: "Codertocat-old" } } },
  "milestone$edited": { changes: { description: { from: "Tracking milestone for version 1.0" } } },
  "sponsorship$edited": { changes: { privacy_level: { from: "public" } } },
  "project_card$converted": { changes: { note: { from: "Add a README" } } },
  "project_card$edited": { changes: { note: { from: "Add a README" } } },
  "pull_request$edited": { changes: { title: { from: "Update the README" } } },
  "pull_request$auto_merge_enabled": {
    "pull_request.auto_merge": (x) => ({ enabled_by: x.sender, merge_method: "squash", commit_title: "Update the README with new information. (#2)", commit_message: "" }),
  },
  ping: { "hook.deliveries_url": (x) => `${REPO_API}/hooks/${x.hook_id}/deliveries` },
  // The issue flow's order: opened, commented on, labeled, assigned, closed.
  "issues$opened": { "issue.labels": [], "issue.assignee": null, "issue.assignees": [] },
  "issue_comment$created": { "issue.labels": [], "issue.assignee": null, "issue.assignees": [], "issue.comments": 1 },
  "issues$labeled": { "issue.assignee": null, "issue.assignees": [], "issue.comments": 1 },
  "issues$assigned": { "issue.comments": 1 },
  "issues$closed": { "issue.state": "closed", "issue.closed_at": "2019-05-15T15:25:00Z", "issue.state_reason": "completed", "issue.comments": 1 },
  // The push-ci flow: a push to master, no pull request, Actions' "CI" workflow.
  "check_run$created": ON_MASTER_RUN,
  "check_run$completed": ON_MASTER_RUN,
  "check_suite$completed": { "check_suite.head_branch": "master", "check_suite.pull_requests": [] },
  "workflow_run$requested": { ...CI_RUN, "workflow_run.status": "queued", "workflow_run.conclusion": null, action: "requested" },
  "workflow_run$in_progress": { ...CI_RUN, "workflow_run.status": "in_progress", "workflow_run.conclusion": null, action: "in_progress" },
  "workflow_run$completed": { ...CI_RUN, "workflow_run.status": "completed", "workflow_run.conclusion": "success" },
};

// Events whose examples are moved onto the canonical repository, so that a
// flow's steps all happen in one repository.
const REBASE = new Set([
  "ping", "push", "check_suite", "check_run", "workflow_run", "workflow_job", "status",
  "pull_request", "pull_request_review", "pull_request_review_comment", "pull_request_review_thread",
  "issues", "issue_comment",
]);
function canonicalRepository() {
  return clone(examplesFor("push", null).find((x) => x.repository.id === CANON_REPO_ID).repository);
}
function rebase(x) {
  const canon = canonicalRepository();
  const moved = new Map(); // full_name -> repo-like object
  (function find(o) {
    if (Array.isArray(o)) return o.forEach(find);
    if (!isObj(o)) return;
    if (typeof o.full_name === "string" && Number.isInteger(o.id) && isObj(o.owner) &&
        (o.full_name !== CANON_REPO || o.id !== CANON_REPO_ID)) moved.set(o.full_name, o);
    Object.values(o).forEach(find);
  })(x);
  if (!moved.size) return x;
  const owners = new Map([...moved.values()].map((r) => [r.owner.login, r.owner]));
  const ids = new Map();
  for (const r of moved.values()) { ids.set(r.id, canon.id); ids.set(r.owner.id, canon.owner.id); }
  const nodeIds = new Map();
  for (const r of moved.values()) { nodeIds.set(r.node_id, canon.node_id); nodeIds.set(r.owner.node_id, canon.owner.node_id); }
  const str = (s) => {
    for (const full of moved.keys()) s = s.split(`/${full}/`).join(`/${CANON_REPO}/`).replace(new RegExp(`/${full.replace(/[.]/g, "\\.")}$`), `/${CANON_REPO}`);
    for (const login of owners.keys()) s = s.replace(new RegExp(`(github\\.com/(?:users/)?|api\\.github\\.com/(?:users|orgs)/)${login}(?=$|[/{?])`), `$1${canon.owner.login}`);
    return nodeIds.get(s) ?? s;
  };
  const walk = (o, key) => {
    if (Array.isArray(o)) return o.map((v) => walk(v));
    if (isObj(o)) {
      if (typeof o.full_name === "string" && moved.has(o.full_name)) {
        o = { ...o, name: canon.name, full_name: CANON_REPO };
        o.owner = Object.fromEntries(Object.keys(o.owner).map((k) => [k, k in canon.owner ? canon.owner[k] : o.owner[k]]));
      }
      if (isObj(o) && typeof o.login === "string" && owners.has(o.login)) {
        o = Object.fromEntries(Object.keys(o).map((k) => [k, k in canon.owner ? canon.owner[k] : o[k]]));
      }
      return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, walk(v, k)]));
    }
    if (Number.isInteger(o) && (key === "id" || key?.endsWith("_id")) && ids.has(o)) return ids.get(o);
    if (typeof o === "string") return str(o);
    return o;
  };
  const out = walk(x);
  // A user-owned repository has no organization.
  if (out.organization && canon.owner.type === "User") delete out.organization;
  if (out.repository) out.repository = { ...conformTo(canon, out.repository) };
  return out;
}
/** The canonical repository, with the properties the example's repository has (in the schema's shape later). */
function conformTo(canon, like) {
  const out = {};
  for (const k of Object.keys(like)) out[k] = k in canon ? canon[k] : like[k];
  return out;
}

// Deliveries that only a GitHub App receives keep their `installation`;
// every other sample is a repository or organization webhook's, without one.
const APP_ONLY = new Set([
  "check_suite$requested", "check_suite$rerequested", "check_run$requested_action", "check_run$rerequested",
  "github_app_authorization$revoked",
]);

for (const a of ["created", "deleted", "edited", "prereleased", "published", "released", "unpublished"]) {
  PATCH[`release$${a}`] = {
    ...PATCH[`release$${a}`],
    "release.name": (x) => x.release.name ?? `v${x.release.tag_name}`,
    "release.body": (x) => x.release.body ?? "The first release of Hello-World.",
  };
}

function startFor(p) {
  const key = p.action ? `${p.event}$${p.action}` : p.event;
  let from = "example";
  let x = START[key]?.() ?? START[p.def]?.();
  if (x) from = OWN_EXAMPLE.has(key) ? "example" : "adapted";
  if (!x) x = examplesFor(p.event, p.action)[0];
  if (!x) {
    x = examplesFor(p.event, undefined).find(() => true) ?? (examplesOf[p.event] || [])[0];
    from = x ? "adapted" : "schema";
    x = x ? { ...x, action: p.action } : { action: p.action };
  }
  if (from === "schema") {
    // Real deliveries carry every property the event describes, not only the required ones.
    const d = D[p.def];
    const skip = ["installation", "enterprise", ...((d.required || []).includes("organization") ? [] : ["organization"])];
    for (const [k, sub] of Object.entries(d.properties || {})) {
      if (!(k in x) && !skip.includes(k)) x[k] = gen(sub, { def: p.def, prop: k, path: `${p.def.replace("$", ".")}.${k}` });
    }
  }
  x = clone(x);
  if (REBASE.has(p.event)) x = rebase(x);
  for (const [k, v] of Object.entries(PATCH[p.def] ?? PATCH[key] ?? {})) put(x, k, clone(typeof v === "function" ? v(x) : v));
  const keepInstallation = APP_ONLY.has(p.def) || (D[p.def].required || []).includes("installation") ||
    ["installation", "installation_repositories", "installation_target", "security_advisory"].includes(p.event);
  if (!keepInstallation) delete x.installation;
  return { x, from, keepInstallation };
}

// The schema's one self-contradiction: `secret-scanning-location` has
// `additionalProperties: false` beside a `oneOf` and no `properties`, so no
// location with any property validates. Generation reads it without that
// keyword (the tests do the same, and say so); the copied schema is untouched.
const SCHEMA_FIXES = [["secret-scanning-location", "additionalProperties"]];
for (const [def, key] of SCHEMA_FIXES) delete D[def][key];

// ---------------------------------------------------------------------------
// Fresh values: ids of the main object, its timestamps and the head commit are
// new at every send. Values that must agree across a send or a flow are
// entities (`{@name}` in _entities.json).

const ENTITIES = {};
const idTemplate = (v) => { const t = String(v); return t.length > 1 ? `${t[0]}{digits:${t.length - 1}}` : "{digits:1}"; };
function entity(name, template) {
  ENTITIES[name] ??= template;
  return `{@${name}}`;
}
// The object each event is about, and the entity naming its id.
const MAIN = {
  branch_protection_rule: ["rule", "branch_protection_rule_id"],
  check_run: ["check_run", "check_run_id"],
  check_suite: ["check_suite", "check_suite_id"],
  code_scanning_alert: ["alert", null],
  commit_comment: ["comment", "commit_comment_id"],
  dependabot_alert: ["alert", null],
  deploy_key: ["key", "deploy_key_id"],
  deployment: ["deployment", "deployment_id"],
  deployment_protection_rule: ["deployment", "deployment_id"],
  deployment_status: ["deployment_status", "deployment_status_id"],
  discussion: ["discussion", "discussion_id"],
  discussion_comment: ["comment", "discussion_comment_id"],
  fork: ["forkee", "fork_id"],
  installation: ["installation", null],
  issue_comment: ["comment", "issue_comment_id"],
  issues: ["issue", "issue_id"],
  label: ["label", "label_id"],
  marketplace_purchase: ["marketplace_purchase", null],
  merge_group: ["merge_group", null],
  milestone: ["milestone", "milestone_id"],
  package: ["package", "package_id"],
  page_build: ["build", null],
  project: ["project", "project_id"],
  project_card: ["project_card", "project_card_id"],
  project_column: ["project_column", "project_column_id"],
  projects_v2_item: ["projects_v2_item", "projects_v2_item_id"],
  pull_request: ["pull_request", "pr_id"],
  pull_request_review: ["review", "pull_request_review_id"],
  pull_request_review_comment: ["comment", "pull_request_review_comment_id"],
  registry_package: ["registry_package", "registry_package_id"],
  release: ["release", "release_id"],
  repository_vulnerability_alert: ["alert", "repository_vulnerability_alert_id"],
  secret_scanning_alert: ["alert", null],
  secret_scanning_alert_location: ["alert", null],
  sponsorship: ["sponsorship", null],
  star: ["", null],
  status: ["", "status_id"],
  team: ["team", null],
  workflow_job: ["workflow_job", "workflow_job_id"],
  workflow_run: ["workflow_run", "workflow_run_id"],
};
const TIME_KEYS = ["created_at", "updated_at", "closed_at", "merged_at", "submitted_at", "started_at", "completed_at",
  "run_started_at", "pushed_at", "published_at", "dismissed_at", "fixed_at", "resolved_at", "answer_chosen_at", "starred_at",
  "effective_date"];
const HEAD_SHA_AT = {
  check_run: "check_run.head_sha", check_suite: "check_suite.head_sha", workflow_run: "workflow_run.head_sha",
  workflow_job: "workflow_job.head_sha", push: "after", status: "sha", merge_group: "merge_group.head_sha",
  deployment: "deployment.sha", deployment_status: "deployment.sha", commit_comment: "comment.commit_id",
};
const SHA = /^[0-9a-f]{40}$/;
/** Dotted paths of every leaf: [path, key, value]. */
function leaves(v, p = [], out = []) {
  if (Array.isArray(v)) v.forEach((x, i) => leaves(x, [...p, String(i)], out));
  else if (isObj(v)) for (const [k, x] of Object.entries(v)) leaves(x, [...p, k], out);
  else out.push([p, p.at(-1), v]);
  return out;
}
function freshFor(p, body) {
  const nums = []; // [value, template, (path, key) => applies]
  const strs = []; // [RegExp, replacement]
  const idEverywhere = (v, name) => {
    if (!Number.isInteger(v) || String(v).length < 5) return;
    const t = entity(name, idTemplate(v));
    nums.push([v, t, (_path, key) => key === "id" || key.endsWith("_id")]);
    strs.push([new RegExp(`(?<![0-9])${v}(?![0-9])`, "g"), t]);
  };
  const numberAt = (paths, v, t, urlParts) => {
    nums.push([v, t, (path) => paths.includes(path)]);
    strs.push([new RegExp(`(/(?:${urlParts})/)${v}(?![0-9])`, "g"), `$1${t}`]);
  };
  const isPr = p.event.startsWith("pull_request") && isObj(body.pull_request);
  if (isPr) {
    numberAt(["number", "pull_request.number"], body.pull_request.number, entity("pr_number", "1{digits:3}"), "pulls|pull|issues");
    idEverywhere(body.pull_request.id, "pr_id");
  }
  if ((p.event === "issues" || p.event === "issue_comment") && isObj(body.issue)) {
    numberAt(["issue.number"], body.issue.number, entity("issue_number", "1{digits:3}"), "issues");
    idEverywhere(body.issue.id, "issue_id");
  }
  const suite = get(body, "check_suite.id") ?? get(body, "check_run.check_suite.id") ?? get(body, "workflow_run.check_suite_id");
  if (suite) idEverywhere(suite, "check_suite_id");
  const run = get(body, "workflow_run.id") ?? get(body, "workflow_job.run_id");
  if (run) idEverywhere(run, "workflow_run_id");
  const [mainKey, mainEntity] = MAIN[p.event] ?? [null, null];
  const main = mainKey === "" ? body : mainKey ? body[mainKey] : null;
  if (isObj(main) && mainEntity && Number.isInteger(main.id)) idEverywhere(main.id, mainEntity);
  const headSha = get(body, isPr ? "pull_request.head.sha" : HEAD_SHA_AT[p.event] ?? "-");
  if (typeof headSha === "string" && SHA.test(headSha) && headSha !== ZERO_SHA) strs.push([new RegExp(headSha, "g"), entity("head_sha", "{hex:40}")]);
  if (Number.isInteger(get(body, "installation.id"))) nums.push([body.installation.id, entity("installation_id", "4{digits:7}"), (path) => path === "installation.id"]);

  const fresh = {};
  for (const [parts, key, v] of leaves(body)) {
    const at = parts.join(".");
    if (typeof v === "number") {
      const hit = nums.find(([n, , applies]) => n === v && applies(at, key));
      if (hit) fresh[at] = hit[1];
    } else if (typeof v === "string") {
      let t = v;
      for (const [re, rep] of strs) t = t.replace(re, rep);
      if (t !== v) fresh[at] = t;
    }
  }
  // Timestamps of the main object (and of a push's commits).
  const stamp = (at, v) => {
    if (typeof v === "string" && DATE_TIME.test(v)) fresh[at] ??= "{iso}";
    else if (Number.isInteger(v) && v > 1e9) fresh[at] ??= "{unix}";
  };
  if (isObj(main)) {
    const prefix = mainKey ? `${mainKey}.` : "";
    for (const k of TIME_KEYS) if (k in main) stamp(prefix + k, main[k]);
    if (isObj(main.head_commit)) stamp(`${prefix}head_commit.timestamp`, main.head_commit.timestamp);
  }
  // A push to a pull request's branch moves its head from the commit before.
  if (p.def === "pull_request$synchronize" && SHA.test(body.before)) fresh.before = entity("previous_head_sha", "{hex:40}");
  if (p.event === "push") {
    body.commits.forEach((c, i) => stamp(`commits.${i}.timestamp`, c.timestamp));
    if (body.head_commit) stamp("head_commit.timestamp", body.head_commit.timestamp);
    stamp("repository.pushed_at", body.repository.pushed_at);
  }
  for (const k of Object.keys(fresh)) {
    if (k.split(".").some((seg) => seg === "")) throw new Error(`${p.def}: path ${k} cannot be written dotted`);
    if (/\{(?:unix|unix_ms|iso|iso_ms|id|uuid)\}|\{(?:hex|digits|alnum|ALNUM|base62):/.test(String(get(body, k)))) {
      throw new Error(`${p.def}: ${k} already holds a generator token`);
    }
  }
  return fresh;
}

// ---------------------------------------------------------------------------
// Headers: GitHub names the event and the hook that sent it. hookcli's
// provider adds X-GitHub-Delivery, User-Agent, Accept and Content-Type.

const pingExample = examplesFor("ping", null).find((x) => x.hook?.type === "Repository");
const REPO_HOOK_ID = pingExample.hook_id;
const ORG_HOOK_ID = examplesFor("ping", null).find((x) => x.hook?.type === "Organization")?.hook?.id ?? REPO_HOOK_ID + 1;
const appInstall = examplesFor("installation", "created")[0].installation;
const APP_ID = appInstall.app_id;
const APP_HOOK_ID = seedInt("app-hook", 9);
const ORG_EVENTS = new Set(["organization", "org_block", "membership", "team", "projects_v2_item", "custom_property", "custom_property_values"]);
function headersFor(p, body, app) {
  let type;
  let id;
  let hook = REPO_HOOK_ID;
  if (app || p.event === "github_app_authorization") {
    type = "integration"; id = APP_ID; hook = APP_HOOK_ID;
  } else if (p.event === "marketplace_purchase") {
    type = "marketplace::listing"; id = body.marketplace_purchase.plan.id; hook = seedInt("marketplace-hook", 9);
  } else if (p.event === "sponsorship") {
    type = "sponsors_listing"; id = body.sponsorship.sponsorable.id; hook = seedInt("sponsors-hook", 9);
  } else if (p.event === "ping" && body.hook?.type === "Organization") {
    type = "organization"; id = body.organization.id; hook = body.hook_id;
  } else if (isObj(body.organization) && (ORG_EVENTS.has(p.event) || !isObj(body.repository))) {
    type = "organization"; id = body.organization.id; hook = ORG_HOOK_ID;
  } else if (isObj(body.repository)) {
    type = "repository"; id = body.repository.id;
  } else {
    type = "integration"; id = APP_ID; hook = APP_HOOK_ID;
  }
  if (p.event === "ping" || p.event === "meta") hook = body.hook_id;
  return {
    "X-GitHub-Event": p.event,
    "X-GitHub-Hook-ID": String(hook),
    "X-GitHub-Hook-Installation-Target-ID": String(id),
    "X-GitHub-Hook-Installation-Target-Type": type,
  };
}

// ---------------------------------------------------------------------------
// One line per pair, in our words.

const NOUN = {
  branch_protection_configuration: "Branch protection for the whole repository",
  branch_protection_rule: "A branch protection rule",
  check_run: "A check run",
  check_suite: "A check suite",
  code_scanning_alert: "A code scanning alert",
  commit_comment: "A comment on a commit",
  custom_property: "An organization's custom property",
  custom_property_values: "A repository's custom property values",
  dependabot_alert: "A Dependabot alert",
  deploy_key: "A deploy key",
  deployment: "A deployment",
  deployment_protection_rule: "A deployment protection rule check",
  deployment_review: "A deployment review",
  deployment_status: "A deployment status",
  discussion: "A discussion",
  discussion_comment: "A discussion comment",
  github_app_authorization: "A user's authorization of the GitHub App",
  installation: "A GitHub App installation",
  installation_repositories: "Repositories of a GitHub App installation",
  installation_target: "The account a GitHub App is installed on",
  issue_comment: "A comment on an issue or pull request",
  issues: "An issue",
  label: "A label",
  marketplace_purchase: "A GitHub Marketplace plan purchase",
  member: "A repository collaborator",
  membership: "A team membership",
  merge_group: "A merge queue group",
  meta: "The webhook itself",
  milestone: "A milestone",
  org_block: "A user's block by the organization",
  organization: "The organization",
  package: "A GitHub Packages package",
  project: "A classic project",
  project_card: "A classic project card",
  project_column: "A classic project column",
  projects_v2_item: "A project (v2) item",
  pull_request: "A pull request",
  pull_request_review: "A pull request review",
  pull_request_review_comment: "A pull request review comment",
  pull_request_review_thread: "A pull request review thread",
  registry_package: "A registry package",
  release: "A release",
  repository: "The repository",
  repository_vulnerability_alert: "A (legacy) vulnerability alert",
  secret_scanning_alert: "A secret scanning alert",
  secret_scanning_alert_location: "A new location of a secret scanning alert's secret",
  security_advisory: "A GitHub security advisory",
  sponsorship: "A sponsorship",
  star: "The repository's star",
  team: "A team",
  watch: "The repository",
  workflow_job: "A GitHub Actions workflow job",
  workflow_run: "A GitHub Actions workflow run",
};
const DESCRIBE = {
  create: "A branch or tag was created.",
  delete: "A branch or tag was deleted.",
  fork: "The repository was forked.",
  gollum: "Wiki pages were created or updated.",
  page_build: "A GitHub Pages build finished.",
  ping: "The webhook was created: GitHub's first delivery, to test the endpoint.",
  public: "The repository was made public.",
  push: "One commit was pushed to the default branch.",
  repository_dispatch: "A client asked for a custom `repository_dispatch` event (the action is its event_type).",
  repository_import: "A repository import finished.",
  status: "A commit status was reported.",
  team_add: "A team was given access to the repository.",
  workflow_dispatch: "Somebody ran a workflow by hand.",
  "branch_protection_configuration.disabled": "Branch protection was turned off for every branch of the repository.",
  "branch_protection_configuration.enabled": "Branch protection was turned on for every branch of the repository.",
  "check_run.requested_action": "Somebody clicked a button the check run offered (requested_action).",
  "check_run.rerequested": "Somebody asked for the check run to run again.",
  "check_suite.requested": "New code was pushed: the GitHub App is asked to run its checks.",
  "check_suite.rerequested": "Somebody asked for every check of the suite to run again.",
  "code_scanning_alert.appeared_in_branch": "A code scanning alert appeared in another branch.",
  "code_scanning_alert.closed_by_user": "Somebody closed a code scanning alert.",
  "code_scanning_alert.fixed": "A code scanning alert was fixed by a change to the code.",
  "code_scanning_alert.reopened_by_user": "Somebody reopened a code scanning alert.",
  "custom_property_values.updated": "A repository's custom property values were changed.",
  "deployment_protection_rule.requested": "A deployment waits for a custom protection rule to approve it.",
  "deployment_review.requested": "A deployment to a protected environment waits for a reviewer.",
  "installation.new_permissions_accepted": "The installation accepted the GitHub App's new permissions.",
  "installation.suspend": "The GitHub App installation was suspended.",
  "installation.unsuspend": "The GitHub App installation was unsuspended.",
  "installation_repositories.added": "Repositories were added to a GitHub App installation.",
  "installation_repositories.removed": "Repositories were removed from a GitHub App installation.",
  "installation_target.renamed": "The account a GitHub App is installed on was renamed.",
  "marketplace_purchase.pending_change": "A Marketplace plan change was scheduled for the end of the billing cycle.",
  "marketplace_purchase.pending_change_cancelled": "A scheduled Marketplace plan change was cancelled.",
  "member.added": "A collaborator was added to the repository.",
  "member.edited": "A collaborator's permissions were changed.",
  "member.removed": "A collaborator was removed from the repository.",
  "membership.added": "A user was added to a team.",
  "membership.removed": "A user was removed from a team.",
  "merge_group.checks_requested": "A merge queue group waits for its required checks.",
  "merge_group.destroyed": "A merge queue group was merged, invalidated or dequeued.",
  "meta.deleted": "This webhook was deleted.",
  "org_block.blocked": "The organization blocked a user.",
  "org_block.unblocked": "The organization unblocked a user.",
  "organization.deleted": "The organization was deleted.",
  "organization.member_added": "A member joined the organization.",
  "organization.member_invited": "Somebody was invited to the organization.",
  "organization.member_removed": "A member left or was removed from the organization.",
  "organization.renamed": "The organization was renamed.",
  "pull_request.auto_merge_disabled": "Auto-merge was turned off for a pull request.",
  "pull_request.auto_merge_enabled": "Auto-merge was turned on for a pull request.",
  "pull_request.closed": "A pull request was merged and closed.",
  "pull_request.dequeued": "A pull request left the merge queue.",
  "pull_request.enqueued": "A pull request was added to the merge queue.",
  "pull_request.review_request_removed": "A review request on a pull request was withdrawn.",
  "pull_request.review_requested": "A review was requested on a pull request.",
  "pull_request.synchronize": "New commits were pushed to a pull request's head branch.",
  "repository_vulnerability_alert.create": "A vulnerable dependency was found (legacy vulnerability alert).",
  "repository_vulnerability_alert.dismiss": "A (legacy) vulnerability alert was dismissed.",
  "repository_vulnerability_alert.reopen": "A (legacy) vulnerability alert was reopened.",
  "repository_vulnerability_alert.resolve": "A (legacy) vulnerability alert was resolved.",
  "secret_scanning_alert_location.created": "Secret scanning found an alert's secret in another place.",
  "security_advisory.performed": "GitHub finished a security advisory's scan for affected repositories.",
  "sponsorship.pending_cancellation": "A sponsorship will be cancelled at the end of its billing cycle.",
  "sponsorship.pending_tier_change": "A sponsorship will change tier at the end of its billing cycle.",
  "sponsorship.tier_changed": "A sponsorship changed tier.",
  "star.created": "Somebody starred the repository.",
  "star.deleted": "Somebody unstarred the repository.",
  "team.added_to_repository": "A team was given access to the repository.",
  "team.removed_from_repository": "A team lost access to the repository.",
  "watch.started": "Somebody starred the repository (the legacy `watch` event).",
  "workflow_job.queued": "A workflow job was queued.",
  "workflow_job.waiting": "A workflow job waits for an environment's protection rules.",
  "workflow_run.requested": "A workflow run was requested.",
  "workflow_run.in_progress": "A workflow run started.",
  "workflow_run.completed": "A workflow run finished successfully.",
};
const ACTION_WORDS = { create: "created", dismiss: "dismissed", reopen: "reopened", resolve: "resolved" };
function describe(p, name) {
  if (DESCRIBE[name]) return DESCRIBE[name];
  if (DESCRIBE[p.event]) return DESCRIBE[p.event];
  const noun = NOUN[p.event];
  if (!noun) throw new Error(`no description for ${name}`);
  const words = ACTION_WORDS[p.action] ?? p.action.replace(/_/g, " ");
  return `${noun} was ${words}.`;
}

// The action `--event EVENT` picks.
const PRIMARY_ORDER = ["opened", "published", "submitted", "created", "completed", "started", "added", "requested",
  "purchased", "blocked", "member_added", "enabled", "updated", "checks_requested", "resolved", "revoked", "renamed", "deleted"];
const PRIMARY = { check_run: "completed", check_suite: "completed", workflow_job: "completed", workflow_run: "completed", release: "published" };
function primaryAction(event) {
  const actions = pairs.filter((p) => p.event === event && p.action).map((p) => p.action);
  if (!actions.length) return null;
  return PRIMARY[event] ?? PRIMARY_ORDER.find((a) => actions.includes(a)) ?? actions[0];
}

// ---------------------------------------------------------------------------
// Rendering as hookcli does, to check fresh values keep the body valid.

function expand(template, session) {
  return template.replace(/\{([^{}]*)\}/g, (whole, token) => {
    if (token.startsWith("@")) {
      const name = token.slice(1);
      if (!(name in ENTITIES)) return whole;
      return (session[name] ??= expand(ENTITIES[name], session));
    }
    const [g, n] = token.split(":");
    const rnd = (alphabet) => Array.from({ length: Number(n) }, () => alphabet[crypto.randomInt(alphabet.length)]).join("");
    switch (g) {
      case "unix": return String(Math.floor(Date.now() / 1000));
      case "iso": return new Date().toISOString().replace(/\.\d+Z$/, "Z");
      case "hex": return rnd("0123456789abcdef");
      case "digits": return rnd("0123456789");
      default: return whole;
    }
  });
}
function render(fx, session = {}) {
  const body = clone(fx.body);
  for (const [at, t] of Object.entries(fx.fresh)) {
    const old = get(body, at);
    const v = expand(t, session);
    put(body, at, typeof old === "number" && /^-?\d+$/.test(v) ? Number(v) : v);
  }
  return body;
}

// ---------------------------------------------------------------------------
// Building every fixture.

const source = (from, p) => {
  const name = p.action ? `${p.event}.${p.action}` : p.event;
  if (from === "example") return `${EXAMPLES_ID} (${name} example), to ${SCHEMA_ID} ${p.def}`;
  if (from === "adapted") return `${SCHEMA_ID} ${p.def}, from an ${EXAMPLES_ID} example of ${p.event}`;
  return `${SCHEMA_ID} ${p.def} (no example: built from the schema)`;
};
const fixtures = [];
for (const p of pairs) {
  const { x, from, keepInstallation } = startFor(p);
  made.length = 0;
  const body = conform(x, D[p.def], { def: p.def, path: p.def.replace("$", ".") });
  const errs = errors(body, D[p.def]);
  if (errs.length) throw new Error(`${p.def} does not validate: ${errs.slice(0, 5).join("; ")}`);
  const action = typeof body.action === "string" ? body.action : null;
  const name = action ? `${p.event}.${action}` : p.event;
  const fx = {
    event: name,
    description: describe(p, name),
    source: source(from, p),
    ...(action && (!p.action || primaryAction(p.event) === p.action) ? { primary: true } : {}),
    content_type: "application/json",
    style: "compact",
    headers: headersFor(p, body, keepInstallation && isObj(body.installation)),
    fresh: freshFor(p, body),
    body,
  };
  for (let i = 0; i < 3; i++) {
    const e = errors(render(fx), D[p.def]);
    if (e.length) throw new Error(`${name}: a rendered body does not validate: ${e.slice(0, 5).join("; ")}`);
  }
  fixtures.push({ p, fx, made: [...made] });
}

// ---------------------------------------------------------------------------
// Flows: what one real piece of work sends, in order.

const byName = Object.fromEntries(fixtures.map(({ fx }) => [fx.event, fx]));
/** `set` edits giving a step an earlier head commit than the flow's `{@head_sha}` (edits may name entities). */
function earlierHead(event, sha, extra = {}) {
  const set = {};
  for (const [at, t] of Object.entries(byName[event].fresh)) {
    if (!t.includes("{@head_sha}")) continue;
    const rest = t.replaceAll("{@head_sha}", "");
    if (/\{[@a-z]/i.test(rest.replace(/\{\/[a-z_]+\}|\{[a-z_]+\}/g, ""))) throw new Error(`${event}: ${at} mixes the head sha with other fresh values`);
    set[at] = t.replaceAll("{@head_sha}", sha);
  }
  return { event, set: { ...set, ...extra } };
}
const flows = {
  source: `${EXAMPLES_ID} examples conformed to ${SCHEMA_ID}; order as GitHub sends them`,
  flows: [
    {
      name: "pull-request",
      description: "A pull request's life: opened, a second push to its branch, an approving review, merged.",
      steps: [
        // Opened on the commit the synchronize push moves away from.
        earlierHead("pull_request.opened", "{@previous_head_sha}"),
        { event: "pull_request.synchronize" },
        { event: "pull_request_review.submitted" },
        { event: "pull_request.closed" },
      ],
    },
    {
      name: "push-ci",
      description: "A push to the default branch and the CI it starts: the check suite, a check run and an Actions workflow run, to success.",
      steps: [
        { event: "push" },
        { event: "check_suite.requested" },
        { event: "check_run.created" },
        { event: "workflow_run.requested" },
        { event: "workflow_run.in_progress" },
        { event: "check_run.completed" },
        { event: "check_suite.completed" },
        { event: "workflow_run.completed" },
      ],
    },
    {
      name: "issue",
      description: "An issue's life: opened, commented on, labeled, assigned, closed as completed.",
      steps: [
        { event: "issues.opened" },
        { event: "issue_comment.created" },
        { event: "issues.labeled" },
        { event: "issues.assigned" },
        { event: "issues.closed" },
      ],
    },
  ],
};
// Every step must render to a valid body, and agree with the others.
for (const flow of flows.flows) {
  const session = {};
  const rendered = flow.steps.map((s) => {
    const { p, fx } = fixtures.find((f) => f.fx.event === s.event) ?? (() => { throw new Error(`flow ${flow.name}: no ${s.event}`); })();
    const body = render(fx, session);
    for (const [at, v] of Object.entries(s.set ?? {})) {
      if (get(body, at) === undefined) throw new Error(`flow ${flow.name}: ${s.event} has no ${at}`);
      put(body, at, typeof v === "string" ? expand(v, session) : v);
    }
    const e = errors(body, D[p.def]);
    if (e.length) throw new Error(`flow ${flow.name}: ${s.event}: ${e.join("; ")}`);
    return body;
  });
  const agree = (what, f) => {
    const vals = new Set(rendered.map(f).filter((v) => v !== undefined));
    if (vals.size > 1) throw new Error(`flow ${flow.name}: ${what} differs: ${[...vals].join(", ")}`);
  };
  agree("repository", (b) => b.repository?.id);
  if (flow.name === "pull-request") {
    agree("pull request", (b) => b.pull_request?.number);
    agree("pull request id", (b) => b.pull_request?.id);
    const heads = rendered.map((b) => b.pull_request.head.sha);
    if (heads[0] !== rendered[1].before || new Set(heads.slice(1)).size !== 1 || heads[1] !== rendered[1].after || rendered[2].review.commit_id !== heads[1]) {
      throw new Error(`flow ${flow.name}: head commits do not follow the push: ${heads.join(", ")}`);
    }
  }
  if (flow.name === "push-ci") {
    agree("head sha", (b) => b.after ?? b.check_suite?.head_sha ?? b.check_run?.head_sha ?? b.workflow_run?.head_sha);
    agree("check suite", (b) => b.check_suite?.id ?? b.check_run?.check_suite?.id ?? b.workflow_run?.check_suite_id);
    agree("check run", (b) => b.check_run?.id);
    agree("workflow run", (b) => b.workflow_run?.id);
  }
  if (flow.name === "issue") agree("issue", (b) => b.issue?.number);
}

// ---------------------------------------------------------------------------
// Writing.

const FIXTURE_DIR = path.join(outRoot, "fixtures", "github");
const DATA_DIR = path.join(outRoot, "tests", "data", "github");
fs.mkdirSync(FIXTURE_DIR, { recursive: true });
fs.mkdirSync(DATA_DIR, { recursive: true });
for (const f of fs.readdirSync(FIXTURE_DIR)) if (f.endsWith(".json")) fs.rmSync(path.join(FIXTURE_DIR, f));
const write = (file, v) => fs.writeFileSync(file, JSON.stringify(v, null, 2) + "\n");
for (const { fx } of fixtures) write(path.join(FIXTURE_DIR, `${fx.event.replace(/\//g, "_")}.json`), fx);
write(path.join(FIXTURE_DIR, "_entities.json"), Object.fromEntries(Object.entries(ENTITIES).sort()));
write(path.join(FIXTURE_DIR, "_flows.json"), flows);
fs.copyFileSync(SCHEMA_FILE, path.join(DATA_DIR, "schema.json"));
write(path.join(DATA_DIR, "pairs.json"), {
  source: SCHEMA_ID,
  note: "Every event/action definition of schema.json, as EVENT$ACTION (EVENT$event for events without actions); each has a fixture.",
  pairs: pairs.map((p) => p.def),
});
fs.writeFileSync(path.join(DATA_DIR, "VERSION"), `${SCHEMA_ID}\n${EXAMPLES_ID}\n`);

const built = fixtures.filter((f) => f.fx.source.includes("no example")).length;
const adapted = fixtures.filter((f) => f.fx.source.includes(", from an ")).length;
console.log(`${fixtures.length} fixtures (${fixtures.length - built - adapted} from their example, ${adapted} adapted from another action's, ${built} from the schema), ${Object.keys(ENTITIES).length} entities, ${flows.flows.length} flows`);
for (const f of fixtures) if (f.made.length) console.log(`  ${f.fx.event}: made up ${f.made.join(", ")}`);
if (process.env.GH_DEBUG) for (const b of new Set(borrowed)) console.log(`  borrowed ${b}`);
