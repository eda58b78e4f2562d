#!/usr/bin/env bash
# One entry point for a fresh machine: `bash run.sh demo`, `bash run.sh test`, `bash run.sh docs`.
# Creates .venv (unless $DIFFEDIT_VENV names another), installs torch (a CPU build where no NVIDIA GPU is found),
# then this package with its dev extras, then runs the command.
set -euo pipefail
cd "$(dirname "$0")"
VENV="${DIFFEDIT_VENV:-.venv}"
PY="${PYTHON:-python3}"

setup() {
  if [ ! -x "$VENV/bin/python" ]; then "$PY" -m venv "$VENV"; fi
  # shellcheck disable=SC1091
  . "$VENV/bin/activate"
  if ! python -c "import torch" 2>/dev/null; then
    if [ -n "${TORCH_SPEC:-}" ]; then
      pip install $TORCH_SPEC                                 # e.g. TORCH_SPEC="torch==2.5.1"
    elif command -v nvidia-smi >/dev/null 2>&1 || [ "$(uname -s)" != "Linux" ]; then
      pip install "torch>=2.4"                                # CUDA build (Linux with a GPU) or the macOS/Windows default
    else
      # CPU-only Linux: PyPI's default torch is a multi-GB CUDA build; take the CPU wheel instead,
      # from PyTorch's CPU index (or a local wheel directory that pip is configured with).
      pip install --retries 1 --timeout 20 --extra-index-url https://download.pytorch.org/whl/cpu "torch==2.13.0+cpu" \
        || pip install --index-url https://download.pytorch.org/whl/cpu torch
    fi
  fi
  if ! python -c "import diffedit, nbdev, jupyter_server_mathjax" 2>/dev/null || [ "${DIFFEDIT_REINSTALL:-0}" = 1 ]; then
    pip install -e ".[dev]"
  fi
}

docs() {
  # The pages need only the dev extras (nbconvert, and jupyter-server-mathjax for offline equations); the browser
  # check needs Chromium, and is skipped with a message where there is none (DOCS_REQUIRE_BROWSER=1 makes that fail).
  echo "docs: building _site/ from nbs/, then checking it in headless Chromium"
  python tools/build_docs.py "$@" && python tools/check_docs.py
}

cmd="${1:-help}"; shift || true
case "$cmd" in
  demo)  setup; diffedit demo "$@" ;;
  test)  setup; python tools/run_tests.py "$@" ;;
  docs)  setup; docs "$@" ;;
  setup) setup ;;
  *) echo "usage: bash run.sh {demo|test|docs|setup}"; exit 2 ;;
esac
