#!/usr/bin/env bash
# Install the test dependencies (Python packages; Debian chromium and espeak-ng when missing)
# and run the whole test suite: unit, sandbox over HTTP, media, notebooks, real-browser widgets.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
bash scripts/ensure_system_packages.sh
exec python3 -m pytest "$@"
