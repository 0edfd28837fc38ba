#!/usr/bin/env bash
# Install the test dependencies (Python packages, and Debian's chromium for the browser tests)
# and run the whole test suite: unit, sandbox over HTTP, media, notebooks, real-browser widgets.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
bash scripts/ensure_chromium.sh
exec python3 -m pytest "$@"
