"""Recorded clips and zipped packs for the voice pack tests: tones at a recorder's format (48 kHz
stereo 24-bit) rather than the pack's, so the upload has to convert them."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping

import numpy as np
import soundfile

from core.speech import LANGUAGES, pack_paths


def tone(
    seconds: float, *, rate: int = 48000, hz: float = 440.0, level: float = 0.3, stereo: bool = True
) -> bytes:
    """A 24-bit WAV: `seconds` of a tone between 50 ms of silence at both ends."""
    t = np.arange(round(seconds * rate)) / rate
    sound = level * np.sin(2 * np.pi * hz * t)
    quiet = np.zeros(round(0.05 * rate))
    mono = np.concatenate([quiet, sound, quiet])
    out = io.BytesIO()
    frames = np.stack([mono, mono], axis=1) if stereo else mono
    soundfile.write(out, frames, rate, format="WAV", subtype="PCM_24")
    return out.getvalue()


def pack_files(
    seconds: float, languages: tuple[str, ...] = LANGUAGES, **recorded: object
) -> dict[str, bytes]:
    """Every clip of a pack, each the same tone (`recorded`: tone()'s format arguments)."""
    clip = tone(seconds, **recorded)  # type: ignore[arg-type]
    return dict.fromkeys(pack_paths(languages), clip)


def zipped(files: Mapping[str, bytes], folder: str = "") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(folder + path, data)
    return out.getvalue()
