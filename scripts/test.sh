#!/usr/bin/env bash
# Set up .venv if needed and run the whole test suite on every core.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export TF_CPP_MIN_LOG_LEVEL=3
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" --durations=15 "$@"
