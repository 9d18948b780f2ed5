"""The office's voice pack on the board's disk: downloaded once per version, checked against its
version (a SHA-256 of its clips), unpacked beside the others and switched to whole.

A board keeps the packs it has downloaded, so a restart while the server is unreachable still
finds the office's last pack (`last()`), and switching back to a pack used before costs no
download. Nothing here imports Kivy: the app calls `fetch` from a thread of its own.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

from core.speech import LANGUAGES, pack_paths, pack_version
from display.feed import BoardFeed

VERSION = re.compile(r"[0-9a-f]{64}")
PATHS = frozenset(pack_paths(LANGUAGES))
LAST = "last"  # names the version the board used last, for a start without the server


class PackDownloadError(ValueError):
    """The server sent something that is not the pack it announced."""


def default_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "swq" / "voice"


class PackCache:
    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, version: str) -> Path:
        if not VERSION.fullmatch(version):
            raise PackDownloadError(f"not a voice pack version: {version!r}")
        return self.root / version

    def fetch(self, feed: BoardFeed, version: str) -> Path:
        """The pack's folder, downloaded first unless this board has it already."""
        folder = self.folder(version)
        if not folder.is_dir():
            data = feed.get_bytes(f"/api/v1/voice-pack/{version}.zip", "application/zip", 60.0)
            self._unpack(data, version, folder)
        (self.root / LAST).write_text(version, encoding="ascii")
        return folder

    def last(self) -> Path | None:
        """The pack this board used last, if it is still on disk."""
        try:
            folder = self.folder((self.root / LAST).read_text(encoding="ascii").strip())
        except (OSError, PackDownloadError):
            return None
        return folder if folder.is_dir() else None

    def forget_last(self) -> None:
        """The office went back to the stand-in pack."""
        (self.root / LAST).unlink(missing_ok=True)

    def _unpack(self, data: bytes, version: str, folder: Path) -> None:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            files = {name: archive.read(name) for name in archive.namelist()}
        except (zipfile.BadZipFile, OSError) as exc:
            raise PackDownloadError(f"voice pack {version[:12]}: not a zip: {exc}") from None
        strange = sorted(set(files) - PATHS)
        hashes = {name: hashlib.sha256(clip).hexdigest() for name, clip in files.items()}
        if strange or pack_version(hashes) != version:
            raise PackDownloadError(
                f"voice pack {version[:12]}: the download does not match its version"
                + (f" (unknown files {strange[:3]})" if strange else "")
            )
        self.root.mkdir(parents=True, exist_ok=True)
        # Unpacked beside its final place and renamed: a board never sees half a pack.
        staging = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=self.root))
        try:
            for name, clip in files.items():
                (staging / name).parent.mkdir(parents=True, exist_ok=True)
                (staging / name).write_bytes(clip)
            staging.rename(folder)
        except OSError:
            if not folder.is_dir():
                raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
