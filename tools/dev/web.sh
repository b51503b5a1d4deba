#!/usr/bin/env bash
# Builds the portal (web/) into web/dist, which docketd serves at / with
# --web-root: installs exactly what web/package-lock.json names (npm ci,
# again only when the lock file changed; npm's cache in ~/.npm), then
# type-checks, bundles and precompresses (npm run build). Needs Node.js and
# npm (tools/dev/deps.sh installs them when missing).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root/web"

stamp="node_modules/.docket-lock.sha256"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  echo "web: npm ci (web/package-lock.json)" >&2
  npm ci --no-audit --no-fund --loglevel=error --cache "$HOME/.npm"
  echo "$want" > "$stamp"
fi
npm run --silent build
echo "web: built web/dist" >&2
