#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests if it is missing (needs root and apt).
# Never fails the build: without Chromium the browser tests are skipped and say so.
set -u
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: installing Debian's chromium for the browser tests" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
        >/dev/null 2>&1 || echo "ensure-chromium: install failed; browser tests will skip" >&2
else
    echo "ensure-chromium: chromium missing and cannot be installed here; browser tests skip" >&2
fi
exit 0
