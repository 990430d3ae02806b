"""Module sleep and the MCU duty cycle.

- ``Awake``: ``async with awake:`` around every exchange with the module: AT+QSCLK=0 before,
  AT+QSCLK=1 after (the note's 3.3 NOTE), counted so that tasks nest.
- ``wake()``: falling edge on PSM_EINT, then ``AT`` until ``OK`` within a deadline.
- ``update_interval_s()`` / ``plan_sleep_s()``: the note's 4.2.1 Actual Update Interval, and
  the MCU's deep sleep planned against it.
- ``duty_step()`` / ``deepsleep_fn()``: one wake, report, ack, RAI, sleep cycle.
"""
import asyncio
import sys
import time
from micropython import const

from bc66 import log
from bc66.errors import ATTimeout, BC66Error, CommandError, Rebooted, check_int

_TAG = "power"
EXIT_SLEEP = const(75)  # unix stand-in exit code: "sleeping, restart me after SLEEP <ms>"
_REPULSE = const(3)  # plain ATs between two PSM_EINT pulses
_HOLD_MS = const(2000)  # assumed: RRC release + T3324 keep it up this long after QSCLK=1
_LIFE_MAX = const(31536000)
# 4.2.1 Actual Update Interval, per branch: (lifetime up to, base, from, num, den):
# base + (lifetime - from) * num / den
_BRANCHES = ((30, 0, 0, 1, 2), (50, 15, 30, 3, 4), (100, 30, 50, 4, 5),
             (300, 70, 100, 9, 10), (_LIFE_MAX, 250, 300, 19, 20))


class WakeTimeout(ATTimeout):
    """The module did not answer ``AT`` after PSM_EINT within the deadline."""


async def _pulse(pins, pulse_ms, idle):
    # PSM_EINT low for the board's width; with ``idle`` the MCU sleeps through the hold:
    # the module is asleep or booting, nothing from it is due (its banner may be lost:
    # the probes that follow find it awake, and a reboot is expected here anyway)
    if idle is None:
        return await pins.pulse("PSM_EINT", pulse_ms)
    t = asyncio.create_task(pins.pulse("PSM_EINT", pulse_ms))
    await asyncio.sleep_ms(0)  # the line is low, its task waits out the width
    idle(pulse_ms)  # the whole event loop stops with the CPU
    await t


async def wake(modem, pins, deadline_ms=8000, pulse_ms=120, probe_ms=100, idle=None):
    """Wake the module: PSM_EINT low ``pulse_ms`` (``pins.pulse``; ``pins`` None: UART
    only), then plain ``AT`` (one short try of ``probe_ms`` each) until ``OK``; the first
    command after a wake may be lost, so it retries and re-pulses every few tries. A lost
    probe gets no late answer, so the engine's wait for late lines after a timeout is off
    while probing: every millisecond here is battery. ``idle``: a function(ms) that stops
    the MCU's CPU (the board's ``lightsleep``), used through the PSM_EINT hold, the one
    wait in which nothing is due from the module. -> number of ATs sent.
    Raises WakeTimeout (an ATTimeout) once ``deadline_ms`` has passed, or at once when the
    board's VDD_EXT says the module is off (PSM_EINT cannot wake it)."""
    if pins is not None and pins.powered() is False:
        raise WakeTimeout("VDD_EXT low: the module is off")
    t_end = time.ticks_add(time.ticks_ms(), deadline_ms)
    n = 0
    while True:
        if pins is not None and n % _REPULSE == 0:
            await _pulse(pins, pulse_ms, idle)
        n += 1
        try:
            if await modem.sync(1, probe_ms):
                return n
        except (CommandError, Rebooted):
            pass  # a garbled first command, or the banner of the wake itself: again
        if time.ticks_diff(t_end, time.ticks_ms()) <= 0:
            raise WakeTimeout("no answer to AT within %d ms (%d tries)" % (deadline_ms, n))


class Awake:
    """The module-sleep guard, one per modem, shared by every task.

    ``n`` counts the holders (only successful entries count). 0->1 sends AT+QSCLK=0, after
    ``wake()`` if the module may be in deep sleep (never told QSCLK=0 since boot, or QSCLK=1
    was sent at least ``hold_ms`` ago); 1->0 sends AT+QSCLK=1. A task entering while another
    does the transition waits for it. If AT+QSCLK=0 fails the entry raises and ``n`` is
    unchanged; if AT+QSCLK=1 fails, ``n`` is 0 and the error is raised unless the body
    already raised (then it is logged). ``enabled=False``: a no-op (nodes that never sleep).
    ``revive``: a coroutine function run once when the wake gets no answer (the module may
    be off: ``Node.revive`` powers it on), then AT+QSCLK=0 as usual. ``idle``: the
    board's light sleep, for the PSM_EINT hold (``wake``).
    """

    def __init__(self, modem, pins=None, enabled=True, deadline_ms=8000, hold_ms=_HOLD_MS,
                 revive=None, idle=None):
        self.modem = modem
        self.pins = pins
        self.revive = revive
        self.idle = idle
        self.enabled = enabled
        self.deadline_ms = deadline_ms
        self.hold_ms = hold_ms
        self.n = 0
        self.wakes = 0
        self.errors = 0
        self._busy = False
        self._t = None  # ticks of the last AT+QSCLK=1; None: may be asleep now

    def may_sleep(self):
        """True if the module may be in deep sleep (so the next entry wakes it)."""
        return self._t is None or time.ticks_diff(time.ticks_ms(), self._t) >= self.hold_ms

    def asleep(self):
        """Tell the guard the module may be asleep (e.g. "ENTER PSM", a reboot)."""
        self._t = None

    async def __aenter__(self):
        if self.enabled:
            while self._busy:
                await asyncio.sleep_ms(2)
            if not self.n:
                self._busy = True
                try:
                    if self.may_sleep():
                        self.wakes += 1
                        try:
                            await wake(self.modem, self.pins, self.deadline_ms,
                                       idle=self.idle)
                        except WakeTimeout:
                            if self.revive is None:
                                raise
                            await self.revive()
                    await self.modem.sclk(0)
                except BC66Error:
                    self.errors += 1
                    self._t = None  # wake it first next time
                    raise
                finally:
                    self._busy = False
            self.n += 1
        return self

    async def __aexit__(self, et, ev, tb):
        if not self.enabled:
            return False
        self.n -= 1
        if not self.n:
            self._busy = True
            try:
                await self.modem.sclk(1)
                self._t = time.ticks_ms()
            except BC66Error as e:
                self.errors += 1
                self._t = None
                if et is None:
                    raise
                log.log(log.WARN, _TAG, "AT+QSCLK=1 failed: %r", e)
            finally:
                self._busy = False
        return False


