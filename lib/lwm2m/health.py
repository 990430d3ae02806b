"""The node's health as two read-only, observable custom objects.

32770 Node Health: application version, boot count, last reset cause, uptime, free heap,
largest free block, RSSI, last registration (wall-clock time, and seconds since).
32771 Node Counters: requests answered, dropped, malformed, UART glitches, module
reboots, readings queued and lost (totals over every run of the node).
Two objects because the module takes at most 14 resources per instance (note 4.2.6) and
these are 16. Ids from OMNA's private range (32769-42768), as the settings object (32769).
Definitions for servers: docs/lwm2m/32770-node-health.xml, 32771-node-counters.xml.

Heap figures are measured at ``refresh()`` (the end of each report cycle: a collection,
then a search for the largest block), not per read (``measure=False``, a duty cycle's
wake: when read, and never refreshed); the other values are read when asked. ``refresh()`` also marks both objects changed: an observer gets each observed figure
once per cycle.
"""
import gc
import time
from micropython import const

from bc66 import log
from lwm2m.objects import Obj

HEALTH = const(32770)
COUNTERS = const(32771)
# Resource tables of constants only are frozen into flash with the code: R, W, X
# (lwm2m.objects) and the value types (bc66.values) as constants of this module (an
# imported name would build each table in the heap; mpt_heap_start checks the values)
_R = const(1)
_T_STRING = const(1)
_T_INTEGER = const(3)
_TAG = "health"
# machine.reset_cause() values as the ports number them -> what the server reads
_CAUSES = ("power-on", "hard reset", "watchdog", "deep sleep wake", "soft reset",
           "brown-out")  # 1..6 (a tuple: a constant in flash, not a dict in the heap)
# 32771 resources: the key of each in ``counters()`` (the node's, the engine's, the queue's)
COUNTER_KEYS = ("requests", "dropped_requests", "malformed", "glitches", "reboots",
                "queued", "queue_dropped")


def reset_cause():
    """The last reset's cause as text ("unknown" where the port cannot tell)."""
    try:
        import machine
        c = machine.reset_cause()
        return _CAUSES[c - 1] if type(c) is int and 1 <= c <= len(_CAUSES) else "unknown"
    except (ImportError, AttributeError):
        return "unknown"


def largest_free_block(step=16):
    """The largest bytearray that can be allocated now, to ``step`` bytes (after a
    collection; a binary search of allocations, each one garbage at once)."""
    gc.collect()
    lo, hi = 0, gc.mem_free()
    while hi - lo > step:
        mid = (lo + hi) // 2
        try:
            bytearray(mid)
            lo = mid
        except MemoryError:
            hi = mid
    gc.collect()
    return lo


class Health:
    """Objects 32770/0 and 32771/0. ``counters()`` -> dict with ``COUNTER_KEYS``."""

    def __init__(self, model, version, boots, counters, cause=None, measure=True):
        self.model = model
        self.counters = counters
        self.rssi_dbm = None
        self.ip = None
        self.registered_at = 0  # wall-clock seconds of the last registration, 0: unknown
        self._registered_ms = None  # ticks_ms of the last registration
        self._up_ms = 0
        self._up_last = time.ticks_ms()
        model.add(Obj(HEALTH, (0,), ((0, _T_STRING, _R), (1, _T_INTEGER, _R), (2, _T_STRING, _R),
                                     (3, _T_INTEGER, _R, "s"), (4, _T_INTEGER, _R, "B"),
                                     (5, _T_INTEGER, _R, "B"), (6, _T_INTEGER, _R, "dBm"),
                                     (7, _T_INTEGER, _R, "s"), (8, _T_INTEGER, _R, "s"))))
        model.add(Obj(COUNTERS, (0,), ((0, _T_INTEGER, _R), (1, _T_INTEGER, _R),
                                       (2, _T_INTEGER, _R), (3, _T_INTEGER, _R),
                                       (4, _T_INTEGER, _R), (5, _T_INTEGER, _R),
                                       (6, _T_INTEGER, _R))))  # one per COUNTER_KEYS
        s = model.set
        s(HEALTH, 0, 0, version, False)
        s(HEALTH, 0, 1, boots, False)
        s(HEALTH, 0, 2, cause or reset_cause(), False)
        s(HEALTH, 0, 3, self.uptime_s, False)
        s(HEALTH, 0, 6, lambda: -1 if self.rssi_dbm is None else self.rssi_dbm, False)
        s(HEALTH, 0, 7, lambda: self.registered_at, False)
        s(HEALTH, 0, 8, self.since_registration_s, False)
        for i, k in enumerate(COUNTER_KEYS):
            s(COUNTERS, 0, i, lambda k=k: self.counters().get(k, 0), False)
        if measure:
            self.refresh()
        else:  # a duty cycle's wake: measured only if a server reads them (the largest
            # block's search is ~6 M Cortex-M3 instructions: a fifth of a wake, issue 18)
            s(HEALTH, 0, 4, gc.mem_free, False)
            s(HEALTH, 0, 5, largest_free_block, False)

    def uptime_s(self):
        """Seconds since this run started (summed per call: no ticks wrap-around as long
        as it is called once in a few days; ``refresh`` is, every cycle)."""
        now = time.ticks_ms()
        self._up_ms += time.ticks_diff(now, self._up_last)
        self._up_last = now
        return self._up_ms // 1000

    def since_registration_s(self):
        """Seconds since the last registration, -1 before the first."""
        if self._registered_ms is None:
            return -1
        return time.ticks_diff(time.ticks_ms(), self._registered_ms) // 1000

    def refresh(self):
        """Measure the heap (free, largest block) and mark both objects changed."""
        m = self.model
        m.set(HEALTH, 0, 5, largest_free_block())
        m.set(HEALTH, 0, 4, gc.mem_free())
        m.changed(HEALTH)
        m.changed(COUNTERS)

    async def registered(self, modem):
        """After a registration: read RSSI and IP from the module, log them, note when."""
        from lwm2m.backoff import wall_time
        self._registered_ms = time.ticks_ms()
        t = wall_time()
        self.registered_at = int(t) if t is not None else 0
        try:
            rssi = (await modem.csq())[0]
            self.rssi_dbm = None if rssi == 99 else -113 + 2 * rssi  # 27.007 +CSQ
            self.ip = await modem.ip()
        except Exception as e:  # a figure for the log; never a reason to fail
            log.log(log.WARN, _TAG, "RSSI/IP not read: %r", e)
        log.log(log.INFO, _TAG, "registered: RSSI %s dBm, IP %s",
                "unknown" if self.rssi_dbm is None else self.rssi_dbm, self.ip)
        self.model.changed(HEALTH)
