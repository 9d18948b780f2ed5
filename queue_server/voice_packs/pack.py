"""A whole pack checked at once: every clip the pack's languages need, each in format.

A pack says Thai (`chime.wav` and `th/`), and English too when it holds any `en/` clip; then it
needs all of them. The check lists every missing clip, every clip out of format and every file
that is not a clip of a pack, by name, so the office can mend them all in one go.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from core.speech import LANGUAGES, pack_paths
from queue_server.voice_packs.clips import ClipProblem, normalised

MAX_FILES = 400  # a full pack has 98 clips
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # a zip bomb is refused before it is unpacked
ALL_PATHS = frozenset(pack_paths(LANGUAGES))


class PackError(ValueError):
    """An upload that is not a pack at all (not a zip, too large); Thai, then English."""

    def __init__(self, th: str, en: str) -> None:
        super().__init__(en)
        self.th = th
        self.en = en


@dataclass
class PackCheck:
    """What the upload lacks or holds wrongly; empty lists: the pack is good."""

    languages: tuple[str, ...]
    missing: list[str] = field(default_factory=list)
    bad: list[ClipProblem] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.bad or self.unknown)


def _parts(info: zipfile.ZipInfo) -> tuple[str, ...]:
    return PurePosixPath(info.filename).parts


def files_of_zip(data: bytes) -> dict[str, bytes]:
    """The zip's files by their path in the pack; a single top folder (`mypack/th/3.wav`) is
    taken off, and what archivers add on their own (`__MACOSX/`, dot files) is left out."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise PackError("ไฟล์ที่ส่งมาไม่ใช่ไฟล์ zip", "the upload is not a zip file") from None
    entries = [
        info
        for info in archive.infolist()
        if not info.is_dir() and not any(p.startswith((".", "__MACOSX")) for p in _parts(info))
    ]
    if len(entries) > MAX_FILES or sum(i.file_size for i in entries) > MAX_UNPACKED_BYTES:
        raise PackError(
            f"ไฟล์ zip ใหญ่เกินไป (ไม่เกิน {MAX_FILES} ไฟล์ รวม 100 MB)",
            f"the zip is too large (at most {MAX_FILES} files, 100 MB in all)",
        )
    names = [info.filename for info in entries]
    tops = {PurePosixPath(n).parts[0] for n in names}
    strip = len(tops) == 1 and all(len(PurePosixPath(n).parts) > 1 for n in names)
    files = {}
    try:
        for info in entries:
            path = PurePosixPath(info.filename)
            files[str(PurePosixPath(*path.parts[1:])) if strip else str(path)] = archive.read(info)
    # zipfile raises NotImplementedError for a compression method it lacks and RuntimeError for
    # an entry with a password: both are a zip the office cannot use, not a fault of ours.
    except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError):
        raise PackError(
            "อ่านไฟล์ zip ไม่ได้ (เสียหายหรือมีรหัสผ่าน)", "the zip is damaged or encrypted"
        ) from None
    return files


def languages_of(paths: set[str] | dict[str, bytes]) -> tuple[str, ...]:
    return ("th", "en") if any(p.startswith("en/") for p in paths) else ("th",)


def checked(files: dict[str, bytes]) -> tuple[PackCheck, dict[str, bytes]]:
    """The check, and the pack's clips normalised (complete only when the check is ok)."""
    languages = languages_of(files)
    needed = pack_paths(languages)
    check = PackCheck(languages)
    check.missing = [p for p in needed if p not in files]
    check.unknown = sorted(p for p in files if p not in ALL_PATHS)
    clips = {}
    for path in needed:
        if path in files:
            try:
                clips[path] = normalised(path, files[path])
            except ClipProblem as problem:
                check.bad.append(problem)
    return check, clips


def with_clip(base: dict[str, bytes], path: str, data: bytes) -> tuple[PackCheck, dict[str, bytes]]:
    """A stored pack (already in format) with one clip recorded again; the same check."""
    clips = dict(base)
    check = PackCheck(languages_of({*base, path}))
    if path not in ALL_PATHS:
        check.unknown = [path]
        return check, clips
    try:
        clips[path] = normalised(path, data)
    except ClipProblem as problem:
        check.bad.append(problem)
    check.missing = [p for p in pack_paths(check.languages) if p not in clips]
    return check, clips
