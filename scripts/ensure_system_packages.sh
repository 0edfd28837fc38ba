#!/usr/bin/env bash
# Debian packages the tests use: chromium (browser tests) and espeak-ng (the sandbox's real
# speech engine, tested beside its synthetic one). Installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")"
bash ./ensure_chromium.sh
if ! command -v espeak-ng >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq espeak-ng
fi
