"""LwM2M object model for the BC66: tables, request answering, observe, notify.

``Obj(oid, insts, ((rid, vtype, ops[, units]), ...))``, ops a mask of R|W|X. Values per
(obj, inst, res) live in the Obj: a value or a zero-argument getter. ``obj.on(rid, fn)``:
``fn(inst, rid, value)`` validates/applies a write (value decoded) or runs an execute
(value None); it returns None/True (2.04), False (4.00) or a result code 11..14; raising
gives 4.00. ``Model.handle(urc)`` answers every request exactly once and never raises.
Cancel-observe answers 2.05 with the current value(s), as the note's 5.8 shape.
An instance-level observation is notified per changed resource (QLWNOTIFY takes one).

Observations: ``Model.observing`` holds an ``Observation`` per observe the server made
(a path, -1 for all instances / resources); ``Model.watched`` a ``Watched`` per resource
they cover, with its ``NotifyOptions`` (from ``Obj.on``) and when it was last notified;
``Model.run`` sends what is due. A CON notification is a ``Note`` in ``Model.pending``
until its report_ack (or a failure, a drop past ``max_pending``, ``ack_timeout_ms``).
"""
import asyncio
import time
from collections import namedtuple
from micropython import const
from bc66.values import T_STRING, T_OPAQUE, T_INTEGER, T_FLOAT, T_BOOLEAN  # noqa: F401
from bc66.values import sendable, str_bytes
from bc66.values import (CONTENT, CHANGED, BAD_REQUEST, UNAUTHORIZED,  # noqa: F401
                         NOT_FOUND, NOT_ALLOWED, CHANGE_RESULTS)
from bc66.errors import CommandError
from lwm2m.requests import Requests

R = const(1)
W = const(2)
X = const(4)
MAX_OBJECTS = const(15)
MAX_INSTANCES = const(4)
MAX_RESOURCES = const(14)
PENDING = const(-1)
DROPPED = const(-2)
EXPIRED = const(-3)
RESET = const(-4)
_IDLE = const(60000)
# a resource table entry: (rid, vtype, ops[, units])
_RID = const(0)
_VTYPE = const(1)
_OPS = const(2)
_MISS = object()
_FAILED = object()  # Model._current: a getter that raised

# How an observed resource is notified: at most every pmin_ms, at least every pmax_ms
# (0: no bound), confirmable (con) or not.
NotifyOptions = namedtuple("NotifyOptions", ("pmin_ms", "pmax_ms", "con"))


def _warn(msg, *a):
    from bc66 import log  # loaded on the first log line (docs/architecture.md)

    log.log(log.WARN, "obj", msg, *a)


class Obj:
    """One object: id, instance ids, resource table, values, handlers, notify options."""

    def __init__(self, oid, insts, table, pmin_ms=0, pmax_ms=0, con=True):
        if len(table) > MAX_RESOURCES:
            raise ValueError("object %d: %d resources > 14" % (oid, len(table)))
        for e in table:
            if not (T_STRING <= e[_VTYPE] <= T_BOOLEAN and 0 < e[_OPS] <= R | W | X):
                raise ValueError("object %d: bad resource %r" % (oid, e))
        self.oid = oid
        self.table = tuple(table)
        self.insts = []
        self.values = {}  # (inst << 16 | rid) -> value or getter
        self.handlers = {}  # rid -> fn(inst, rid, value)
        self.notify_options = {}  # rid -> NotifyOptions, set by ``on``
        self.default_options = NotifyOptions(pmin_ms, pmax_ms, con)
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
            if e[_RID] == rid:
                return e
        return None

    def options(self, rid):
        """The ``NotifyOptions`` of ``rid`` (the object's defaults unless ``on`` set them)."""
        return self.notify_options.get(rid, self.default_options)

    def on(self, rid, fn=None, pmin_ms=None, pmax_ms=None, con=None):
        """Set the write (W) / execute (X) handler of ``rid`` and/or its notification
        options (min/max interval in ms, 0 = none; CON or NON) for observations made
        from now on; None keeps what is set."""
        if fn is not None:
            self.handlers[rid] = fn
        d = self.options(rid)
        self.notify_options[rid] = NotifyOptions(
            d.pmin_ms if pmin_ms is None else pmin_ms, d.pmax_ms if pmax_ms is None else pmax_ms,
            d.con if con is None else con)


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


