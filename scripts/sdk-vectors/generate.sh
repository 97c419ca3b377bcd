#!/usr/bin/env bash
# Regenerates tests/sdk_vectors.rs from the official webhook SDKs.
# Installs the SDKs (pinned below) into $SDKV_DIR (default /tmp/sdkv), never
# into the repository. Needs python3 (>= 3.9) with venv, node (>= 20), npm and
# rustfmt.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
dir="${SDKV_DIR:-/tmp/sdkv}"

# The SDK versions the committed vectors were made with.
PY_SDKS=(stripe==16.1.0 standardwebhooks==1.1.0 svix==2.9.1 slack_sdk==3.48.0 twilio==9.13.0
         discord-interactions==0.4.0 PyNaCl==1.6.2 sendgrid==6.12.5 ecdsa==0.19.2)
NPM_SDKS=(@octokit/webhooks-methods@6.0.0 octokit-webhooks-methods-v2@npm:@octokit/webhooks-methods@2.0.0 @shopify/shopify-api@13.1.0)

mkdir -p "$dir/node"
if [ ! -x "$dir/venv/bin/python" ]; then
    python3 -m venv "$dir/venv"
fi
"$dir/venv/bin/pip" install --quiet "${PY_SDKS[@]}"
npm install --silent --no-audit --no-fund --prefix "$dir/node" "${NPM_SDKS[@]}"

# Bare imports resolve from the importing file's folder: run it from the prefix.
cp "$here/node_vectors.mjs" "$dir/node/node_vectors.mjs"
node "$dir/node/node_vectors.mjs" > "$dir/node_vectors.json"

"$dir/venv/bin/python" "$here/gen.py" --node-json "$dir/node_vectors.json" --out "$repo/tests/sdk_vectors.rs"
# CI runs `cargo fmt --check`.
rustfmt --edition 2024 "$repo/tests/sdk_vectors.rs"
echo "now run: cargo test --test integration sdk_vectors" >&2
