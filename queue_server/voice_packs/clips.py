"""One recorded clip brought to the pack's format, or refused with the reason.

Offices record with whatever they have (a phone at 44.1 or 48 kHz, stereo, 24-bit, a quiet or a
loud voice), so every clip is read with libsndfile (soundfile: WAV, FLAC and Ogg in any sample
format), mixed to mono, trimmed of the silence at both ends, resampled to the pack's rate with
libsoxr's high-quality filter (soxr) and its peak set to the pack's level. What cannot be made
right is refused: not sound at all, silence, a clip far too long to be one word, or a recording
clipped so hard it is distorted.
"""

from __future__ import annotations

import io

import numpy as np
import soundfile
import soxr

from core.speech import CHIME, clip_path

PACK_RATE = 22050  # the stand-in pack's rate (espeak-ng's), so packs and boards agree
WORD_PEAK = 10 ** (-3 / 20)  # -3 dBFS: display/voice/README.md
CHIME_PEAK = 10 ** (-6 / 20)  # -6 dBFS: the chime calls attention without startling
SILENT_PEAK = 10 ** (-50 / 20)  # quieter than this is no recording at all
TRIM_SHARE = 0.05  # below 5% of the clip's own peak counts as silence at the ends
PAD_S = 0.02
MAX_SECONDS = {clip_path("", CHIME): 4.0}
MAX_WORD_SECONDS = 3.0  # "เชิญที่ช่องบริการ" said slowly takes about two
CLIPPED_SHARE = 0.01  # more than 1% of the samples at full scale: a distorted recording
MIN_RATE, MAX_RATE = 8000, 192000


class ClipProblem(ValueError):
    """A clip that cannot be used as it is; the message names it (Thai, then English)."""

    def __init__(self, path: str, th: str, en: str) -> None:
        super().__init__(f"{path}: {en}")
        self.path = path
        self.th = th
        self.en = en


def _read(path: str, data: bytes) -> tuple[np.ndarray, int]:
    try:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError):
        raise ClipProblem(
            path,
            "ไม่ใช่ไฟล์เสียงที่อ่านได้ (WAV, FLAC หรือ Ogg)",
            "not a sound file that can be read (WAV, FLAC or Ogg)",
        ) from None
    if samples.shape[1] > 2:
        raise ClipProblem(
            path,
            f"มี {samples.shape[1]} ช่องเสียง ใช้ได้เฉพาะโมโนหรือสเตอริโอ",
            f"{samples.shape[1]} channels; mono or stereo only",
        )
    if not MIN_RATE <= rate <= MAX_RATE or not len(samples):
        raise ClipProblem(
            path,
            f"อัตราสุ่ม {rate} Hz หรือความยาวใช้ไม่ได้",
            f"sample rate {rate} Hz or length unusable",
        )
    return samples.mean(axis=1), rate


def normalised(path: str, data: bytes) -> bytes:
    """The clip as the pack keeps it: mono 16-bit PCM WAV at PACK_RATE, trimmed, peak set."""
    mono, rate = _read(path, data)
    if not np.isfinite(mono).all():
        raise ClipProblem(path, "มีค่าเสียงที่ผิดรูปแบบ", "holds samples that are not numbers")
    level = np.abs(mono)
    peak = float(level.max())
    if peak < SILENT_PEAK:
        raise ClipProblem(path, "เงียบ ไม่มีเสียงพูด", "silent: nothing was recorded")
    if np.count_nonzero(level >= 0.999) > CLIPPED_SHARE * len(mono):
        raise ClipProblem(
            path,
            "เสียงดังเกินจนแตก กรุณาอัดใหม่ให้เบาลง",
            "clipped (distorted): record it again, less loud",
        )
    loud = np.flatnonzero(level > TRIM_SHARE * peak)
    pad = round(PAD_S * rate)
    mono = mono[max(0, int(loud[0]) - pad) : int(loud[-1]) + pad + 1]
    limit = MAX_SECONDS.get(path, MAX_WORD_SECONDS)
    seconds = len(mono) / rate
    if seconds > limit:
        raise ClipProblem(
            path,
            f"ยาว {seconds:.1f} วินาที ยาวได้ไม่เกิน {limit:.0f} วินาที",
            f"{seconds:.1f} s long; at most {limit:.0f} s",
        )
    if rate != PACK_RATE:
        mono = soxr.resample(mono, rate, PACK_RATE, quality="HQ")
    target = CHIME_PEAK if path == clip_path("", CHIME) else WORD_PEAK
    pcm = np.round(mono * (target / float(np.abs(mono).max())) * 32767).astype(np.int16)
    out = io.BytesIO()
    soundfile.write(out, pcm, PACK_RATE, format="WAV", subtype="PCM_16")
    return out.getvalue()
