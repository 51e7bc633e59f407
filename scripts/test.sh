#!/usr/bin/env bash
# Set up (idempotent) and run the tests.
#   bash scripts/test.sh          fast lane: everything but the tests marked slow (a few minutes)
#   bash scripts/test.sh --all    every test (what CI runs)
# Other arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
if [ "${1:-}" = "--all" ]; then
    shift
    exec .venv/bin/python -m pytest -q "$@"
fi
exec .venv/bin/python -m pytest -q -m "not slow" "$@"
