#!/usr/bin/env bash
# Install Debian's chromium for the browser tests (tests/browser/), only when it is missing.
# Playwright cannot download its own browser here, so the tests drive /usr/bin/chromium.
# Idempotent: does nothing when /usr/bin/chromium exists. Needs root (or sudo) for apt-get.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    echo "chromium present: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "ensure_chromium: $CHROMIUM is missing and installing it needs root (or sudo)" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update
"${SUDO[@]}" apt-get install -y chromium

if [ ! -x "$CHROMIUM" ]; then
    echo "ensure_chromium: apt-get installed chromium but $CHROMIUM is still missing" >&2
    exit 1
fi
echo "chromium installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
