#!/usr/bin/env bash
# What tests/test_web.py needs to run the browser page for real: the Debian package
# `chromium` and the npm package `onnxruntime-web` (pinned) under .web_deps/.
# Idempotent: a second run finds both and installs nothing. Prints how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."
ORT_WEB_VERSION="${ORT_WEB_VERSION:-1.30.0}"  # keep in step with export/web.py ORT_WEB_VERSION
start=$(date +%s)
if ! command -v chromium >/dev/null 2>&1; then
  echo "== installing chromium (apt)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
installed=$(node -p "require('./.web_deps/node_modules/onnxruntime-web/package.json').version" 2>/dev/null || true)
if [ "$installed" != "$ORT_WEB_VERSION" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "== installing npm (apt)"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  echo "== installing onnxruntime-web@$ORT_WEB_VERSION (npm) into .web_deps/"
  mkdir -p .web_deps
  npm install --silent --no-audit --no-fund --prefix .web_deps "onnxruntime-web@$ORT_WEB_VERSION"
fi
echo "web deps: $(chromium --version 2>/dev/null | head -1); onnxruntime-web $ORT_WEB_VERSION in .web_deps/node_modules/onnxruntime-web/dist"
echo "web deps install time: $(( $(date +%s) - start )) s"
