"""LwM2M object model for the BC66: tables, request answering, observe, notify.

``Obj(oid, insts, ((rid, vtype, ops[, units]), ...))``, ops a mask of R|W|X. Values per
(obj, inst, res) live in the Obj: a value or a zero-argument getter. ``obj.on(rid, fn)``:
``fn(inst, rid, value)`` validates/applies a write (value decoded) or runs an execute
(value None); it returns None/True (2.04), False (4.00) or a result code 11..14; raising
gives 4.00. ``Model.handle(urc)`` answers every request exactly once and never raises.
Cancel-observe answers 2.05 with the current value(s), as the note's 5.8 shape.
An instance-level observation is notified per changed resource (QLWNOTIFY takes one).
"""
import asyncio
import sys
import time
from micropython import const
from lwm2m.requests import Requests

R = const(1)
W = const(2)
X = const(4)
T_STRING = const(1)
T_OPAQUE = const(2)
T_INTEGER = const(3)
T_FLOAT = const(4)
T_BOOLEAN = const(5)
CONTENT = const(1)
CHANGED = const(2)
BAD_REQUEST = const(11)
UNAUTHORIZED = const(12)
NOT_FOUND = const(13)
NOT_ALLOWED = const(14)
MAX_OBJECTS = const(15)
MAX_INSTANCES = const(4)
MAX_RESOURCES = const(14)
PENDING = const(-1)
DROPPED = const(-2)
EXPIRED = const(-3)
RESET = const(-4)
_IDLE = const(60000)
_MISS = object()


def _warn(msg, *a):
    # through bc66.log once the driver has loaded it (the node always has); importing it
    # here would cost its package's RAM to a model used alone (tests)
    log = sys.modules.get("bc66.log")
    if log:
        log.log(log.WARN, "obj", msg, *a)
    else:
        print("W obj:", msg % a)


class Obj:
    """One object: id, instance ids, resource table, values, handlers, notify options."""

    def __init__(self, oid, insts, table, pmin_ms=0, pmax_ms=0, con=True):
        if len(table) > MAX_RESOURCES:
            raise ValueError("object %d: %d resources > 14" % (oid, len(table)))
        for e in table:
            if not (1 <= e[1] <= 5 and 0 < e[2] <= 7):
                raise ValueError("object %d: bad resource %r" % (oid, e))
        self.oid = oid
        self.table = tuple(table)
        self.insts = []
        self.vals = {}   # (inst << 16 | rid) -> value or getter
        self.fns = {}    # rid -> fn(inst, rid, value)
        self.nopt = {}   # rid -> (pmin_ms, pmax_ms, con)
        self.dopt = (pmin_ms, pmax_ms, con)
        for i in insts:
            self.add_instance(i)

    def add_instance(self, inst):
        """Declare one more instance id (at most 4)."""
        if inst not in self.insts:
            if len(self.insts) >= MAX_INSTANCES or not 0 <= inst < 0x4000:
                raise ValueError("object %d: instance %d over limits" % (self.oid, inst))
            self.insts.append(inst)

    def find(self, rid):
        """The table entry for ``rid`` or None."""
        for e in self.table:
            if e[0] == rid:
                return e
        return None

    def on(self, rid, fn=None, pmin_ms=None, pmax_ms=None, con=None):
        """Set the write (W) / execute (X) handler of ``rid`` and/or its notification
        options (min/max interval in ms, 0 = none; CON or NON) for observations made
        from now on; None keeps what is set."""
        if fn is not None:
            self.fns[rid] = fn
        d = self.nopt.get(rid, self.dopt)
        self.nopt[rid] = (d[0] if pmin_ms is None else pmin_ms,
                          d[1] if pmax_ms is None else pmax_ms, d[2] if con is None else con)


class Note:
    """A sent notification; ``status``: PENDING, 0 acked, >0 module code, <0 local."""

    def __init__(self, msgid, status=PENDING):
        self.msgid = msgid
        self.status = status
        self.t = time.ticks_ms()
        self.ev = asyncio.Event()

    async def wait(self, timeout_ms=30000):
        """True once acknowledged; False on failure or timeout."""
        if self.status == PENDING:
            try:
                await asyncio.wait_for_ms(self.ev.wait(), timeout_ms)
            except asyncio.TimeoutError:
                pass
        return self.status == 0


