// Signature vectors made by the official Node SDKs: GitHub's
// @octokit/webhooks-methods (v6 for sha256; v2, the last to sign sha1, for
// the legacy X-Hub-Signature) and Shopify's @shopify/shopify-api.
//
// Prints a JSON array of vectors on stdout (the schema gen.py documents).
// Every vector's signature is checked with the same SDK's verifier, and the
// body with one byte changed is checked to be rejected, before it is printed.
//
// Run by generate.sh, which copies this file into the npm prefix the SDKs
// were installed into (bare imports resolve from the importing file's folder).

import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import * as octokit from "@octokit/webhooks-methods";
import "@shopify/shopify-api/adapters/web-api";
import { shopifyApi, ApiVersion, LogSeverity } from "@shopify/shopify-api";
import { createSHA256HMAC, HashFormat } from "@shopify/shopify-api/runtime";

const req = createRequire(import.meta.url);
const octokitV2 = req("octokit-webhooks-methods-v2"); // npm alias of @octokit/webhooks-methods@2.0.0

const version = (name) =>
  JSON.parse(readFileSync(new URL(`node_modules/${name}/package.json`, import.meta.url))).version;
const V_OCTOKIT = version("@octokit/webhooks-methods");
const V_OCTOKIT2 = version("octokit-webhooks-methods-v2");
const V_SHOPIFY = version("@shopify/shopify-api");

function must(cond, what) {
  if (!cond) {
    console.error(`SDK check failed: ${what}`);
    process.exit(1);
  }
}

// Same rule as gen.py: from the middle of the body, the first ASCII
// alphanumeric byte (wrapping around); it gets XOR 0x01.
function tamperIndex(bytes) {
  const n = bytes.length;
  for (let k = 0; k < n; k++) {
    const i = (Math.floor(n / 2) + k) % n;
    const b = bytes[i];
    if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)) return i;
  }
  throw new Error("no byte to tamper with");
}
function tampered(body) {
  const bytes = Buffer.from(body, "utf8");
  const i = tamperIndex(bytes);
  bytes[i] ^= 0x01;
  return { index: i, text: bytes.toString("utf8") };
}

const BODIES = {
  push_ascii: '{"ref":"refs/heads/main","before":"0000000000000000000000000000000000000000","after":"6dcb09b5b57875f334f61aebed695e2e4193db5e","repository":{"id":1296269,"full_name":"octocat/Hello-World"}}',
  unicode_pretty: '{\n  "action": "opened",\n  "issue": {\n    "title": "café ☕ — naïve “quotes” 🎉",\n    "body": "escaped: caf\\u00e9 \\u2615 \\ud83c\\udf89 \\\\ \\"q\\" \\/"\n  }\n}\n',
  crlf_trailing_spaces: '{\r\n  "note": "trailing spaces  ",\r\n  "tab":\t"x" \r\n}  \r\n\r\n   ',
};

const vectors = [];
const base = (provider, kase, secret, body) => ({
  provider,
  case: kase,
  secret,
  sign_url: `https://example.com/hooks/${provider}`,
  request_url: `https://example.com/hooks/${provider}`,
  body,
  content_type: "application/json",
  timestamp: 1700000000,
  id: "b1f7a2c0-6d1e-11ef-8a5a-1c2b3d4e5f60",
  now: 1700000000,
  sdk_verified: true,
  sdk_rejects_tampered: true,
});

// GitHub: both headers GitHub sends, each made and checked by the SDK.
const GH_CASES = [
  ["push_ascii", "It's a Secret to Everybody", BODIES.push_ascii],
  ["unicode_pretty_json", "gh-webhook-secret-0123456789", BODIES.unicode_pretty],
  ["crlf_trailing_spaces", "gh-webhook-secret-0123456789", BODIES.crlf_trailing_spaces],
  ["unicode_secret", "sécret ☕ key", BODIES.unicode_pretty],
];
for (const [kase, secret, body] of GH_CASES) {
  const sha256 = await octokit.sign(secret, body);
  const sha1 = await octokitV2.sign({ secret, algorithm: "sha1" }, body);
  must(await octokit.verify(secret, body, sha256), `github ${kase} sha256 verify`);
  must(await octokitV2.verify(secret, body, sha1), `github ${kase} sha1 verify`);
  const t = tampered(body);
  must(!(await octokit.verify(secret, t.text, sha256)), `github ${kase} sha256 tampered rejected`);
  must(!(await octokitV2.verify(secret, t.text, sha1)), `github ${kase} sha1 tampered rejected`);
  const headers = [
    ["X-GitHub-Event", "push"],
    ["X-GitHub-Delivery", "b1f7a2c0-6d1e-11ef-8a5a-1c2b3d4e5f60"],
    ["X-Hub-Signature", sha1],
    ["X-Hub-Signature-256", sha256],
  ];
  vectors.push({
    ...base("github", kase, secret, body),
    sdk_headers: headers,
    expected_sign: [["X-Hub-Signature-256", sha256], ["X-Hub-Signature", sha1]],
    tamper_index: t.index,
    sdk: `@octokit/webhooks-methods ${V_OCTOKIT} sign/verify (sha256); @octokit/webhooks-methods ${V_OCTOKIT2} sign/verify with algorithm sha1`,
  });
}
// A delivery that carries only the legacy SHA-1 header (old GitHub Enterprise).
{
  const secret = "gh-webhook-secret-0123456789";
  const body = BODIES.unicode_pretty;
  const sha1 = await octokitV2.sign({ secret, algorithm: "sha1" }, body);
  must(await octokitV2.verify(secret, body, sha1), "github sha1_only verify");
  const t = tampered(body);
  must(!(await octokitV2.verify(secret, t.text, sha1)), "github sha1_only tampered rejected");
  vectors.push({
    ...base("github", "legacy_sha1_only", secret, body),
    sdk_headers: [["X-GitHub-Event", "issues"], ["X-Hub-Signature", sha1]],
    expected_sign: [["X-Hub-Signature", sha1]],
    tamper_index: t.index,
    sdk: `@octokit/webhooks-methods ${V_OCTOKIT2} sign/verify with algorithm sha1`,
  });
}

