"""How the kiosk tells a barcode scanner from a hand on a keyboard (kiosk.checkin)."""

from __future__ import annotations

from kiosk.checkin import CodeEntry


def test_scanner_keys_count_only_when_quick() -> None:
    entry = CodeEntry()
    for i, ch in enumerate("AC3D4F"):
        entry.typed(ch, 10 + i * 0.01, visible=False)
    assert entry.enter(visible=False) == "AC3D4F"
    entry.typed("AC3", 20, visible=False)
    entry.typed("D4F", 25, visible=False)  # five seconds later: not one scan
    assert entry.enter(visible=False) is None
    entry.typed("ac3d4fxx", 30, visible=True)  # on the check-in screen: shown, six at most
    assert entry.shown == "AC3D4F"
    entry.erase()
    assert (entry.shown, entry.enter(visible=True)) == ("AC3D4_", None)