_NON = Note(None, 0)


class Model:
    """Registry of objects; answers requests, tracks observations and notifications."""

    def __init__(self, modem=None, max_obs=16, max_watch=32, max_pending=8, ack_ms=120000,
                 retry_ms=2000):
        self.modem = modem
        self.objs = {}
        self.obs = []    # [oid, inst, rid, msgid]
        self.watch = []  # [oid, inst, rid, last_ms, dirty, pmin, pmax, con]
        self.pend = []   # CON Notes awaiting report_ack
        self._early = [None] * 4
        self._ei = self._nfail = 0
        self._lim = (max_obs, max_watch, max_pending, ack_ms, retry_ms)
        self._sc = self._si = self._se = ()  # one answer's values, instance ids, table
        # entries: sized once to the largest object read (at most 4 x 14)
        self._pv = [None] * 5
        self._answering = asyncio.Lock()  # one answer at a time (it uses the scratch lists)
        self.requests = Requests()  # server requests waiting for ``serve``
        self._ev = asyncio.Event()
        self._part = None
        self._pe = [None, None]  # _path's object and table entry
        self.stats = {"requests": 0, "answer_errors": 0, "handler_errors": 0, "obs_dropped": 0,
                      "sent": 0, "notes_dropped": 0, "notify_errors": 0,
                      "acks_unmatched": 0}

    def add(self, obj):
        """Register an Obj (at most 15); returns it."""
        if obj.oid not in self.objs and len(self.objs) >= MAX_OBJECTS:
            raise ValueError("object %d: more than 15 objects" % obj.oid)
        self.objs[obj.oid] = obj
        return obj

    def set(self, oid, inst, rid, value, notify=True):
        """Store a value or getter; an observed change is notified by ``run``."""
        vals = self.objs[oid].vals
        k = (inst << 16) | rid
        old = vals.get(k, _MISS)
        vals[k] = value
        if notify and (callable(value) or old != value):
            self.changed(oid, inst, rid)

    def value(self, oid, inst, rid):
        """Current value (getter called); None if unset."""
        v = self.objs[oid].vals.get((inst << 16) | rid)
        return v() if callable(v) else v

    def changed(self, oid, inst=-1, rid=-1):
        """Mark a path (-1: all) changed, e.g. for getter-backed values."""
        for s in self.watch:
            if s[0] == oid and inst in (-1, s[1]) and rid in (-1, s[2]):
                s[4] = 1
                self._ev.set()

    async def sync_objects(self, modem=None):
        """Align the module's object list with the declaration -> (added, deleted, kept)."""
        m = self.modem = modem or self.modem
        for o in self.objs.values():
            if not 0 < len(o.insts) <= MAX_INSTANCES or len(o.table) > MAX_RESOURCES:
                raise ValueError("object %d: instances/resources over the module's limits" % o.oid)
        have = {}
        for oid, inst, rids in await m.objects():
            have.setdefault(oid, {})[inst] = tuple(sorted(rids))
        a = k = 0
        add = []
        for oid, o in self.objs.items():
            h = have.get(oid)
            srt = tuple(sorted(e[0] for e in o.table))
            if h is not None and len(h) == len(o.insts) and all(h.get(i) == srt for i in o.insts):
                k += 1
                del have[oid]  # identical: leave it
            else:
                add.append(o)
        d = len(have)  # undeclared or different: delete first (frees module slots)
        for oid in have:
            await m.del_object(oid)
        for o in add:
            for inst in o.insts:
                await m.add_object(o.oid, inst, tuple(e[0] for e in o.table))
                a += 1
        return a, d, k

    async def handle(self, urc):
        """Answer a read/write/execute/observe URC, complete a report_ack; never raises.
        Returns False for kinds it does not handle."""
        # The decisions run in plain functions (no heap frame); only the awaits live here.
        kind = urc.kind
        if kind not in ("read", "write", "execute", "observe"):
            return self.on_urc(urc)
        self.stats["requests"] += 1
        await self._answering.acquire()
        m = self.modem
        try:  # few locals, a shallow stack: this frame is allocated per request
            if kind[0] in "we":
                r = self._wx(urc, kind == "write")
                if hasattr(r, "send"):  # an async handler
                    r = await self._adone(r)
                if r:
                    await (m.write_rsp if kind == "write" else m.exec_rsp)(urc.msgid, r)
            else:
                m = m.obs_rsp if kind == "observe" else m.read_rsp
                n = self._rd(urc, kind == "observe")
                if n < 0:
                    await m(urc.msgid, -n, urc.obj, urc.inst, urc.res)
                for j in range(n):
                    await self._arg(m, urc, n, j)
        except Exception as e:
            self.stats["answer_errors"] += 1
            _warn("%s %d unanswered: %r", kind, urc.msgid, e)
        finally:
            self._answering.release()
        return True

    def take(self, urc):
        """Queue a read/write/execute/observe (or ``"malformed"``) URC for ``serve``;
        non-blocking (the reader task calls it). False if it was dropped (counted)."""
        return self.requests.put_urc(urc)

    async def serve(self, modem=None):
        """The serving task: answers the queued requests in order, each exactly once."""
        self.modem = modem or self.modem
        q = self.requests
        while True:
            r = await q.take()
            try:
                if r.malformed:
                    await self._refuse(r)
                else:
                    await self.handle(r)
            finally:
                q.done()

    async def _refuse(self, r):
        # a request that cannot be served (malformed, or a write whose value could not be
        # kept): 4.00 Bad Request
        m = self.modem
        self.stats["requests"] += 1
        try:
            if r.kind == "read":
                await m.read_rsp(r.msgid, BAD_REQUEST, r.obj, r.inst, r.res)
            elif r.kind == "observe":
                await m.obs_rsp(r.msgid, BAD_REQUEST, r.obj, r.inst, r.res)
            else:
                await (m.write_rsp if r.kind == "write" else m.exec_rsp)(r.msgid, BAD_REQUEST)
        except Exception as e:
            self.stats["answer_errors"] += 1
            _warn("%s %d unanswered: %r", r.kind, r.msgid, e)

    async def _adone(self, r):
        try:
            return self._done(await r)
        except Exception as e:
            return self._done(self._herr(e))

    def _arg(self, m, u, n, j):
        # the answer coroutine of part j of n (a plain function: its arguments are not kept
        # in handle's heap frame)
        e = self._se[j]
        v = self._sc[j]
        self._sc[j] = self._se[j] = None
        return m(u.msgid, CONTENT, u.obj, self._si[j], e[0], e[1], v, n - 1 - j)

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

    def _path(self, oid, inst, rid):
        # -> 0 or NOT_FOUND; the object and the table entry (or None) in self._pe (no
        # tuple made per request)
        o = self.objs.get(oid)
        e = None if o is None else o.find(rid)
        self._pe[0] = o
        self._pe[1] = e
        if o is None or (inst >= 0 and inst not in o.insts) or (rid >= 0 and e is None):
            return NOT_FOUND
        return 0

    def _rd(self, u, obs):
        # Read/observe: collect the values to send into the scratch lists -> their count,
        # or -result for a single error answer. Observe/cancel bookkeeping happens here.
        oid, inst, rid = u.obj, u.inst, u.res
        res = self._path(oid, inst, rid)
        o, e = self._pe
        if not res and not (e[2] & R if e else any(x[2] & R for x in o.table)):
            res = NOT_ALLOWED
        if obs and not res and not self.observe(oid, inst, rid, u.msgid, u.flag):
            res = BAD_REQUEST  # observation table full
        if res:
            return -res
        n = len(o.insts) * len(o.table)
        if len(self._sc) < n:
            self._sc, self._si, self._se = [None] * n, [0] * n, [None] * n
        sc, si, se = self._sc, self._si, self._se
        n = 0
        for i in o.insts:
            if inst >= 0 and i != inst:
                continue
            for e in o.table:
                if (rid >= 0 and e[0] != rid) or not e[2] & R:
                    continue
                v = o.vals.get((i << 16) | e[0])
                if callable(v):
                    try:
                        v = v()
                    except Exception as ex:
                        self._herr(ex)
                        res = BAD_REQUEST
                        v = None
                if v is not None:
                    sc[n], si[n], se[n] = v, i, e
                    n += 1
        if not n and obs:
            self.observe(oid, inst, rid, 0, 1)  # nothing to observe after all
        return n or -(res or NOT_FOUND)

    def _wx(self, u, w):
        # Write/execute up to the handler call -> result code, 0 (a part of a longer write:
        # no answer yet), or the coroutine of an async handler (finished by _done).
        oid, inst, rid = u.obj, u.inst, u.res
        v = None
        if w:
            raw = u.value
            p = self._part
            if u.index:  # keep the part (bounded); the answer comes with index 0
                if p is None or p[0] != u.msgid:
                    p = self._part = (u.msgid, bytearray())
                if len(p[1]) < 1024:
                    p[1].extend(raw)
                return 0
            if p is not None and p[0] == u.msgid:
                p[1].extend(raw)
                raw = p[1]
            self._part = None
        res = self._path(oid, inst, rid)
        o, e = self._pe
        if res:
            return res
        if e is None or not e[2] & (W if w else X) or inst < 0:
            return NOT_ALLOWED
        if w:
            t = e[1]
            try:  # decode per the declared type; anything malformed raises
                if t == T_OPAQUE:
                    v = bytes(raw)
                elif t == T_BOOLEAN:
                    v = (b"0", b"1").index(raw) == 1
                else:
                    v = str(raw, "utf-8")
                    v = int(v) if t == T_INTEGER else float(v) if t == T_FLOAT else v
            except Exception:
                return BAD_REQUEST
        p = self._pv  # the pending write/execute, for _done (no tuple per request)
        p[0] = o
        p[1] = inst
        p[2] = rid
        p[3] = v
        p[4] = w
        fn = o.fns.get(rid)
        try:
            r = None if fn is None else fn(inst, rid, v)
        except Exception as ex:
            r = self._herr(ex)
        return r if hasattr(r, "send") else self._done(r)

    def _herr(self, ex):
        self.stats["handler_errors"] += 1
        _warn("handler: %r", ex)
        return False

    def _done(self, r):
        # handler result -> answer code; a successful write stores the value
        o, inst, rid, v, w = self._pv
        self._pv[3] = None  # no reference kept to the value
        r = BAD_REQUEST if r is False else r if type(r) is int and 11 <= r <= 14 else CHANGED
        if w and r == CHANGED and not callable(o.vals.get((inst << 16) | rid)):
            self.set(o.oid, inst, rid, v)
        return r

    def observe(self, oid, inst, rid, msgid=0, cancel=False):
        """Track (or with ``cancel`` drop) an observation of a path (-1: all levels).
        False if the observation table is full."""
        o = self.objs[oid]
        for ob in self.obs:
            if ob[0] == oid and ob[1] == inst and ob[2] == rid:
                if cancel:
                    self.obs.remove(ob)
                    self.watch = [s for s in self.watch if self.observed(s[0], s[1], s[2])]
                else:
                    ob[3] = msgid
                return True
        if cancel:
            return True
        if len(self.obs) >= self._lim[0]:
            self.stats["obs_dropped"] += 1
            return False
        self.obs.append([oid, inst, rid, msgid])
        now = time.ticks_ms()
        for i in o.insts:
            for e in o.table:
                if inst in (-1, i) and rid in (-1, e[0]) and e[2] & R:
                    for s in self.watch:
                        if s[0] == oid and s[1] == i and s[2] == e[0]:
                            break
                    else:
                        if len(self.watch) >= self._lim[1]:
                            self.stats["obs_dropped"] += 1
                            continue
                        op = o.nopt.get(e[0], o.dopt)
                        self.watch.append([oid, i, e[0], now, 0, op[0], op[1], op[2]])
        return True

    def observed(self, oid, inst, rid):
        """True if the resource is observed directly or via its instance/object."""
        for ob in self.obs:
            if ob[0] == oid and ob[1] in (-1, inst) and ob[2] in (-1, rid):
                return True
        return False

    def observations(self):
        """Observed paths as [(oid, inst, rid)], to persist across deep sleep."""
        return [(ob[0], ob[1], ob[2]) for ob in self.obs]

    def restore_observations(self, paths):
        """Replace the observations with persisted paths (unknown ones are skipped)."""
        self.obs = []
        self.watch = []
        for oid, inst, rid in paths:
            o = self.objs.get(oid)
            if o and (inst == -1 or inst in o.insts) and (rid < 0 or o.find(rid)):
                self.observe(oid, inst, rid)
        return len(self.obs)

    async def notify(self, oid, inst, rid, con=None):
        """Send one resource's current value now -> Note (CON: ``await note.wait(ms)``),
        None if it has no value. Raises what the modem raises."""
        o = self.objs[oid]
        for s in self.watch:
            if s[0] == oid and s[1] == inst and s[2] == rid:
                s[3] = time.ticks_ms()
                s[4] = 0
        v = self.value(oid, inst, rid)
        if v is None:
            return None
        if con is None:
            con = o.nopt.get(rid, o.dopt)[2]
        msgid = await self.modem.notify(oid, inst, rid, o.find(rid)[1], v, con)
        self.stats["sent"] += 1
        if not con or msgid is None:
            return _NON
        self.fail_pending(EXPIRED, self._lim[3])
        n = Note(msgid)
        for i in range(4):
            a = self._early[i]
            if a and a[0] == msgid:
                self._early[i] = None
                self._fin(n, a[1])
                return n
        if len(self.pend) >= self._lim[2]:
            self.stats["notes_dropped"] += 1
            self._fin(self.pend.pop(0), DROPPED)
        self.pend.append(n)
        return n

    def _fin(self, n, status):
        self._nfail += status != 0
        n.status = status
        n.ev.set()

    def _ack(self, msgid, status):
        for n in self.pend:
            if n.msgid == msgid:
                self.pend.remove(n)
                self._fin(n, status)
                return
        self.stats["acks_unmatched"] += 1  # raced ahead of notify() or a duplicate
        self._early[self._ei] = (msgid, status)
        self._ei = (self._ei + 1) & 3

    def fail_pending(self, status=RESET, older_ms=-1):
        """Fail pending CON notes (all, or those older than ``older_ms``)."""
        now = time.ticks_ms()
        p = self.pend
        while p and time.ticks_diff(now, p[0].t) >= older_ms:
            self._fin(p.pop(0), status)

    async def wait_acked(self, timeout_ms=30000):
        """True if every CON notification sent since the last call was acknowledged
        within ``timeout_ms``; False on a failure, a drop or the timeout."""
        dl = time.ticks_add(time.ticks_ms(), timeout_ms)
        ok = True
        while self.pend:
            self.fail_pending(EXPIRED, self._lim[3])
            left = time.ticks_diff(dl, time.ticks_ms())
            if self.pend and (left <= 0 or not await self.pend[0].wait(left)):
                if self.pend and self.pend[0].status == PENDING:
                    ok = False
                    break
        ok = ok and not self._nfail
        self._nfail = 0
        return ok

    async def run(self, modem=None):
        """The notifier task: sends due notifications of observed resources, forever."""
        self.modem = modem or self.modem
        while True:
            self._ev.clear()
            try:
                await asyncio.wait_for_ms(self._ev.wait(), await self.step())
            except asyncio.TimeoutError:
                pass

    async def step(self):
        """Send what is due (changed and pmin passed, or pmax passed); -> ms to next."""
        wait = _IDLE
        for s in self.watch:
            now = time.ticks_ms()
            el = time.ticks_diff(now, s[3])
            pmin, pmax = s[5], s[6]
            if (s[4] and el >= pmin) or (pmax and el >= pmax):
                s[3] = now
                s[4] = 0
                left = pmax or _IDLE
                try:
                    await self.notify(s[0], s[1], s[2], s[7])
                except Exception as e:
                    self.stats["notify_errors"] += 1
                    _warn("notify %d/%d/%d: %r", s[0], s[1], s[2], e)
                    s[3] = time.ticks_add(now, self._lim[4] - pmin)
                    s[4] = 1
                    left = self._lim[4]
            elif s[4] or pmax:
                left = (pmin if s[4] else pmax) - el
            else:
                continue
            wait = min(wait, left)
        return max(wait, 0)