// Shopify: the signature from the SDK's own HMAC helper, checked by the
// SDK's full shopify.webhooks.validate() on a Web API Request.
const SHOPIFY_BODIES = [
  ["orders_create_ascii", "shpss_0123456789abcdef0123456789abcdef", '{"id":820982911946154508,"email":"jon@example.com","total_price":"403.00","currency":"USD"}'],
  ["unicode_pretty_json", "shpss_0123456789abcdef0123456789abcdef", BODIES.unicode_pretty],
  ["crlf_trailing_spaces", "hush", BODIES.crlf_trailing_spaces],
];
for (const [kase, secret, body] of SHOPIFY_BODIES) {
  const shopify = shopifyApi({
    apiKey: "test-api-key",
    apiSecretKey: secret,
    apiVersion: ApiVersion.October24 ?? Object.values(ApiVersion)[0],
    scopes: [],
    hostName: "example.com",
    isEmbeddedApp: false,
    logger: { level: LogSeverity.Error, log: () => {} },
  });
  const hmac = await createSHA256HMAC(secret, body, HashFormat.Base64);
  const headers = [
    ["X-Shopify-Topic", "orders/create"],
    ["X-Shopify-Shop-Domain", "example.myshopify.com"],
    ["X-Shopify-API-Version", "2024-10"],
    ["X-Shopify-Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"],
    ["X-Shopify-Hmac-Sha256", hmac],
  ];
  const request = (b) =>
    new Request("https://example.com/hooks/shopify", { method: "POST", headers, body: b });
  const ok = await shopify.webhooks.validate({ rawBody: body, rawRequest: request(body) });
  must(ok.valid === true, `shopify ${kase} validate: ${JSON.stringify(ok)}`);
  const t = tampered(body);
  const bad = await shopify.webhooks.validate({ rawBody: t.text, rawRequest: request(t.text) });
  must(bad.valid === false, `shopify ${kase} tampered rejected`);
  vectors.push({
    ...base("shopify", kase, secret, body),
    sdk_headers: headers,
    expected_sign: [["X-Shopify-Hmac-Sha256", hmac]],
    tamper_index: t.index,
    sdk: `@shopify/shopify-api ${V_SHOPIFY} createSHA256HMAC (runtime); verified by shopify.webhooks.validate`,
  });
}

// Shopify's newer Events deliveries: the same HMAC under unprefixed header
// names (shopify-hmac-sha256, ...), which shopify.webhooks.validate detects.
{
  const kase = "events_unprefixed_headers";
  const secret = "shpss_0123456789abcdef0123456789abcdef";
  const body = BODIES.unicode_pretty;
  const shopify = shopifyApi({
    apiKey: "test-api-key",
    apiSecretKey: secret,
    apiVersion: ApiVersion.October24 ?? Object.values(ApiVersion)[0],
    scopes: [],
    hostName: "example.com",
    isEmbeddedApp: false,
    logger: { level: LogSeverity.Error, log: () => {} },
  });
  const hmac = await createSHA256HMAC(secret, body, HashFormat.Base64);
  const headers = [
    ["shopify-topic", "orders/create"],
    ["shopify-shop-domain", "example.myshopify.com"],
    ["shopify-api-version", "2025-10"],
    ["shopify-webhook-id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"],
    ["shopify-event-id", "7d0e9e4c-3b6a-4a53-9a3e-3f1c2b0a9d11"],
    ["shopify-hmac-sha256", hmac],
  ];
  const request = (b) =>
    new Request("https://example.com/hooks/shopify", { method: "POST", headers, body: b });
  const ok = await shopify.webhooks.validate({ rawBody: body, rawRequest: request(body) });
  must(ok.valid === true && ok.webhookType === "events", `shopify ${kase} validate: ${JSON.stringify(ok)}`);
  const t = tampered(body);
  const bad = await shopify.webhooks.validate({ rawBody: t.text, rawRequest: request(t.text) });
  must(bad.valid === false, `shopify ${kase} tampered rejected`);
  vectors.push({
    ...base("shopify", kase, secret, body),
    sdk_headers: headers,
    // hookcli signs the classic header; the value is the same HMAC.
    expected_sign: [["X-Shopify-Hmac-Sha256", hmac]],
    tamper_index: t.index,
    sdk: `@shopify/shopify-api ${V_SHOPIFY} createSHA256HMAC (runtime); verified by shopify.webhooks.validate (webhookType "events")`,
  });
}

process.stdout.write(JSON.stringify({ versions: { "@octokit/webhooks-methods": V_OCTOKIT, "@octokit/webhooks-methods (sha1)": V_OCTOKIT2, "@shopify/shopify-api": V_SHOPIFY }, vectors }, null, 1));
