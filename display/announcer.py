"""Says every call once, in the order the calls came, one at a time.

The announcer is polled by the app's clock (`poll`): when nothing plays and the pause after the
last announcement is over, it assembles the next call's WAV and hands it to the player. A call
older than `max_age_s` (replayed after a long outage) is shown but not said: a hall hearing
calls from ten minutes ago would send people to the wrong counter.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from core.speech import SpeechError
from display.board_model import Call
from display.voice_pack import VoicePack, wav_seconds

log = logging.getLogger(__name__)
PAUSE_S = 0.6
MAX_QUEUE = 50
MAX_AGE_S = 120.0


class Player(Protocol):
    def start(self, wav: bytes) -> None:
        """Begin playing; returns at once."""

    def playing(self) -> bool: ...


@dataclass(frozen=True)
class Played:
    call: Call
    started_at: float
    seconds: float


class Announcer:
    def __init__(
        self,
        pack: VoicePack,
        player: Player,
        *,
        pause_s: float = PAUSE_S,
        max_age_s: float = MAX_AGE_S,
    ) -> None:
        self._pack = pack
        self._player = player
        self._pause_s = pause_s
        self._max_age_s = max_age_s
        self.repeat = 1
        self.chime = True
        self.muted = False  # the office turned the voice off: calls are shown, not said
        self._queue: deque[Call] = deque()
        self._current: Played | None = None
        self._free_at = 0.0
        self.history: deque[Played] = deque(maxlen=100)  # what was said lately, for the log

    @property
    def pack(self) -> VoicePack:
        return self._pack

    def use(self, pack: VoicePack, repeat: int, chime: bool) -> None:
        """The office's sound settings; they apply from the next announcement on."""
        self._pack = pack
        self.repeat = repeat
        self.chime = chime

    @property
    def pending(self) -> int:
        return len(self._queue) + (1 if self._current is not None else 0)

    def announce(self, call: Call, age_s: float = 0.0) -> bool:
        """Queue a call; False when muted, too old to say or the queue is full."""
        if self.muted:
            return False
        if age_s > self._max_age_s:
            log.info("not announcing %s at %s: %.0f s old", call.number, call.counter, age_s)
            return False
        if len(self._queue) >= MAX_QUEUE:
            log.warning("announcement queue full; not announcing %s", call.number)
            return False
        self._queue.append(call)
        return True

    def poll(self, now: float) -> Played | None:
        """Start the next announcement if it is time; returns it when one started."""
        if self._current is not None:
            overdue = now > self._current.started_at + self._current.seconds + 2.0
            if self._player.playing() and not overdue:
                return None
            self._current = None
            self._free_at = now + self._pause_s
        if not self._queue or now < self._free_at:
            return None
        call = self._queue.popleft()
        try:
            wav = self._pack.assemble(call.number, call.counter, self.repeat, self.chime)
        except SpeechError as exc:
            log.warning("cannot announce %s at %s: %s", call.number, call.counter, exc)
            return None
        self._player.start(wav)
        played = Played(call, now, wav_seconds(wav))
        self._current = played
        self.history.append(played)
        return played
