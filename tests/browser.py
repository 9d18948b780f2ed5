"""Where test runs keep their screenshots, and how Debian's chromium is started for Playwright
(`playwright install` cannot download browsers here)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = Path(os.environ.get("SWQ_SCREENSHOTS", ROOT / "build" / "screenshots"))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
