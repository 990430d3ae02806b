"""What the node answers to server requests: the answering part of ``objects.Model``.

The request machine (``lwm2m.requests``) takes every request from its URC to answered,
one at a time; this part says what to answer: ``reads`` (a read or observe: the values,
observe bookkeeping) and ``change`` (a write or execute: its handler, run in the serving
task, ``serve``). ``request(urc)`` hands a URC to the machine (the reader task);
``handle(urc)`` does it and waits until it is answered. Every request whose message id
can be read is answered exactly once; nothing here raises into the reader.
Cancel-observe answers 2.05 with the current value(s), as the note's 5.8 shape.
"""
from micropython import const
from bc66.values import T_STRING, T_OPAQUE, T_INTEGER, T_FLOAT, T_BOOLEAN
from bc66.values import sendable, str_bytes
from bc66.values import CHANGED, BAD_REQUEST, NOT_FOUND, NOT_ALLOWED, CHANGE_RESULTS
from lwm2m.requests import Requests

_R = const(1)  # lwm2m.objects.R, W, X
_W = const(2)
_X = const(4)
_RID = const(0)  # a resource table entry's positions (lwm2m.objects)
_VTYPE = const(1)
_OPS = const(2)
_FAILED = object()  # _current: a getter that raised


async def _coroutine():
    pass


_CORO = type(_coroutine())  # what an async handler returns (MicroPython: a generator)


def _warn(msg, *a):
    from bc66 import log  # loaded on the first log line (docs/architecture.md)

    log.log(log.WARN, "obj", msg, *a)


class Change:
    """The write or execute whose handler runs (one, reused: ``Model._change``)."""

    def __init__(self):
        self.obj = None  # the Obj
        self.inst = self.rid = 0
        self.value = None  # the decoded value of a write
        self.is_write = False


