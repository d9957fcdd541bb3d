"""A one-line progress display on standard error for runs that take over a second."""

from __future__ import annotations

import sys
import time
from typing import TextIO

DELAY = 1.0  # seconds before the display appears: quick runs stay silent


class Progress:
    """Shows the latest step once ``delay`` seconds (default :data:`DELAY`) have passed, on one rewritten line.

    Off unless ``stream`` is a terminal (or ``enabled`` is given); :meth:`close` clears
    the line, so nothing of it is left among the run's messages.
    """

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None, delay: float | None = None,
                 interval: float = 0.1, clock=time.monotonic) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self._is_terminal(self.stream) if enabled is None else enabled
        self.delay = DELAY if delay is None else delay
        self.interval = interval
        self.clock = clock
        self.started = clock()
        self._shown = 0  # width of the line on screen
        self._last = -1.0
        self._what = ""

    @staticmethod
    def _is_terminal(stream: TextIO) -> bool:
        try:
            return stream.isatty()
        except (AttributeError, ValueError):
            return False

    def step(self, what: str, done: int, total: int, name: str = "") -> None:
        """Report that ``done`` of ``total`` steps of ``what`` are finished, ``name`` next
        (``total`` 0: a step without a count)."""
        if not self.enabled:
            return
        now = self.clock()
        if now - self.started < self.delay:
            return
        if now - self._last < self.interval and done < total and what == self._what:
            return  # a new stage, or the end of one, is always shown
        self._last, self._what = now, what
        count = f" {done}/{total}" if total else ""
        line = f"{what}{count}" + (f" {name}" if name else "") + f"  {now - self.started:.0f}s"
        line = line[:79]
        self.stream.write("\r" + line.ljust(self._shown))
        self.stream.flush()
        self._shown = len(line)

    def close(self) -> None:
        """Clear the line, if one was shown."""
        if self._shown:
            self.stream.write("\r" + " " * self._shown + "\r")
            self.stream.flush()
            self._shown = 0
