"""Deep sleeps longer than the hardware allows, and time since the last update without a
wall clock. Loaded by duty-cycle nodes only (always-on nodes never sleep).

A board's ``MAX_SLEEP_MS`` is its longest single ``machine.deepsleep`` (stm32: 131072 s,
the RTC wake-up counter; 32-bit ports: 2**31-1 ms); ``deepsleep_fn`` splits a longer
sleep into parts and ``resume_sleep``, first thing at each wake, sleeps on.
"""
import time

from bc66 import log
from lwm2m import power

_TAG = "sleep"


# State keys of the long sleep: "nap" = [ms of the hardware sleep under way, ms still to
# sleep after it]; "age" = [seconds since the last registration update when the MCU went
# to sleep, ms slept since] (see UpdateAge).
def deepsleep_fn(board, state=None, age=None):
    """A function(ms) that deep-sleeps ``ms`` in as many hardware sleeps
    (``power.deepsleep_fn``) as the board allows: ``board.MAX_SLEEP_MS`` each;
    ``resume_sleep`` at the next start sleeps on without touching the module. ``state``
    (saved here) keeps the rest of the sleep and, with ``age`` (an UpdateAge), the time
    since the last update."""
    hw = power.deepsleep_fn(board)
    limit = board.MAX_SLEEP_MS

    def sleep(ms):
        ms = max(0, int(ms))
        nap = min(ms, limit) if limit else ms
        if state is not None:
            state.set("nap", [nap, ms - nap])
            if age is not None:
                age.sleeping(nap)
            else:  # a later part of a long sleep (resume_sleep)
                a = state.get("age")
                if a:
                    state.set("age", [a[0], nap])
            state.save()
        hw(nap)
    return sleep


def resume_sleep(board, state, sleep_fn=None):
    """At start, before anything touches the module: if this is a wake from a deep sleep
    that is not over yet, go back to sleep for the next part of it (never returns, except
    in tests: -> ms). -> 0 if there is nothing left to sleep (a power-on or reset ends a
    long sleep too: the node then runs a cycle)."""
    nap, left = state.get("nap") or (0, 0)
    if not left or not board.woke_from_sleep():
        if nap or left:
            state.set("nap", [0, 0])
        return 0
    a = state.get("age")
    if a:  # that part of the sleep has passed
        state.set("age", [a[0] + a[1] / 1000, 0])
    log.log(log.INFO, _TAG, "woke after %d ms, %d ms of sleep left", nap, left)
    (sleep_fn or deepsleep_fn(board, state))(left)
    return left


class UpdateAge:
    """Seconds since the last registration update, from persisted state and ticks only.

    The wall clock (``time.time()``) restarts after a power cut, so time since an event
    is carried over a sleep as "age when the MCU slept" + "time slept" (what it asked
    for: a deep sleep ends no later than that). After a start that is not a wake from
    our sleep (power-on, reset button, watchdog) the time spent off is unknown and
    ``seconds()`` returns ``unknown`` until the next ``mark()``: never negative, never a
    guess that would let the node sleep past its lifetime."""

    def __init__(self, state, woke):
        self._state = state
        self._t0 = time.ticks_ms()
        a = state.get("age")
        self._base = a[0] + a[1] / 1000 if a and woke else None

    def mark(self):
        """The registration was updated (registered, updated, recovered) just now."""
        self._base = 0
        self._t0 = time.ticks_ms()

    def seconds(self, unknown):
        """Seconds since the last update, or ``unknown`` if this start cannot know."""
        if self._base is None:
            return unknown
        return self._base + time.ticks_diff(time.ticks_ms(), self._t0) / 1000

    def sleeping(self, ms):
        """Persist (in ``state``, saved by the caller) before a deep sleep of ``ms``."""
        if self._base is None:
            self._state.delete("age")
        else:
            self._state.set("age", [self.seconds(0), ms])
