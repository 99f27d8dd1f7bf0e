#!/usr/bin/env bash
# Installs what the tests and the local lab need when it is missing: Java 17 (DynamoDB Local) and, with
# --chromium, Debian's Chromium (the lab report's browser test). Uses apt when it can; otherwise it says
# what to install and fails.
set -euo pipefail

want_chromium=false
for arg in "$@"; do
  [ "$arg" = "--chromium" ] && want_chromium=true
done

apt_install() {
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    echo "ensure-tools: installing $* with apt-get" >&2
    if [ -z "${ENSURE_TOOLS_APT_UPDATED:-}" ]; then
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
      export ENSURE_TOOLS_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  else
    echo "ensure-tools: $1 is missing. Install it (Debian/Ubuntu: sudo apt-get install $*) and run again." >&2
    exit 1
  fi
}

java_major() {
  java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
}

if ! command -v java >/dev/null 2>&1 || [ "$(java_major)" -lt 17 ]; then
  apt_install openjdk-17-jre-headless
fi

if $want_chromium && ! command -v chromium >/dev/null 2>&1; then
  apt_install chromium
fi
