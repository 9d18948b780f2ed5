"""What a person would see wrong on a kiosk screen, found by walking Kivy's widget tree (run
inside the kiosk process): text larger than its widget, labels over each other, letters below
the minimum size, buttons smaller than a fingertip, Thai lines broken inside a word."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations

from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.button import Button
from kivy.uix.image import Image
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk.app import FitLabel
from kiosk.thai_words import thai_words

Rect = tuple[float, float, float, float]  # x, y, width, height in window coordinates


def _shown(widget: Widget) -> bool:
    node: Widget | None = widget
    while node is not None and node is not node.parent:
        if node.opacity <= 0 or node.width <= 1 or node.height <= 1:
            return False
        node = node.parent
    return True


def _visible(root: Widget) -> Iterator[Widget]:
    for widget in root.walk(restrict=True):
        if _shown(widget):
            yield widget


def _window_rect(widget: Widget, size: tuple[float, float]) -> Rect:
    x, y = widget.to_window(widget.center_x - size[0] / 2, widget.center_y - size[1] / 2)
    return x, y, size[0], size[1]


def _overlap(a: Rect, b: Rect) -> float:
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0.0, w) * max(0.0, h)


def word_break_faults(label: FitLabel) -> list[str]:
    """Line ends of a wrapped label that are not between two of the breaker's words."""
    faults: list[str] = []
    lines = iter(label.text.split("\n"))
    for paragraph in label.content.split("\n"):
        edges, at = {0}, 0
        for word in thai_words(paragraph):
            at += len(word)
            edges.add(at)
        at = 0
        for shown in lines:
            line = shown.removesuffix("…") if label.optional else shown
            found = paragraph.find(line, at)
            if found < 0:
                faults.append(f"shows {line!r}, which is not in {paragraph!r}")
                break
            at = found + len(line)
            while at < len(paragraph) and paragraph[at] == " ":
                at += 1
            if at >= len(paragraph):
                break
            if at not in edges:
                faults.append(f"broken inside a word: {paragraph[max(0, at - 8) : at + 8]!r}")
    return faults


def pictogram_faults(widget: Widget, min_icon: float) -> list[str]:
    """A choice's pictogram (drawn left of its text, see common.kv) must be inside the button,
    clear of the letters, and big enough to make out."""
    icon = getattr(widget, "icon", 0)
    if not getattr(widget, "pictogram", ""):
        return []
    faults = []
    if icon < min_icon:
        faults.append(f"pictogram {icon:.0f} px < {min_icon:.0f}")
    left, bottom = widget.x + 20, widget.center_y - icon / 2  # dp(20) at the kiosk's density
    if left + icon > widget.right or bottom < widget.y or bottom + icon > widget.top:
        faults.append(f"pictogram {icon:.0f} px outside its {widget.width:.0f}x{widget.height:.0f}")
    # the letters: the texture (padding included) is centred on the widget
    tw = widget.texture_size[0]
    letters_left = widget.center_x - tw / 2 + widget.padding[0]
    if letters_left < left + icon:
        faults.append(f"text from {letters_left:.0f} over the pictogram to {left + icon:.0f}")
    return faults


def layout_faults(
    root: Widget, window: tuple[int, int], min_font: float, touch: float, qr: float = 0
) -> list[str]:
    faults: list[str] = []
    texts: list[tuple[str, Rect]] = []
    for widget in _visible(root):
        name = type(widget).__name__
        if isinstance(widget, Label) and widget.text:
            label = widget.text.replace("\n", " ")[:40]
            tw, th = widget.texture_size
            if tw > widget.width + 1 or th > widget.height + 1:
                faults.append(
                    f"{name} {label!r}: text {tw:.0f}x{th:.0f} in {widget.width:.0f}x"
                    f"{widget.height:.0f}"
                )
            if widget.font_size < min_font - 0.5:
                faults.append(f"{name} {label!r}: font {widget.font_size:.1f} < {min_font}")
            rect = _window_rect(widget, (min(tw, widget.width), min(th, widget.height)))
            if rect[0] < -1 or rect[1] < -1 or rect[0] + rect[2] > window[0] + 1:
                faults.append(f"{name} {label!r}: outside the window at {rect}")
            if rect[1] + rect[3] > window[1] + 1:
                faults.append(f"{name} {label!r}: outside the window at {rect}")
            texts.append((label, rect))
            if isinstance(widget, FitLabel):
                faults += [f"{label!r}: {f}" for f in word_break_faults(widget)]
            faults += [f"{label!r}: {f}" for f in pictogram_faults(widget, min_icon=touch / 2)]
        if isinstance(widget, Image) and widget.texture is not None:
            side = min(widget.norm_image_size)
            if side < qr:
                faults.append(f"{name}: picture {side:.0f} px a side < {qr:.0f}")
        button = isinstance(widget, ButtonBehavior | Button) and not widget.disabled
        if button and (widget.width < touch or widget.height < touch):
            faults.append(
                f"{name} {getattr(widget, 'text', '')[:30]!r}: touch target "
                f"{widget.width:.0f}x{widget.height:.0f} < {touch}"
            )
    for (a, ra), (b, rb) in combinations(texts, 2):
        if _overlap(ra, rb) > 4:
            faults.append(f"{a!r} overlaps {b!r}")
    return faults
