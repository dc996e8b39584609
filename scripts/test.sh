#!/usr/bin/env bash
# Set up a fresh machine and run the whole test suite (the README's test command; CI runs it too).
# - a virtualenv in .venv with the CPU build of torch first (an unpinned torch pulls CUDA wheels),
# - tipnlp with all extras (dev, transformers, distributed),
# - Debian's chromium for the HTML report test, when apt-get is available and chromium is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check torch==2.13.0
.venv/bin/pip install -q --disable-pip-version-check -e ".[dev,transformers,distributed]"
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null) || echo "chromium not installed: the browser test will be skipped"
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
