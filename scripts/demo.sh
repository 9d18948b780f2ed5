#!/usr/bin/env bash
# Sets up swq and runs the whole demo office: server, kiosk window, board window (`swq demo`).
# Options go to `swq demo`, e.g. `bash scripts/demo.sh --simulate` or `--headless --port 8080`.
set -euo pipefail
cd "$(dirname "$0")/.."

# Kivy's windows (Mesa EGL, libmtdev1) and Pillow's Thai shaping for the ticket pictures.
SWQ_EXTRAS="" SWQ_APT_PACKAGES="libgl1 libegl1 libegl-mesa0 libgl1-mesa-dri libmtdev1 libfribidi0" \
    . scripts/setup.sh

swq demo "$@"