class Answering:
    """``Model``'s answering part (see the module docstring)."""

    def _init_answering(self):
        self._change = Change()  # the write/execute whose handler runs
        self.requests = Requests()  # the request machine (``request``, ``serve``)
        self._write_parts_msgid = -1  # a write in several parts: its message id, and
        self._write_parts = None  # the value's parts so far (a bytearray)
        self._found_obj = None  # _path's object and table entry
        self._found_entry = None

    def request(self, urc):
        """A read/write/execute/observe (or ``"malformed"``) URC, from the reader task
        (never blocks): to the request machine (``lwm2m.requests``) -> False if it was
        dropped (a duplicate, or no room: counted)."""
        q = self.requests
        if q.model is not self:
            q.attach(self)
        return q.receive(urc)

    async def serve(self, modem=None):
        """The serving task: runs the handler of each write/execute the request machine
        hands out, and hands back its result (it never sends anything itself)."""
        self.modem = modem or self.modem
        q = self.requests
        if q.model is not self:
            q.attach(self)
        q.resume()
        while True:
            await self._run_change(await q.next_change())

    async def handle(self, urc):
        """``request(urc)``, then run handlers until nothing is left to answer (without a
        serving task: the answers of tests and one-shot tools); a report_ack or another
        URC goes to ``on_urc``. Never raises; False for kinds it does not handle."""
        if urc.kind not in ("read", "write", "execute", "observe", "malformed"):
            return self.on_urc(urc)
        self.request(urc)
        q = self.requests
        while True:
            r = await q.next_change(True)
            if r is None:
                return True
            await self._run_change(r)

    async def _run_change(self, r):
        # the handler of write/execute r, an async one awaited -> its code to the machine
        c = self.change(r)
        if type(c) is _CORO:
            try:
                c = self._write_result(await c)
            except Exception as e:
                c = self._write_result(self.handler_error(e))
        self.requests.changed(c)

    def answer_failed(self, r, outcome):
        """The request machine gave ``r`` up: its answer failed with ``outcome``."""
        self.stats["answer_errors"] += 1
        _warn("%s %d unanswered: %r", r.kind, r.msgid, outcome)

    def reads(self, r, m):
        """Read/observe ``r``: the values to send put into the request machine ``m``'s
        parts lists (``m.values``, ``m.insts``, ``m.entries``) -> their count, or
        -result for a single error answer (4.00 for a malformed request). Observe and
        cancel bookkeeping happens here."""
        self.stats["requests"] += 1
        if r.malformed:
            return -BAD_REQUEST
        if r.inst >= 0 and r.res >= 0:
            return self._read_one(r, r.kind == "observe", m)
        return self._collect_reads(r, r.kind == "observe", m)

    def change(self, r):
        """Write/execute ``r`` up to its handler's call -> the result code, 0 (a part of a
        longer write: no answer yet), or the coroutine of an async handler (its result
        through ``_write_result``); 4.00 for a malformed request."""
        self.stats["requests"] += 1
        if r.malformed:
            return BAD_REQUEST
        return self._write_or_execute(r, r.kind == "write")

    def _read_one(self, u, obs, m):
        # A read/observe of one resource of one instance -> 1 (its value and table entry
        # in m's parts lists), or -result (no value). Observe bookkeeping happens here.
        o = self.objs.get(u.obj)
        e = None if o is None or u.inst not in o.insts else o.find(u.res)
        if e is None:
            return -NOT_FOUND
        if not e[_OPS] & _R:
            return -NOT_ALLOWED
        if obs and not self.observe(u.obj, u.inst, u.res, u.msgid, u.flag):
            return -BAD_REQUEST  # observation table full
        v = self._current(o, u.inst, u.res)
        if v is None or v is _FAILED:
            if obs:
                self.observe(u.obj, u.inst, u.res, 0, 1)  # nothing to observe after all
            return -NOT_FOUND if v is None else -BAD_REQUEST
        m.room(1)
        m.values[0] = v
        m.insts[0] = u.inst
        m.entries[0] = e
        return 1

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

    def _collect_reads(self, u, obs, m):
        # Read/observe: collect the values to send into m's parts lists -> their count,
        # or -result for a single error answer. Observe/cancel bookkeeping happens here.
        oid, inst, rid = u.obj, u.inst, u.res
        res = self._path(oid, inst, rid)
        o, e = self._found_obj, self._found_entry
        if not res and not (e[_OPS] & _R if e else any(x[_OPS] & _R for x in o.table)):
            res = NOT_ALLOWED
        if obs and not res and not self.observe(oid, inst, rid, u.msgid, u.flag):
            res = BAD_REQUEST  # observation table full
        if res:
            return -res
        m.room(len(o.insts) * len(o.table))
        values, insts, entries = m.values, m.insts, m.entries
        n = 0
        for i in o.insts:
            if inst >= 0 and i != inst:
                continue
            for e in o.table:
                if (rid >= 0 and e[_RID] != rid) or not e[_OPS] & _R:
                    continue
                v = self._current(o, i, e[_RID])
                if v is not None and v is not _FAILED and not sendable(e[_VTYPE], v):
                    self.handler_error(ValueError("%d/%d/%d: value cannot be sent" % (
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
        if e is None or not e[_OPS] & (_W if w else _X) or inst < 0:
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
        p = self._change  # for _write_result
        p.obj = o
        p.inst = inst
        p.rid = rid
        p.value = v
        p.is_write = w
        fn = o.handlers.get(rid)
        try:
            r = None if fn is None else fn(inst, rid, v)
        except Exception as ex:
            r = self.handler_error(ex)
        return r if type(r) is _CORO else self._write_result(r)

    def _current(self, o, inst, rid):
        # the value of o's inst/rid, its getter called -> the value, None (unset), or
        # _FAILED (the getter raised: a handler error, answered 4.00)
        v = o.values.get((inst << 16) | rid)
        if callable(v):
            try:
                return v()
            except Exception as ex:
                self.handler_error(ex)
                return _FAILED
        return v

    def handler_error(self, ex):
        """A getter, handler or value that failed: counted, logged -> False (4.00)."""
        self.stats["handler_errors"] += 1
        _warn("handler: %r", ex)
        return False

    def _write_result(self, r):
        # handler result -> answer code; a successful write stores the value
        p = self._change
        v = p.value
        p.value = None  # no reference kept to the value
        r = BAD_REQUEST if r is False else r if type(r) is int and r in CHANGE_RESULTS \
            else CHANGED
        if p.is_write and r == CHANGED and not callable(p.obj.values.get((p.inst << 16) | p.rid)):
            self.set(p.obj.oid, p.inst, p.rid, v)
        return r
