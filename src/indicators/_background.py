"""Work done beside an evaluation, on another processor: steps that read nothing but
tables' stored columns (coding text, the duplicate-row note, a lookup's grid), begun when
the run starts, one after another in one thread, and taken over by the evaluation when it
needs one that has not begun.

numpy lets go of Python's interpreter lock inside its loops and sorts, so such a step
and the evaluation run side by side; on a machine with one processor for this process
nothing is begun beside it, since it would only take turns with the evaluation.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable, Hashable

from ._arrays import beside_the_run

# a table of fewer rows takes its note in a millisecond or two: starting a thread for it
# would cost about as much as it saves
MIN_BACKGROUND_ROWS = 100_000


def processors() -> int:
    """How many processors this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Background:
    """Jobs run in order in one daemon thread. :meth:`result` gives a job's value (or
    raises its exception) once it is done, or does the job in the caller's thread when
    it has not begun, so that the evaluation never waits for work queued behind others."""

    def __init__(self, jobs: list[tuple[Hashable, Callable[[], Any]]]) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[Hashable, Callable[[], Any]] = dict(jobs)  # not begun, in order
        self._begun: dict[Hashable, threading.Event] = {}
        self._outcome: dict[Hashable, tuple[bool, Any]] = {}
        self._asked: set[Hashable] = set()  # the jobs asked for (done, or dropped to be done by the asker)
        self._keys = frozenset(key for key, _ in jobs)
        self._thread: threading.Thread | None = None
        if self._waiting:
            self._thread = threading.Thread(target=self._work, name="indicators background", daemon=True)
            self._thread.start()

    def _work(self) -> None:
        beside_the_run()
        while True:
            with self._lock:
                if not self._waiting:
                    return
                key = next(iter(self._waiting))
                job = self._waiting.pop(key)
                done = self._begun[key] = threading.Event()
            self._do(key, job, done)

    def _do(self, key: Hashable, job: Callable[[], Any], done: threading.Event) -> None:
        try:
            outcome = (True, job())
        except BaseException as exc:  # handed to the caller, in its thread
            outcome = (False, exc)
        self._outcome[key] = outcome
        del job, outcome
        done.set()

    def take_over(self, keys: list[Hashable]) -> None:
        """Do in the caller's thread, in the order of ``keys`` (the longest first, for the
        two threads to finish together), the jobs under ``keys`` that have not begun: for a
        caller that will ask for every one of them and has nothing else to do, while the
        thread beside goes on through the queue."""
        while True:
            with self._lock:
                key = next((key for key in keys if key in self._waiting), None)
                if key is None:
                    return
                job = self._waiting.pop(key)
                done = self._begun[key] = threading.Event()
            self._do(key, job, done)
            succeeded, value = self._outcome[key]
            if not succeeded and not isinstance(value, Exception):  # an interrupt of this thread: now
                raise value

    def done(self, keys: list[Hashable]) -> bool:
        """Whether every job under ``keys`` is done, or was asked for (and so is done, or
        is being done by whoever asked)."""
        with self._lock:
            return all(key in self._asked or key in self._begun and self._begun[key].is_set() for key in keys)

    def under_way(self, keys: list[Hashable]) -> bool:
        """Whether a job under any of ``keys`` is begun and not yet done."""
        with self._lock:
            return any(key in self._begun and not self._begun[key].is_set() for key in keys)

    def __contains__(self, key: Hashable) -> bool:
        """Whether a job was queued under ``key`` (done, begun, waiting or taken over)."""
        return key in self._keys

    def result(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The value of the job under ``key``; ``compute()`` in this thread when no such
        job was begun (it was not queued, or is still waiting: it is then dropped)."""
        with self._lock:
            self._waiting.pop(key, None)
            done = self._begun.pop(key, None)
            self._asked.add(key)
        if done is None:
            return compute()
        done.wait()
        succeeded, value = self._outcome.pop(key)
        if succeeded:
            return value
        raise value

    def drop(self, keys: list[Hashable]) -> None:
        """Let go of the jobs under ``keys`` that nobody will ask for: those not begun are
        not begun, and the values of those done are forgotten (one under way keeps its
        value until :meth:`close`)."""
        with self._lock:
            for key in keys:
                self._waiting.pop(key, None)
                done = self._begun.get(key)
                if done is not None and done.is_set():
                    del self._begun[key]
                    self._outcome.pop(key, None)

    def close(self) -> None:
        """Drop the jobs not yet begun and wait for the one under way, if any (the
        evaluation is over: nobody will ask for them, and nothing of it may run on)."""
        with self._lock:
            self._waiting.clear()
        if self._thread is not None:
            self._thread.join()


NOTHING_BESIDE = Background([])  # a run that does all its work in its own thread