class PendingChange:
    """The write or execute whose handler runs (one, reused: ``Model._pending``)."""

    def __init__(self):
        self.obj = None  # the Obj
        self.inst = self.rid = 0
        self.value = None  # the decoded value of a write
        self.is_write = False


class Note:
    """A sent notification; ``status``: PENDING, 0 acked, >0 module code, <0 local."""

    def __init__(self, msgid, status=PENDING):
        self.msgid = msgid
        self.status = status
        self.sent_ms = time.ticks_ms()
        self.finished = asyncio.Event()  # set with the final status

    async def wait(self, timeout_ms=30000):
        """True once acknowledged; False on failure or timeout."""
        if self.status == PENDING:
            try:
                await asyncio.wait_for_ms(self.finished.wait(), timeout_ms)
            except asyncio.TimeoutError:
                pass
        return self.status == 0


_SENT_NON = Note(None, 0)  # what notify returns for a NON notification (nothing to wait for)


class Model:
    """Registry of objects; answers requests, tracks observations and notifications."""

    def __init__(self, modem=None, max_observations=16, max_watched=32, max_pending=8,
                 ack_timeout_ms=120000, retry_ms=2000):
        self.modem = modem
        self.objs = {}
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
        # the scratch lists of a read of several values: values, instance ids and table
        # entries, sized once to the largest object read (at most 4 x 14)
        self._part_values = self._part_insts = self._part_entries = ()
        self._pending = PendingChange()  # the write/execute whose handler runs
        self._answering = asyncio.Lock()  # one answer at a time (it uses the scratch lists)
        self.requests = Requests()  # server requests waiting for ``serve``
        self._on_answered = self._answered  # (one bound method, made once)
        self._one = None  # the value _read_one read, and its type
        self._one_type = 0
        self._one_result = 0  # CONTENT, or the error code to answer
        self._parts = 0  # _answer_now: values in the scratch lists, and the next to send
        self._part_next = 0
        self._write_parts_msgid = -1  # a write in several parts: its message id, and
        self._write_parts = None  # the value's parts so far (a bytearray)
        self._found_obj = None  # _path's object and table entry
        self._found_entry = None
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
        values = self.objs[oid].values
        k = (inst << 16) | rid
        old = values.get(k, _MISS)
        values[k] = value
        if notify and (callable(value) or old != value):
            self.changed(oid, inst, rid)

    def value(self, oid, inst, rid):
        """Current value (getter called); None if unset."""
        v = self.objs[oid].values.get((inst << 16) | rid)
        return v() if callable(v) else v

    def changed(self, oid, inst=-1, rid=-1):
        """Mark a path (-1: all) changed, e.g. for getter-backed values."""
        for w in self.watched:
            if w.oid == oid and inst in (-1, w.inst) and rid in (-1, w.rid):
                w.dirty = True
                self._notifier_wake.set()

    async def sync_objects(self, modem=None):
        """Align the module's object list with the declaration -> (added, deleted, kept)."""
        m = self.modem = modem or self.modem
        for o in self.objs.values():
            if not 0 < len(o.insts) <= MAX_INSTANCES or len(o.table) > MAX_RESOURCES:
                raise ValueError("object %d: instances/resources over the module's limits" % o.oid)
        last = None  # a difference is acted on only when two reads in a row agree on it
        for n in range(3):  # (one garbled +QLWADDOBJ line must not cost a registration)
            try:
                rows = await m.objects()
            except CommandError:  # a line that did not parse
                if n == 2:
                    raise
                continue
            have, to_add, kept = self._object_plan(rows)
            if not (have or to_add) or rows == last:
                break
            last = rows
        else:
            raise CommandError(-1, "+QLWADDOBJ: no two answers agree")
        added = 0
        deleted = len(have)  # undeclared or different: delete first (frees module slots)
        for oid in have:
            await m.del_object(oid)
        for o in to_add:
            for inst in o.insts:
                await m.add_object(o.oid, inst, tuple(e[_RID] for e in o.table))
                added += 1
        return added, deleted, kept

    def _object_plan(self, rows):
        # the module's list against the declaration -> ({oid to delete: ...}, [objects to
        # add], how many are identical)
        have = {}  # oid -> {inst: sorted resource ids} as the module has them
        for oid, inst, rids in rows:
            have.setdefault(oid, {})[inst] = tuple(sorted(rids))
        kept = 0
        to_add = []
        for oid, o in self.objs.items():
            insts = have.get(oid)
            rids = tuple(sorted(e[_RID] for e in o.table))
            if insts is not None and len(insts) == len(o.insts) and \
                    all(insts.get(i) == rids for i in o.insts):
                kept += 1
                del have[oid]  # identical: leave it
            else:
                to_add.append(o)
        return have, to_add, kept

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
                r = self._write_or_execute(urc, kind == "write")
                if hasattr(r, "send"):  # an async handler
                    r = await self._finish_async(r)
                if r:
                    await (m.write_rsp if kind == "write" else m.exec_rsp)(urc.msgid, r)
            else:
                m = m.obs_rsp if kind == "observe" else m.read_rsp
                n = self._collect_reads(urc, kind == "observe")
                if n < 0:
                    await m(urc.msgid, -n, urc.obj, urc.inst, urc.res)
                for j in range(n):
                    await self._answer_part(m, urc, n, j)
        except Exception as e:
            self.stats["answer_errors"] += 1
            _warn("%s %d unanswered: %r", kind, urc.msgid, e)
        finally:
            self._answering.release()
        return True

    def take(self, urc):
        """A read/write/execute/observe (or ``"malformed"``) URC, from the reader task
        (never blocks). A read or observe is answered at once, from the reader task, when
        nothing else waits and the modem is idle (no task switch: docs/architecture.md,
        "The request path"); everything else is queued for ``serve``. False if it was
        dropped (a duplicate, or no room: counted)."""
        k = urc.kind
        if k == "read" or k == "observe":
            r = self._answer_now(urc, k == "observe")
            if r is not None:
                return r
        return self.requests.put_urc(urc)

    def _answer_now(self, u, obs):
        # The answer of take() sent from the reader task -> True (sent), False (dropped
        # as a duplicate) or None (not now: it goes into the queue). One resource: its
        # value (_read_one); more: the values in the scratch lists (_collect_reads), one
        # part after the other as each is taken (_answered).
        m = self.modem
        q = self.requests
        if m is None or q.busy() or self._answering.locked() or not m.can_post(u.kind):
            return None
        if q.begin(u.kind, u.msgid, u.obj, u.inst, u.res, u.flag or 0) is None:
            return False
        self.stats["requests"] += 1
        self._parts = self._part_next = 0
        if u.inst >= 0 and u.res >= 0:
            self._one_result = self._read_one(u, obs)
        else:
            n = self._collect_reads(u, obs)
            if n < 0:
                self._one_result = -n
            elif self._postable(n):
                self._parts = n
            else:  # a long string or opaque value: read_rsp sends it in pieces
                self._parts = n
                return self._requeue()
        try:
            sent = self._post_next()
        except ValueError as ex:  # a value that does not fit its type: 4.00
            self._handler_error(ex)
            self._parts = 0
            self._one_result = BAD_REQUEST
            sent = self._post_next()
        if sent:
            return True
        return self._requeue()

    def _requeue(self):
        # the request of _answer_now goes to ``serve`` after all (handle counts it again)
        self._release(self._parts)
        self.stats["requests"] -= 1
        return self.requests.requeue()

    def _postable(self, n):
        # the n values in the scratch lists each fit one short command (post_content)
        for j in range(n):
            t = self._part_entries[j][_VTYPE]
            v = self._part_values[j]
            if t == T_OPAQUE or t == T_STRING and (not isinstance(v, str) or len(v) > 64):
                return False
        return True

    def _release(self, n):
        # no reference kept to values or table entries in the scratch lists
        for j in range(n):
            self._part_values[j] = self._part_entries[j] = None

    def _post_next(self):
        # Send the next answer of the request of _answer_now (requests.direct): the single
        # answer, or the next part (index N-1 first) -> True if it was sent
        u = self.requests.direct
        j = self._part_next
        if self._parts:
            e = self._part_entries[j]
            v = self._part_values[j]
            self._part_values[j] = self._part_entries[j] = None
            self._part_next = j + 1
            return self.modem.post_content(u.kind, u.msgid, CONTENT, u.obj,
                                           self._part_insts[j], e[_RID], e[_VTYPE], v,
                                           self._on_answered, self._parts - 1 - j)
        v = self._one
        self._one = None  # no reference kept to the value
        self._part_next = 1
        return self.modem.post_content(u.kind, u.msgid, self._one_result, u.obj, u.inst,
                                       u.res, self._one_type, v, self._on_answered)

    def _answered(self, outcome):
        # The outcome of an answer _post_next sent (see BC66.post_content): the next part,
        # or the request is done
        q = self.requests
        r = q.direct
        if outcome == 0 and self._part_next < self._parts:
            try:
                if self._post_next():
                    return
                outcome = "not sent"
            except ValueError as e:
                self._handler_error(e)
                outcome = e
        elif outcome is None and self._part_next == 1:  # the module never answered the
            self._requeue()  # first one: serve sends it again (sync, retry)
            return
        if outcome != 0:
            self.stats["answer_errors"] += 1
            _warn("%s %d unanswered: %r", r.kind, r.msgid, outcome)
        self._release(self._parts)
        q.end()

    def _read_one(self, u, obs):
        # A read/observe of one resource of one instance -> CONTENT, the value and its
        # type in self._one and self._one_type; or an error code (no value). The answers
        # of _collect_reads, without its scratch lists; observe bookkeeping happens here.
        self._one = None
        self._one_type = 0
        o = self.objs.get(u.obj)
        e = None if o is None or u.inst not in o.insts else o.find(u.res)
        if e is None:
            return NOT_FOUND
        if not e[_OPS] & R:
            return NOT_ALLOWED
        if obs and not self.observe(u.obj, u.inst, u.res, u.msgid, u.flag):
            return BAD_REQUEST  # observation table full
        v = self._current(o, u.inst, u.res)
        if v is None or v is _FAILED:
            if obs:
                self.observe(u.obj, u.inst, u.res, 0, 1)  # nothing to observe after all
            return NOT_FOUND if v is None else BAD_REQUEST
        self._one = v
        self._one_type = e[_VTYPE]
        return CONTENT

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

    async def _finish_async(self, r):
        try:
            return self._write_result(await r)
        except Exception as e:
            return self._write_result(self._handler_error(e))

    def _answer_part(self, m, u, n, j):
        # the answer coroutine of part j of n (a plain function: its arguments are not kept
        # in handle's heap frame)
        e = self._part_entries[j]
        v = self._part_values[j]
        self._part_values[j] = self._part_entries[j] = None
        return m(u.msgid, CONTENT, u.obj, self._part_insts[j], e[_RID], e[_VTYPE], v, n - 1 - j)

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
        # -> 0 or NOT_FOUND; the object and the table entry (or None) in self._found_obj
        # and self._found_entry
        o = self.objs.get(oid)
        e = None if o is None else o.find(rid)
        self._found_obj = o
        self._found_entry = e
        if o is None or (inst >= 0 and inst not in o.insts) or (rid >= 0 and e is None):
            return NOT_FOUND
        return 0

    def _collect_reads(self, u, obs):
        # Read/observe: collect the values to send into the scratch lists -> their count,
        # or -result for a single error answer. Observe/cancel bookkeeping happens here.
        oid, inst, rid = u.obj, u.inst, u.res
        res = self._path(oid, inst, rid)
        o, e = self._found_obj, self._found_entry
        if not res and not (e[_OPS] & R if e else any(x[_OPS] & R for x in o.table)):
            res = NOT_ALLOWED
        if obs and not res and not self.observe(oid, inst, rid, u.msgid, u.flag):
            res = BAD_REQUEST  # observation table full
        if res:
            return -res
        n = len(o.insts) * len(o.table)
        if len(self._part_values) < n:
            self._part_values, self._part_insts, self._part_entries = \
                [None] * n, [0] * n, [None] * n
        values, insts, entries = self._part_values, self._part_insts, self._part_entries
        n = 0
        for i in o.insts:
            if inst >= 0 and i != inst:
                continue
            for e in o.table:
                if (rid >= 0 and e[_RID] != rid) or not e[_OPS] & R:
                    continue
                v = self._current(o, i, e[_RID])
                if v is not None and v is not _FAILED and not sendable(e[_VTYPE], v):
                    self._handler_error(ValueError("%d/%d/%d: value cannot be sent" % (
                        oid, i, e[_RID])))
                    v = _FAILED  # not sent; answered 4.00 if nothing else is
                if v is _FAILED:
                    res = BAD_REQUEST
                elif v is not None:
                    values[n], insts[n], entries[n] = v, i, e
                    n += 1
        if not n and obs:
            self.observe(oid, inst, rid, 0, 1)  # nothing to observe after all
        return n or -(res or NOT_FOUND)

    def _write_or_execute(self, u, w):
        # Write/execute up to the handler call -> result code, 0 (a part of a longer write:
        # no answer yet), or the coroutine of an async handler (finished by
        # _write_result).
        oid, inst, rid = u.obj, u.inst, u.res
        v = None
        if w:
            raw = u.value
            if u.part:  # keep the part (bounded); the answer comes with index 0
                if self._write_parts_msgid != u.msgid:
                    self._write_parts_msgid = u.msgid
                    self._write_parts = bytearray()
                if len(self._write_parts) < 1024:
                    self._write_parts.extend(raw)
                return 0
            if self._write_parts_msgid == u.msgid:
                self._write_parts.extend(raw)
                raw = self._write_parts
            self._write_parts_msgid = -1
            self._write_parts = None
        res = self._path(oid, inst, rid)
        o, e = self._found_obj, self._found_entry
        if res:
            return res
        if e is None or not e[_OPS] & (W if w else X) or inst < 0:
            return NOT_ALLOWED
        if w:
            t = e[_VTYPE]
            try:  # decode per the declared type; anything malformed raises
                if t == T_OPAQUE:
                    v = bytes(raw)
                elif t == T_BOOLEAN:
                    v = (b"0", b"1").index(raw) == 1
                else:
                    v = str(raw, "utf-8")
                    v = int(v) if t == T_INTEGER else float(v) if t == T_FLOAT else v
                    if t == T_STRING:  # one it could not answer (a quote, CR...): 4.00
                        str_bytes(v)
            except Exception:
                return BAD_REQUEST
        p = self._pending  # for _write_result
        p.obj = o
        p.inst = inst
        p.rid = rid
        p.value = v
        p.is_write = w
        fn = o.handlers.get(rid)
        try:
            r = None if fn is None else fn(inst, rid, v)
        except Exception as ex:
            r = self._handler_error(ex)
        return r if hasattr(r, "send") else self._write_result(r)

    def _current(self, o, inst, rid):
        # the value of o's inst/rid, its getter called -> the value, None (unset), or
        # _FAILED (the getter raised: a handler error, answered 4.00)
        v = o.values.get((inst << 16) | rid)
        if callable(v):
            try:
                return v()
            except Exception as ex:
                self._handler_error(ex)
                return _FAILED
        return v

    def _handler_error(self, ex):
        self.stats["handler_errors"] += 1
        _warn("handler: %r", ex)
        return False

    def _write_result(self, r):
        # handler result -> answer code; a successful write stores the value
        p = self._pending
        v = p.value
        p.value = None  # no reference kept to the value
        r = BAD_REQUEST if r is False else r if type(r) is int and r in CHANGE_RESULTS \
            else CHANGED
        if p.is_write and r == CHANGED and not callable(p.obj.values.get((p.inst << 16) | p.rid)):
            self.set(p.obj.oid, p.inst, p.rid, v)
        return r

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
                if inst in (-1, i) and rid in (-1, table_rid) and e[_OPS] & R:
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
