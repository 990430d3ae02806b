"""Observations and notifications: the observing part of ``objects.Model``.

``Model.observing`` holds an ``Observation`` per observe the server made (a path, -1 for
all instances / resources); ``Model.watched`` a ``Watched`` per resource they cover, with
its ``NotifyOptions`` (from ``Obj.on``) and when it was last notified; ``Model.run`` sends
what is due. An instance-level observation is notified per changed resource (QLWNOTIFY
takes one). A CON notification is a ``Note`` in ``Model.pending`` until its report_ack
(or a failure, a drop past ``max_pending``, ``ack_timeout_ms``).
"""
import asyncio
import time
from micropython import const

PENDING = const(-1)
DROPPED = const(-2)
EXPIRED = const(-3)
RESET = const(-4)
_IDLE = const(60000)
_R = const(1)  # lwm2m.objects.R
_RID = const(0)  # a resource table entry's positions (lwm2m.objects)
_VTYPE = const(1)
_OPS = const(2)


def _warn(msg, *a):
    from bc66 import log  # loaded on the first log line (docs/architecture.md)

    log.log(log.WARN, "obj", msg, *a)


class Observation:
    """An observe the server made: its path (-1: all instances / resources) and the
    message id of the observe request."""

    def __init__(self, oid, inst, rid, msgid):
        self.oid = oid
        self.inst = inst
        self.rid = rid
        self.msgid = msgid


class Watched:
    """One observed resource: when it was last notified, whether it changed since, and
    the ``NotifyOptions`` it was observed with."""

    def __init__(self, oid, inst, rid, now_ms, options):
        self.oid = oid
        self.inst = inst
        self.rid = rid
        self.last_ms = now_ms  # when it was last notified (or first observed)
        self.dirty = False  # changed since last_ms
        self.options = options


class Note:
    """A sent notification; ``status``: PENDING, 0 acked, >0 module code, <0 local."""

    def __init__(self, msgid, status=PENDING):
        self.msgid = msgid
        self.status = status
        self.sent_ms = time.ticks_ms()
        # set with the final status; a Note made final (a NON's) never waits: no Event
        self.finished = asyncio.Event() if status == PENDING else None

    async def wait(self, timeout_ms=30000):
        """True once acknowledged; False on failure or timeout."""
        if self.status == PENDING:
            try:
                await asyncio.wait_for_ms(self.finished.wait(), timeout_ms)
            except asyncio.TimeoutError:
                pass
        return self.status == 0


_SENT_NON = Note(None, 0)  # what notify returns for a NON notification (nothing to wait for)


