#!/usr/bin/env bash
# Everything the tests need, then every check: ruff, the import-linter contracts, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

# Kiosk tests: socat (serial pty pairs), libfribidi0 (Pillow's Thai shaping), Mesa EGL and
# libmtdev1 (Kivy's offscreen window), libusb-1.0-0 (USB printers; setup.sh installs it too).
# Deployment tests: nginx and openssl (the shipped site file in front of a real server, with a
# certificate made by the test), systemd (systemd-analyze).
# Thai ID card check-in: pcscd and vsmartcard's virtual reader (vpcd) for the test's virtual card;
# swig, gcc, python3-dev and libpcsclite-dev build pyscard, which has no Linux wheel.
SWQ_EXTRAS="test" SWQ_APT_PACKAGES="chromium socat libfribidi0 libgl1 libegl1 libegl-mesa0 libgl1-mesa-dri libmtdev1 libusb-1.0-0 nginx openssl systemd pcscd vsmartcard-vpcd swig gcc python3-dev libpcsclite-dev" . scripts/setup.sh

# PostgreSQL-backed tests need a running server when one is installed.
if [ -d /etc/postgresql ] && command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
fi

ruff check .
ruff format --check .
lint-imports
# One worker per core (SWQ_TEST_WORKERS, or `-n 0` among the arguments, to change it); a test
# file's tests stay in one worker, so its browser and server processes are started once.
pytest -n "${SWQ_TEST_WORKERS:-auto}" --dist loadfile "$@"
