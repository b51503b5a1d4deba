#!/bin/sh
# Runs one module of the API acceptance tests for ctest (tests/CMakeLists.txt):
#   tests/api/run.sh tests/api/test_routes.py
# DOCKET_TEST_PYTHON (the venv that tools/dev/test.sh makes), DOCKETD_PATH,
# DOCKETCTL_PATH and DOCKET_TEST_BROKERS come from the environment; a missing
# one fails the test, it never skips.
set -eu
if [ -z "${DOCKET_TEST_PYTHON:-}" ]; then
  echo "DOCKET_TEST_PYTHON is not set: run tools/dev/test.sh (see tests/api/README.md)" >&2
  exit 1
fi
export PYTHONDONTWRITEBYTECODE=1
exec "$DOCKET_TEST_PYTHON" -m pytest -x -q "$@"