class Observing:
    """``Model``'s observing part (see the module docstring)."""

    def _init_observing(self, max_observations, max_watched, max_pending, ack_timeout_ms,
                        retry_ms):
        self.observing = []  # Observation per observe the server made
        self.watched = []  # Watched per resource those observations cover
        self.pending = []  # CON Notes awaiting their report_ack
        self.max_observations = max_observations
        self.max_watched = max_watched
        self.max_pending = max_pending  # the oldest pending Note is dropped past it
        self.ack_timeout_ms = ack_timeout_ms  # a pending Note older than this expires
        self.retry_ms = retry_ms  # a notification the modem refused is sent again after
        self._early_acks = [None] * 4  # (msgid, status): the last acks that came first
        self._early_next = 0
        self._failed_notes = 0  # Notes that failed since the last wait_acked
        self._notifier_wake = asyncio.Event()  # set when a watched value changed

    def changed(self, oid, inst=-1, rid=-1):
        """Mark a path (-1: all) changed, e.g. for getter-backed values."""
        for w in self.watched:
            if w.oid == oid and inst in (-1, w.inst) and rid in (-1, w.rid):
                w.dirty = True
                self._notifier_wake.set()

    def on_urc(self, urc):
        """Non-blocking intake of report_ack (completes its Note) and reboot (fails every
        pending Note); safe to call from the modem's reader task. True if used."""
        if urc.kind == "report_ack":
            self._ack(urc.msgid, urc.status)
        elif urc.kind == "reboot":
            self.fail_pending(RESET)
        else:
            return False
        return True

    def observe(self, oid, inst, rid, msgid=0, cancel=False):
        """Track (or with ``cancel`` drop) an observation of a path (-1: all levels).
        False if the observation table is full."""
        o = self.objs[oid]
        for ob in self.observing:
            if ob.oid == oid and ob.inst == inst and ob.rid == rid:
                if cancel:
                    self.observing.remove(ob)
                    self.watched = [w for w in self.watched
                                    if self.observed(w.oid, w.inst, w.rid)]
                else:
                    ob.msgid = msgid
                return True
        if cancel:
            return True
        if len(self.observing) >= self.max_observations:
            self.stats["obs_dropped"] += 1
            return False
        self.observing.append(Observation(oid, inst, rid, msgid))
        now = time.ticks_ms()
        for i in o.insts:
            for e in o.table:
                table_rid = e[_RID]
                if inst in (-1, i) and rid in (-1, table_rid) and e[_OPS] & _R:
                    if self._watched(oid, i, table_rid) is None:
                        if len(self.watched) >= self.max_watched:
                            self.stats["obs_dropped"] += 1
                            continue
                        self.watched.append(Watched(oid, i, table_rid, now,
                                                    o.options(table_rid)))
        return True

    def _watched(self, oid, inst, rid):
        for w in self.watched:
            if w.oid == oid and w.inst == inst and w.rid == rid:
                return w
        return None

    def observed(self, oid, inst, rid):
        """True if the resource is observed directly or via its instance/object."""
        for ob in self.observing:
            if ob.oid == oid and ob.inst in (-1, inst) and ob.rid in (-1, rid):
                return True
        return False

    def observations(self):
        """Observed paths as [(oid, inst, rid)], to persist across deep sleep."""
        return [(ob.oid, ob.inst, ob.rid) for ob in self.observing]

    def restore_observations(self, paths):
        """Replace the observations with persisted paths (unknown ones are skipped)."""
        self.observing = []
        self.watched = []
        for oid, inst, rid in paths:
            o = self.objs.get(oid)
            if o and (inst == -1 or inst in o.insts) and (rid < 0 or o.find(rid)):
                self.observe(oid, inst, rid)
        return len(self.observing)

    async def notify(self, oid, inst, rid, con=None):
        """Send one resource's current value now -> Note (CON: ``await note.wait(ms)``),
        None if it has no value. Raises what the modem raises."""
        o = self.objs[oid]
        w = self._watched(oid, inst, rid)
        if w is not None:
            w.last_ms = time.ticks_ms()
            w.dirty = False
        v = self.value(oid, inst, rid)
        if v is None:
            return None
        if con is None:
            con = o.options(rid).con
        msgid = await self.modem.notify(oid, inst, rid, o.find(rid)[_VTYPE], v, con)
        self.stats["sent"] += 1
        if not con or msgid is None:
            return _SENT_NON
        self.fail_pending(EXPIRED, self.ack_timeout_ms)
        note = Note(msgid)
        early = self._early_acks
        for i in range(len(early)):
            if early[i] is not None and early[i][0] == msgid:
                self._finish(note, early[i][1])
                early[i] = None
                return note
        if len(self.pending) >= self.max_pending:
            self.stats["notes_dropped"] += 1
            self._finish(self.pending.pop(0), DROPPED)
        self.pending.append(note)
        return note

    def _finish(self, note, status):
        if status != 0:
            self._failed_notes += 1
        note.status = status
        note.finished.set()

    def _ack(self, msgid, status):
        for note in self.pending:
            if note.msgid == msgid:
                self.pending.remove(note)
                self._finish(note, status)
                return
        self.stats["acks_unmatched"] += 1  # raced ahead of notify() or a duplicate
        i = self._early_next
        self._early_acks[i] = (msgid, status)
        self._early_next = (i + 1) % len(self._early_acks)

    def fail_pending(self, status=RESET, older_ms=-1):
        """Fail pending CON notes (all, or those older than ``older_ms``)."""
        now = time.ticks_ms()
        p = self.pending
        while p and time.ticks_diff(now, p[0].sent_ms) >= older_ms:
            self._finish(p.pop(0), status)

    async def wait_acked(self, timeout_ms=30000):
        """True if every CON notification sent since the last call was acknowledged
        within ``timeout_ms``; False on a failure, a drop or the timeout."""
        deadline = time.ticks_add(time.ticks_ms(), timeout_ms)
        ok = True
        while self.pending:
            self.fail_pending(EXPIRED, self.ack_timeout_ms)
            left = time.ticks_diff(deadline, time.ticks_ms())
            if self.pending and (left <= 0 or not await self.pending[0].wait(left)):
                if self.pending and self.pending[0].status == PENDING:
                    ok = False
                    break
        ok = ok and not self._failed_notes
        self._failed_notes = 0
        return ok

    async def run(self, modem=None, may_send=None):
        """The notifier task: sends due notifications of observed resources, forever.
        ``may_send(timeout_ms)`` (``Node.wait_can_send``): awaited first each round; while
        it says no (network lost), nothing is sent and what is due stays due."""
        self.modem = modem or self.modem
        while True:
            if may_send is not None and not await may_send(60000):
                continue
            self._notifier_wake.clear()
            try:
                await asyncio.wait_for_ms(self._notifier_wake.wait(), await self.step())
            except asyncio.TimeoutError:
                pass

    async def step(self):
        """Send what is due (changed and pmin passed, or pmax passed); -> ms to next."""
        wait = _IDLE
        for w in self.watched:
            now = time.ticks_ms()
            elapsed = time.ticks_diff(now, w.last_ms)
            pmin, pmax = w.options.pmin_ms, w.options.pmax_ms
            if (w.dirty and elapsed >= pmin) or (pmax and elapsed >= pmax):
                w.last_ms = now
                w.dirty = False
                left = pmax or _IDLE
                try:
                    await self.notify(w.oid, w.inst, w.rid, w.options.con)
                except Exception as e:
                    self.stats["notify_errors"] += 1
                    _warn("notify %d/%d/%d: %r", w.oid, w.inst, w.rid, e)
                    # retried after retry_ms (last_ms is set back so pmin is passed then)
                    w.last_ms = time.ticks_add(now, self.retry_ms - pmin)
                    w.dirty = True
                    left = self.retry_ms
            elif w.dirty or pmax:
                left = (pmin if w.dirty else pmax) - elapsed
            else:
                continue
            wait = min(wait, left)
        return max(wait, 0)
