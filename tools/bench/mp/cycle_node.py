# MicroPython side of the report-cycle bench (tools/bench/cycle.py sends it to the QEMU
# board through the raw REPL after a soft reset, with the host's settings on its first
# lines: _MODS, the modules the node's cycle imports; _WOKE, True when this start stands
# for a wake from the node's own deep sleep).
#
# Runs the real firmware/main.py (app.main, duty mode, config /config.json) once, from its
# first import to its "SLEEP <ms>" exit, and prints one line of figures (ticks_us under
# -icount: 1 us = 1,000 executed instructions):
#   CYCLE <imports> <restore> <at> <flash> <wait> <total> <files written> <removed or
#         renamed> <bytes written> <PSM_EINT hold: where a board light-sleeps>
# imports: the frozen modules of _MODS; restore: from there to power.duty_step (config,
# App(), the first reading queued) minus its flash writes; at: duty_step to the sleep,
# minus flash writes and waits; flash: inside lwm2m.store's file writes (write + rename),
# removes and renames;
# wait: blocked in asyncio's poll (this port spins there: executed instructions too).
# Nothing of the node is changed: the counters wrap store._write/_remove, power.duty_step
# and the event loop's wait from outside, as bench_mcu_node.py does.
import time

_t0 = time.ticks_us()
for _m in _MODS:  # noqa: F821 (set by the host)
    __import__(_m)
_t1 = time.ticks_us()

import os  # noqa: E402
import sys  # noqa: E402
from asyncio import core  # noqa: E402
from lwm2m import store, power  # noqa: E402
import boards.ports.qemu  # noqa: E402

_ticks = time.ticks_us
_diff = time.ticks_diff
_acc = {"flash": 0, "writes": 0, "removes": 0, "bytes": 0, "wait": 0, "duty": None}


_acc["in"] = 0
_acc["paths"] = []


def _wrap_flash(fn, key, size):
    # counts a file written (store._write: write + rename) or a file removed or renamed
    # (the queue's pop: os.remove / os.rename in lwm2m.store); what runs inside another
    # counted call counts once
    def wrapped(*a):
        if _acc["in"]:
            return fn(*a)
        _acc["in"] = 1
        t = _ticks()
        try:
            return fn(*a)
        finally:
            _acc["in"] = 0
            _acc["flash"] += _diff(_ticks(), t)
            _acc[key] += 1
            if size is True:
                _acc["bytes"] += len(a[1])
            elif size:  # JSON written piece by piece (store._write_json): the file's size
                _acc["bytes"] += os.stat(a[0])[6]
            _acc["paths"].append(a[0])
    return wrapped


class _OS:
    # lwm2m.store's os: remove and rename counted, the rest as is
    def __init__(self, os):
        self._os = os
        self.remove = _wrap_flash(os.remove, "removes", False)
        self.rename = _wrap_flash(os.rename, "removes", False)

    def __getattr__(self, name):
        return getattr(self._os, name)


store._write = _wrap_flash(store._write, "writes", True)
store._write_json = _wrap_flash(store._write_json, "writes", "json")
store.os = _OS(store.os)
_step = power.duty_step


async def _duty_step(*a, **k):
    _acc["duty"] = _ticks()
    _acc["flash0"] = _acc["flash"]
    return await _step(*a, **k)


power.duty_step = _duty_step
_pulse = power._pulse


async def _hold(*a):
    # the PSM_EINT hold: where the board light-sleeps (power.wake's idle), nothing due
    t = _ticks()
    try:
        return await _pulse(*a)
    finally:
        _acc["hold"] += _diff(_ticks(), t)


_acc["hold"] = 0
power._pulse = _hold
_wait = core._io_queue.wait_io_event


def _wait_io_event(dt):
    if dt == 0:  # runnable tasks: a non-blocking poll is work
        return _wait(dt)
    t = _ticks()
    _wait(dt)
    _acc["wait"] += _diff(_ticks(), t)


core._io_queue.wait_io_event = _wait_io_event
if _WOKE:  # noqa: F821 (set by the host): this start is a wake from the node's deep sleep
    boards.ports.qemu.Board.woke_from_sleep = lambda self: True
sys.argv[:] = ["main.py", "--log", "info"]
try:
    exec(open("/main.py").read(), {"__name__": "__main__"})
except SystemExit:
    pass
_t9 = _ticks()
_d = _acc["duty"] or _t9
_f0 = _acc.get("flash0", _acc["flash"])
print("PATHS", " ".join(_acc["paths"]))
print("CYCLE", _diff(_t1, _t0), _diff(_d, _t1) - _f0, _diff(_t9, _d) - (_acc["flash"] - _f0)
      - _acc["wait"], _acc["flash"], _acc["wait"], _diff(_t9, _t0), _acc["writes"],
      _acc["removes"], _acc["bytes"], _acc["hold"])
