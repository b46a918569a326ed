#!/usr/bin/env bash
# Create .venv (once) and install keras-gan-zoo into it with the test extras.
# Needs only Python 3.11+ and pip; everything else comes from the package index.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv with $("$PYTHON" --version)"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(cat setup.cfg pyproject.toml | cksum | cut -d' ' -f1)
if [ ! -f "$stamp" ]; then
  echo "== installing keras-gan-zoo and its dependencies (first run: a few minutes)"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[test]"
  rm -f .venv/.installed-* && touch "$stamp"
fi
