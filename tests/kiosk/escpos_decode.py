"""A small ESC/POS decoder for the commands the kiosk sends, and a renderer of its rasters.

No ESC/POS-to-image tool on PyPI runs on Python 3.11, so the tests read the bytes themselves:
ESC @ (init), ESC t (code page), ESC a / ESC E / ESC d / ESC J / GS ! (layout), text,
GS v 0 (raster), GS ( k (QR), GS V (cut), DLE EOT (status query). Anything else is an error:
the kiosk sent a command the tests do not know, which they should.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import qrcode
from PIL import Image


class DecodeError(ValueError):
    pass


@dataclass
class Raster:
    width: int  # dots
    height: int
    data: bytes

    def image(self) -> Image.Image:
        row_bytes = self.width // 8
        image = Image.new("1", (self.width, self.height), 1)
        pixels = image.load()
        for y in range(self.height):
            row = self.data[y * row_bytes : (y + 1) * row_bytes]
            for xb, byte in enumerate(row):
                if not byte:
                    continue
                for bit in range(8):
                    if byte & (0x80 >> bit):
                        pixels[xb * 8 + bit, y] = 0
        return image


@dataclass
class Decoded:
    commands: list[str] = field(default_factory=list)  # names in order: init, text, raster...
    code_pages: list[int] = field(default_factory=list)
    text: bytearray = field(default_factory=bytearray)  # every printed text byte, in order
    rasters: list[Raster] = field(default_factory=list)
    qr_data: list[bytes] = field(default_factory=list)
    cuts: int = 0
    qr_dot: int = 3
    # What goes on the paper as pictures, in order: raster blocks, printed QR codes (their data)
    # and paper fed in dots (ESC J).
    pictures: list[Raster | bytes | int] = field(default_factory=list)

    def raster_image(self) -> Image.Image:
        """Raster blocks and QR codes stacked, centred, as the paper would come out (the
        printer's own text left out)."""
        width = max(r.width for r in self.rasters) if self.rasters else 384
        images = [
            p.image()
            if isinstance(p, Raster)
            else Image.new("1", (width, p), 1)
            if isinstance(p, int)
            else _qr_image(p, self.qr_dot)
            for p in self.pictures
        ]
        width = max(i.width for i in images)
        page = Image.new("1", (width, sum(i.height for i in images)), 1)
        top = 0
        for image in images:
            page.paste(image, ((width - image.width) // 2, top))
            top += image.height
        return page

    def save_raster(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.raster_image().save(path)
        return path


def _qr_image(data: bytes, dot: int) -> Image.Image:
    """What a printer draws for GS ( k: the same QR code, `dot` dots a module."""
    code = qrcode.QRCode(box_size=dot, border=1)
    code.add_data(data.decode())
    return code.make_image().get_image().convert("1")


def _u16(data: bytes, at: int) -> int:
    return data[at] | data[at + 1] << 8


def decode(data: bytes) -> Decoded:
    out = Decoded()
    i = 0
    n = len(data)

    def need(count: int) -> None:
        if i + count > n:
            raise DecodeError(f"command at byte {i} runs past the end ({count} bytes needed)")

    while i < n:
        b = data[i]
        if b == 0x1B:  # ESC
            need(2)
            op = data[i + 1]
            if op == ord("@"):
                out.commands.append("init")
                i += 2
            elif op == ord("t"):
                need(3)
                out.code_pages.append(data[i + 2])
                out.commands.append("codepage")
                i += 3
            elif op == ord("J"):
                need(3)
                out.pictures.append(data[i + 2])
                out.commands.append("feed_dots")
                i += 3
            elif op in (ord("a"), ord("E"), ord("d"), ord("!")):
                need(3)
                out.commands.append({"a": "align", "E": "bold", "d": "feed", "!": "mode"}[chr(op)])
                i += 3
            else:
                raise DecodeError(f"unknown ESC {op:#04x} at byte {i}")
        elif b == 0x1D:  # GS
            need(2)
            op = data[i + 1]
            if op == ord("!"):
                need(3)
                out.commands.append("size")
                i += 3
            elif op == ord("v"):
                need(8)
                if data[i + 2] != ord("0"):
                    raise DecodeError(f"GS v {data[i + 2]:#04x} at byte {i}: only GS v 0 known")
                width_bytes, height = _u16(data, i + 4), _u16(data, i + 6)
                size = width_bytes * height
                need(8 + size)
                raster = Raster(width_bytes * 8, height, data[i + 8 : i + 8 + size])
                out.rasters.append(raster)
                out.pictures.append(raster)
                out.commands.append("raster")
                i += 8 + size
            elif op == ord("("):
                need(5)
                kind = data[i + 2]
                length = _u16(data, i + 3)
                need(5 + length)
                body = data[i + 5 : i + 5 + length]
                if kind != ord("k"):
                    raise DecodeError(f"GS ( {kind:#04x} at byte {i}: only GS ( k known")
                if body[:2] == b"1C":  # module size in dots
                    out.qr_dot = body[2]
                if body[:3] == b"1P0":  # store the QR data
                    out.qr_data.append(body[3:])
                if body[:3] == b"1Q0":  # print it
                    out.commands.append("qr")
                    out.pictures.append(out.qr_data[-1])
                i += 5 + length
            elif op == ord("V"):
                need(3)
                mode = data[i + 2]
                i += 4 if mode in (65, 66) else 3  # function B modes carry a feed count
                out.cuts += 1
                out.commands.append("cut")
            else:
                raise DecodeError(f"unknown GS {op:#04x} at byte {i}")
        elif b == 0x10:  # DLE EOT n: a real-time status query
            need(3)
            out.commands.append("status")
            i += 3
        elif b == 0x0A or b >= 0x20:
            start = i
            while i < n and (data[i] == 0x0A or data[i] >= 0x20):
                i += 1
            out.text += data[start:i]
            if not out.commands or out.commands[-1] != "text":
                out.commands.append("text")
        else:
            raise DecodeError(f"unknown control byte {b:#04x} at byte {i}")
    return out
