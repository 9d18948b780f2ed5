# Sourced by demo.sh and test.sh: system packages, then a virtualenv with swq installed.
# Usage: SWQ_APT_PACKAGES="xvfb socat" SWQ_EXTRAS="test" . scripts/setup.sh
set -euo pipefail

SWQ_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SWQ_VENV="${SWQ_VENV:-$SWQ_ROOT/.venv}"

apt_install_missing() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "swq: installing system packages: ${missing[*]}" >&2
        if [ "$(id -u)" -ne 0 ]; then
            echo "swq: need root (or sudo) to install: ${missing[*]}" >&2
            exit 1
        fi
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
}

# A fresh Debian has no python3 venv module; a machine with its own Python (pyenv) needs nothing.
if ! command -v python3 >/dev/null || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    apt_install_missing python3 python3-venv python3-pip
fi
# USB receipt printers: python-escpos reaches them through pyusb, which needs libusb-1.0.
apt_install_missing libusb-1.0-0
# shellcheck disable=SC2086
[ -n "${SWQ_APT_PACKAGES:-}" ] && apt_install_missing $SWQ_APT_PACKAGES

if [ ! -x "$SWQ_VENV/bin/python" ]; then
    python3 -m venv "$SWQ_VENV"
fi
"$SWQ_VENV/bin/python" -m pip install -q --upgrade pip
"$SWQ_VENV/bin/python" -m pip install -q -e "$SWQ_ROOT${SWQ_EXTRAS:+[$SWQ_EXTRAS]}"
export PATH="$SWQ_VENV/bin:$PATH"
