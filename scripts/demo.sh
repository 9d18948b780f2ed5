#!/usr/bin/env bash
# Sets up swq and shows it working: for now a simulated day at a provincial centre.
set -euo pipefail
cd "$(dirname "$0")/.."

SWQ_EXTRAS="" . scripts/setup.sh

swq simulate "$@"
