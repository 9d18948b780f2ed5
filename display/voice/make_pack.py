"""Make the default voice pack with espeak-ng (offline): `python display/voice/make_pack.py`.

Needs the Debian package `espeak-ng` only here; the board plays the WAV files this writes.
Words and their spellings are in words.toml beside this file; the chime is synthesised.
Clips are trimmed of silence and brought to one peak level so the words join evenly.
"""

from __future__ import annotations

import argparse
import io
import math
import shutil
import subprocess
import sys
import tomllib
import wave
from array import array
from pathlib import Path

from core.speech import CHIME, WORDS

HERE = Path(__file__).resolve().parent
RATE = 22050  # espeak-ng's own rate: no resampling needed
WORD_PEAK = 0.70  # -3 dBFS
CHIME_PEAK = 0.50  # -6 dBFS: the chime calls attention without startling
SILENCE = 0.02  # below 2% of full scale counts as silence when trimming
PAD_S = 0.02


def speak(voice: str, speed: int, text: str) -> array[int]:
    result = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "--stdout", text],
        capture_output=True,
        check=True,
    )
    with wave.open(io.BytesIO(result.stdout), "rb") as wav:
        if (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) != (1, 2, RATE):
            raise SystemExit(f"espeak-ng gave an unexpected format for {text!r}")
        samples = array("h", wav.readframes(wav.getnframes()))
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def trimmed(samples: array[int]) -> array[int]:
    limit = SILENCE * 32767
    loud = [i for i, s in enumerate(samples) if abs(s) > limit]
    if not loud:
        raise SystemExit("espeak-ng produced silence")
    pad = round(PAD_S * RATE)
    return samples[max(0, loud[0] - pad) : loud[-1] + pad]


def normalised(samples: array[int], peak: float) -> array[int]:
    gain = peak * 32767 / max(abs(s) for s in samples)
    return array("h", (round(s * gain) for s in samples))


def chime() -> array[int]:
    """Two bell-like notes, high then low (ding-dong), with a few partials and a soft decay."""
    out = array("h")
    for freq, length_s in ((659.25, 0.35), (523.25, 0.6)):
        n = round(length_s * RATE)
        for i in range(n):
            t = i / RATE
            envelope = min(1.0, t / 0.005) * math.exp(-t * 5.0)
            tone = sum(
                amp * math.sin(2 * math.pi * freq * mult * t)
                for mult, amp in ((1, 1.0), (2, 0.35), (3, 0.15))
            )
            out.append(round(envelope * tone / 1.5 * 32767))
    return normalised(out, CHIME_PEAK)


def write(path: Path, samples: array[int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = array("h", samples)
    if sys.byteorder == "big":
        data.byteswap()
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(data.tobytes())


def make(out: Path) -> None:
    words = tomllib.loads((HERE / "words.toml").read_text(encoding="utf-8"))
    if shutil.which("espeak-ng") is None:
        raise SystemExit("espeak-ng is not installed: apt-get install espeak-ng")
    write(out / f"{CHIME}.wav", chime())
    for lang, needed in WORDS.items():
        table = words[lang]
        missing = set(needed) - set(table["words"])
        if missing:
            raise SystemExit(f"words.toml [{lang}.words] lacks {sorted(missing)}")
        for clip in needed:
            entry = table["words"][clip]
            text = f"[[{entry['phonemes']}]]" if "phonemes" in entry else entry["text"]
            samples = trimmed(speak(table["voice"], table["speed"], text))
            write(out / lang / f"{clip}.wav", normalised(samples, WORD_PEAK))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=HERE / "default", help="the pack's folder")
    make(parser.parse_args().out)


if __name__ == "__main__":
    main()