def update_interval_s(lifetime):
    """The note's Actual Update Interval (4.2.1) for ``lifetime`` s: when the module updates
    its registration by itself. An int when exact, else a float (40 -> 22.5). Lifetimes
    below the note's 20 s are accepted: a server may write one."""
    check_int(lifetime, 1, _LIFE_MAX, "lifetime")
    for top, base, lo, a, b in _BRANCHES:
        if lifetime <= top:
            v = base * b + (lifetime - lo) * a
            return v // b if v % b == 0 else v / b


def plan_sleep_s(lifetime, since_update_s, want_s, margin_s=None, recovery_mode=1):
    """Seconds the MCU may deep-sleep now: 0 <= result <= ``want_s`` (its report interval).

    The module's own update timer (``update_interval_s``) keeps the registration alive
    while the module is registered, so the MCU never needs to wake just to refresh it:
    with ``recovery_mode`` 0 the module wakes, recovers its context and updates on its own,
    and the MCU sleeps ``want_s``. With ``recovery_mode`` 1 a module back from deep sleep
    reports QLWSTATUS 7 and cannot update until the MCU sends AT+QLWRECOVER; the
    registration lapses ``lifetime`` s after the last register/update/recovery
    (``since_update_s`` ago). So the MCU sleeps at most ``lifetime - margin_s -
    since_update_s``. ``margin_s`` defaults to the module's own slack, ``lifetime -
    update_interval_s(lifetime)`` (10 s at 20 s, 80 s at 900 s, 5% for long lifetimes):
    the MCU wakes no later than the module itself would have updated, with the margin
    the note leaves for the wake, the recovery and CoAP retransmissions. 0: do not sleep
    (the update is due, or the registration has lapsed: re-register first).
    """
    want = max(0, want_s)
    if recovery_mode == 0:
        return want
    if margin_s is None:
        margin_s = lifetime - update_interval_s(lifetime)
    return max(0, min(want, lifetime - margin_s - since_update_s))


async def duty_step(awake, report, final, sleep_fn, state=None, ack_ms=30000, sleep_s=60,
                    save=True):
    """One duty cycle, then deep sleep.

    Under ``awake`` (PSM_EINT, ``AT``, AT+QSCLK=0): ``await report()`` samples and
    sends (-> a note with ``await note.wait(ms)`` True when acked, or None), waits for the
    report_ack up to ``ack_ms``, then ``await final()``, the last uplink, sent with RAI 1
    (e.g. ``lambda: modem.notify(..., con=False, rai=1)``) so the network releases the
    radio at once. Leaving ``awake`` sends AT+QSCLK=1. Then ``state`` (a State, or None)
    gets "duty" = {"n": cycles, "miss": unacked cycles in a row, "err": last error or None,
    "ms": sleep} and is saved, and ``sleep_fn(ms)`` runs (``deepsleep_fn``); ``sleep_s``
    is seconds or a callable(acked) -> seconds (see ``plan_sleep_s``). ``save`` False:
    ``sleep_fn`` saves ``state`` itself (``lwm2m.sleep.deepsleep_fn`` does), so a cycle
    writes its state once. An error of the exchange is recorded, never skips the sleep: a
    node that stays up drains its battery.
    -> (acked, ms) if ``sleep_fn`` returns (tests)."""
    acked = False
    err = None
    try:
        async with awake:
            note = await report()
            acked = note is not None and await note.wait(ack_ms)
            if not acked:
                log.log(log.WARN, _TAG, "report not acknowledged within %d ms", ack_ms)
            await final()
    except (BC66Error, OSError) as e:
        err = repr(e)
        log.log(log.WARN, _TAG, "duty cycle: %s", err)
    s = sleep_s(acked) if callable(sleep_s) else sleep_s
    ms = max(0, int(s * 1000))
    if state is not None:
        d = state.get("duty") or {}
        state.set("duty", {"n": d.get("n", 0) + 1, "miss": 0 if acked else d.get("miss", 0) + 1,
                           "err": err, "ms": ms})
        if save:
            state.save()
    sleep_fn(ms)
    return acked, ms


def _exit_sleep(ms):
    # The unix port has no deep sleep: tell the supervisor how long, and end the process.
    print("SLEEP %d" % ms)
    sys.exit(EXIT_SLEEP)


def deepsleep_fn(board):
    """One hardware sleep: ``board.deepsleep`` (``machine.deepsleep`` behind the board's
    range check) on boards with ``HAS_DEEPSLEEP``; else a function printing ``SLEEP <ms>``
    and exiting with EXIT_SLEEP (75) so a supervisor restarts the process after ``ms``
    (state saved first: ``duty_step`` does). Longer sleeps: ``lwm2m.sleep``."""
    return board.deepsleep if board.HAS_DEEPSLEEP else _exit_sleep
