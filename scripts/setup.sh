#!/usr/bin/env bash
# Set up augmem in ./.venv: system libraries (PortAudio, libsndfile, espeak-ng, sox, tmux
# for the terminal test, Tesseract's English data for OCR, DejaVu fonts that the OCR tests
# render text with) when we may install them, then the package, its dev extra and the
# bundled plugins. Safe to run again; a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
for pkg in libportaudio2 libsndfile1 espeak-ng sox tmux alsa-utils libasound2-plugins \
           tesseract-ocr tesseract-ocr-eng fonts-dejavu-core; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ] && command -v apt-get >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing ${need_apt[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# the bundled plugins are separate distributions with entry points in the "augmem" group
plugins=()
for p in plugins/*/pyproject.toml; do [ -f "$p" ] && plugins+=(-e "$(dirname "$p")"); done
.venv/bin/python -m pip install -q -e ".[dev]" "${plugins[@]}"
echo "setup: done ($(.venv/bin/augmem --version))"
