#!/bin/sh
# The portal's browser tests (ctest: web_e2e, label browser). Needs the
# portal built (web/dist: tools/dev/web.sh), Debian's Chromium
# (/usr/bin/chromium), DOCKETD_PATH, DOCKETCTL_PATH and DOCKET_TEST_BROKERS.
# Extra arguments go to `playwright test` (e.g. a spec file, or -g "name").
set -eu
cd "$(dirname "$0")/.."
[ -f dist/index.html ] || { echo "web_e2e: the portal is not built (tools/dev/web.sh)" >&2; exit 1; }
[ -x "${DOCKET_CHROMIUM:-/usr/bin/chromium}" ] || { echo "web_e2e: no Chromium at ${DOCKET_CHROMIUM:-/usr/bin/chromium}" >&2; exit 1; }
export DOCKET_E2E_STATE="${DOCKET_E2E_STATE:-$(mktemp /tmp/docket-e2e-state.XXXXXX.json)}"
exec node_modules/.bin/playwright test --config e2e/playwright.config.ts "$@"
