#!/usr/bin/env bash
# Install the test dependencies (Python packages; Debian chromium and espeak-ng when missing),
# check the code (ruff; mypy; mypy --strict on the client, the spec and the typed surface), and
# run the whole test suite: unit, sandbox over HTTP, media, notebooks, real-browser widgets.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
bash scripts/ensure_system_packages.sh
python3 -m ruff check qavix_lab tests benchmarks scripts
python3 -m mypy qavix_lab
python3 -m mypy --strict --follow-imports=silent qavix_lab/client qavix_lab/spec tests/typing
exec python3 -m pytest "$@"
