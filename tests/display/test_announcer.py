"""The announcer's order and pacing, with a player that only keeps time (a fake, for a unit
test; test_board_window.py plays through Kivy's real audio)."""

from __future__ import annotations

import itertools

from display.announcer import Announcer
from display.board_model import Call
from display.voice_pack import VoicePack, default_pack_path, wav_seconds


class ClockPlayer:
    """Plays for exactly the WAV's length on a clock the test moves."""

    def __init__(self) -> None:
        self.now = 0.0
        self.until = 0.0
        self.started: list[tuple[float, float]] = []

    def start(self, wav: bytes) -> None:
        seconds = wav_seconds(wav)
        self.started.append((self.now, seconds))
        self.until = self.now + seconds

    def playing(self) -> bool:
        return self.now < self.until


def call(i: int) -> Call:
    return Call(f"t{i}", f"A{i:03d}", str(i % 3 + 1), "A", "", event_id=i)


def test_ten_calls_in_a_burst_are_said_in_order_one_at_a_time() -> None:
    player = ClockPlayer()
    announcer = Announcer(VoicePack(default_pack_path(), ("th",)), player, pause_s=0.5)
    for i in range(1, 11):
        assert announcer.announce(call(i))
    while announcer.pending:
        announcer.poll(player.now)
        player.now += 0.01
    said = [p.call.number for p in announcer.history]
    assert said == [f"A{i:03d}" for i in range(1, 11)]
    for (start, seconds), (next_start, _) in itertools.pairwise(player.started):
        assert next_start >= start + seconds + 0.5 - 1e-9  # never overlapping, with a pause


def test_a_call_from_long_ago_is_shown_but_not_said() -> None:
    announcer = Announcer(VoicePack(default_pack_path(), ("th",)), ClockPlayer(), max_age_s=120)
    assert not announcer.announce(call(1), age_s=600)
    assert announcer.announce(call(2), age_s=3)
    assert announcer.pending == 1


def test_a_player_that_never_reports_the_end_does_not_stop_the_queue() -> None:
    class Stuck(ClockPlayer):
        def playing(self) -> bool:
            return True

    player = Stuck()
    announcer = Announcer(VoicePack(default_pack_path(), ("th",)), player, pause_s=0)
    announcer.announce(call(1))
    announcer.announce(call(2))
    for step in range(3000):
        announcer.poll(step * 0.01)
    assert len(player.started) == 2
