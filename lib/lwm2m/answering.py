"""Answering server requests: the answering part of ``objects.Model``.

``request(urc)`` (from the reader task, never blocks) answers a read or observe at once
when nothing else waits and the modem is idle; everything else is queued
(lwm2m.requests) for ``serve``, which answers in order through ``handle``. Every request
whose message id can be read is answered exactly once; ``handle`` never raises.
Cancel-observe answers 2.05 with the current value(s), as the note's 5.8 shape.
"""
import asyncio
from micropython import const
from bc66.values import T_STRING, T_OPAQUE, T_INTEGER, T_FLOAT, T_BOOLEAN
from bc66.values import sendable, str_bytes
from bc66.values import CONTENT, CHANGED, BAD_REQUEST, NOT_FOUND, NOT_ALLOWED, CHANGE_RESULTS
from lwm2m.requests import Requests

_R = const(1)  # lwm2m.objects.R, W, X
_W = const(2)
_X = const(4)
_RID = const(0)  # a resource table entry's positions (lwm2m.objects)
_VTYPE = const(1)
_OPS = const(2)
_FAILED = object()  # _current: a getter that raised


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
        # the scratch lists of a read of several values: values, instance ids and table
        # entries, sized once to the largest object read (at most 4 x 14)
        self._part_values = self._part_insts = self._part_entries = ()
        self._change = Change()  # the write/execute whose handler runs
        self._answer_lock = asyncio.Lock()  # one answer at a time (it uses the scratch lists)
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

    async def handle(self, urc):
        """Answer a read/write/execute/observe URC, complete a report_ack; never raises.
        Returns False for kinds it does not handle."""
        # The decisions run in plain functions (no heap frame); only the awaits live here.
        kind = urc.kind
        if kind not in ("read", "write", "execute", "observe"):
            return self.on_urc(urc)
        self.stats["requests"] += 1
        await self._answer_lock.acquire()
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
            self._answer_lock.release()
        return True

    def request(self, urc):
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
        # The answer of request() sent from the reader task -> True (sent), False (dropped
        # as a duplicate) or None (not now: it goes into the queue). One resource: its
        # value (_read_one); more: the values in the scratch lists (_collect_reads), one
        # part after the other as each is taken (_answered). The modem says whether it can
        # send now (post_content: False when busy): no question asked before.
        q = self.requests
        if self.modem is None or q.busy() or self._answer_lock.locked():
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
                from bc66.errors import BC66Error  # (failures only: no global kept: the
                outcome = BC66Error("next part not sent")  # 40 KB board's heap)
            except ValueError as e:
                self._handler_error(e)
                outcome = e
        elif outcome != 0 and self._part_next == 1:
            from bc66.errors import NoAnswer
            if type(outcome) is NoAnswer:  # the module never answered the first one:
                self._requeue()  # serve sends it again (sync, retry)
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
        if not e[_OPS] & _R:
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
            r = await q.wait_next()
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
        if not res and not (e[_OPS] & _R if e else any(x[_OPS] & _R for x in o.table)):
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
                if (rid >= 0 and e[_RID] != rid) or not e[_OPS] & _R:
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
        p = self._change
        v = p.value
        p.value = None  # no reference kept to the value
        r = BAD_REQUEST if r is False else r if type(r) is int and r in CHANGE_RESULTS \
            else CHANGED
        if p.is_write and r == CHANGED and not callable(p.obj.values.get((p.inst << 16) | p.rid)):
            self.set(p.obj.oid, p.inst, p.rid, v)
        return r
