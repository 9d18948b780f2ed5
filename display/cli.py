"""`swq display`: the hall board on a TV, with voice calls and counter signs.

Kivy is imported only when the command runs (it reads the window settings at import), so other
`swq` commands never load it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import click

from core.speech import LANGUAGES
from display.counter_signs import CounterSigns, SerialLine, parse_addresses
from display.options import DisplayOptions


def _languages(value: str) -> tuple[str, ...] | None:
    if value == "office":
        return None
    if value == "off":
        return ()
    langs = tuple(part.strip() for part in value.split(","))
    if not langs or any(lang not in LANGUAGES for lang in langs):
        raise click.BadParameter(
            f"use office, th, en, th,en or off (ใช้ office, th, en, th,en หรือ off): {value!r}"
        )
    return langs


def _size(value: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{3,4})x(\d{3,4})", value)
    if not match:
        raise click.BadParameter(f"WIDTHxHEIGHT, e.g. 1920x1080: {value!r}")
    return int(match[1]), int(match[2])


@click.command("display")
@click.option("--server", required=True, help="The queue server, e.g. http://192.168.1.10:8000")
@click.option(
    "--token",
    default=None,
    envvar="SWQ_DISPLAY_TOKEN",
    help="A display token (also SWQ_DISPLAY_TOKEN): the admin page then sees it alive",
)
@click.option("--office", default=None, help="Office code, when the server hosts several")
@click.option("--fullscreen", is_flag=True, help="Fill the screen (a TV in the hall)")
@click.option("--size", default="1920x1080", show_default=True, help="Window size when windowed")
@click.option(
    "--voice",
    default="office",
    show_default=True,
    help="office (as the admin page sets the office's sound), th, en, th,en or off",
)
@click.option(
    "--voice-pack",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="A folder of recorded clips (display/voice/README.md); default: the office's pack from"
    " the server (admin: Voice pack), else the built-in stand-in",
)
@click.option(
    "--voice-cache",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the office's voice packs are kept once downloaded; default ~/.cache/swq/voice",
)
@click.option("--history", default=7, show_default=True, type=click.IntRange(1, 20))
@click.option("--sign", default=None, help="Serial line of the counter signs, e.g. /dev/ttyUSB0")
@click.option("--sign-map", default="", help="COUNTER=ADDRESS,...; default counter 3 = sign 3")
@click.option("--sign-baudrate", default=9600, show_default=True, type=int)
def display_command(
    server: str,
    token: str | None,
    office: str | None,
    fullscreen: bool,
    size: str,
    voice: str,
    voice_pack: Path | None,
    voice_cache: Path | None,
    history: int,
    sign: str | None,
    sign_map: str,
    sign_baudrate: int,
) -> None:
    """ป้ายแสดงคิวพร้อมเสียงเรียก / The hall board with voice calls."""
    languages = _languages(voice)
    width, height = _size(size)
    if not server.startswith(("http://", "https://")):
        raise click.BadParameter(f"must start with http:// or https://: {server!r}", "--server")
    signs = None
    if sign:
        try:
            addresses = parse_addresses(sign_map)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--sign-map") from None
        signs = CounterSigns(SerialLine(sign, sign_baudrate), addresses or None)
    options = DisplayOptions(
        server=server,
        office=office,
        token=token,
        history=history,
        languages=languages,
        voice_pack=voice_pack,
        voice_cache=voice_cache,
        signs=signs,
    )
    run(options, fullscreen, (width, height))


def configure_kivy(fullscreen: bool, size: tuple[int, int]) -> None:
    """Window settings; they must be set before Kivy creates its window."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from kivy.config import Config

    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "width", str(size[0]))
    Config.set("graphics", "height", str(size[1]))
    Config.set("input", "mouse", "mouse,disable_multitouch")
    # Nothing on the board moves smoothly (no marquee): a slower main loop costs less while idle.
    Config.set("graphics", "maxfps", "30")


def run(options: DisplayOptions, fullscreen: bool, size: tuple[int, int]) -> None:
    """Starts the board; returns when its window closes."""
    configure_kivy(fullscreen, size)
    from display.board_app import BoardApp
    from display.voice_pack import VoicePackError

    try:
        app = BoardApp(options)
    except (VoicePackError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    app.run()
