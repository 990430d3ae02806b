"""The request machine: every server request from its URC to answered, one way.

``receive(urc)`` (the reader task, never blocks) queues a read/write/execute/observe, or
starts it at once when nothing is being answered. One request is answered at a time, in
order (``current``), in these states:

- SENDING: its answer is out through the driver's one way to answer (``BC66.answer``:
  sent at once or from the engine's outbox, refused or lost answers sent again there);
  a read or observe of several values goes part after part, index N-1..0, each part
  a value in pieces when long; the outcome of each (0, or the ``BC66Error`` it failed
  with) moves it on (``_outcome``). Reads and observes are answered from the reader
  task itself: no task switch.
- HANDLER: a write or execute waits for the serving task (``next_change``), whose only
  job is to run its handler (a coroutine too) and hand back the result code
  (``changed``), which is then sent as any answer.
- done: remembered (the duplicate rule), counted, and the next one starts.

What to answer comes from the model (``lwm2m.answering``: ``reads`` fills the parts
lists ``values``/``insts``/``entries`` of this machine, ``change`` runs a handler).

The queue: each waiting request
costs 12 bytes (six 16-bit fields) instead of a record, so a burst of a few hundred
requests is queued and answered in full; a write's value is kept beside it (at most
``max_write_bytes`` in all: a write beyond is answered 4.00, it cannot be kept).
The entries live in blocks of 32 (384 bytes): a block is added when the last one is
full, up to ``capacity`` entries, and dropped once read (one spare is kept): no large
block, nothing copied.
A request that cannot be queued at all is logged and counted (``dropped_requests``).

Rules (issue 8): every request whose message id can be read is answered exactly once.
A request with a readable message id and malformed fields is queued ``malformed`` (the
model answers 4.00). A request equal to the one being answered, or to one answered less
than CoAP's EXCHANGE_LIFETIME ago (same kind, message id and write index: the server or
the module delivered it again), is dropped and counted (``duplicates``): its handler
runs once, it is answered once. The answered ones are kept in a ring of ``RECENT``
entries (kind, message id, index, second answered: 320 bytes); when it is full the
oldest is overwritten, and if that one was younger than the lifetime it is counted
(``forgotten``: a duplicate of it would run again).
"""
import asyncio
import time
from array import array
from micropython import const
from bc66.values import CONTENT, BAD_REQUEST, pieces

KINDS = ("read", "write", "execute", "observe")
_KIND = const(0)  # 1 + index in KINDS, | _MALFORMED, | _NO_VALUE
_MSGID = const(1)
_OBJ = const(2)
_INST = const(3)
_RES = const(4)
_EXTRA = const(5)  # observe: flag; write: index
_WIDTH = const(6)  # fields per entry
_MALFORMED = const(0x10)  # fields unreadable: answered 4.00
_NO_VALUE = const(0x20)  # a write whose value could not be kept: answered 4.00
_UNSET = const(0xFFFF)  # an id of -1 (all instances / resources)
RECENT = const(32)  # answered requests remembered to drop late duplicates
# RFC 7252 4.8.2: EXCHANGE_LIFETIME = MAX_TRANSMIT_SPAN (45 s) + 2 x MAX_LATENCY (100 s)
# + PROCESSING_DELAY (2 s): how long the same confirmable request may arrive again
EXCHANGE_LIFETIME_S = const(45 + 2 * 100 + 2)
_BLOCK = const(32)  # entries per block
_IDLE = const(0)  # the machine's states: nothing being answered
_SENDING = const(1)  # the answer (a part of it) is out through the driver
_HANDLER = const(2)  # a write/execute waits for the serving task
_RUNNING = const(3)  # its handler runs in the serving task
_RID = const(0)  # a resource table entry's positions (lwm2m.objects)
_VTYPE = const(1)


class Request:
    """The request being answered: the same field names as a ``bc66.urc.URC`` record
    (``kind``, ``msgid``, ``obj``, ``inst``, ``res``, ``flag``, ``value``, ``part``), plus
    ``malformed`` (answer 4.00 without looking further). One object, filled by ``wait_next``."""

    def __init__(self):
        self.kind = None
        self.msgid = self.obj = self.inst = self.res = self.flag = self.part = 0
        self.value = None
        self.malformed = False


def _new_block():
    return array("H", bytes(2 * _WIDTH * _BLOCK))


def _id(v):
    return _UNSET if v < 0 else v


def _from_id(v):
    return -1 if v == _UNSET else v


class Requests:
    """The request machine and its bounded FIFO (see the module docstring)."""

    def __init__(self, capacity=512, max_write_bytes=2048, lifetime_s=EXCHANGE_LIFETIME_S,
                 clock=time.time):
        self.capacity = capacity
        self._blocks = [_new_block()]
        self._spare = None
        self._head = 0  # the oldest entry's index in the first block
        self._count = 0
        self._values = []  # values of the queued writes, oldest first
        self._value_bytes = 0  # their total length
        self.max_write_bytes = max_write_bytes
        self.current = Request()  # the request being answered
        self.model = None  # where the answers come from (``attach``)
        self._state = _IDLE
        self._starting = False  # _run's loop is on
        self._idle_waiter = False  # next_change(until_idle) waits: wake it when idle
        # the values of a read of several, their instance ids and table entries, filled
        # by the model's ``reads`` (``room``: sized once to the largest read, 4 x 14)
        self.values = self.insts = self.entries = ()
        self._parts = 0  # parts of the current read, and the next one to send
        self._next_part = 0
        self._index = 0  # the commands its parts still take (the next part's index + its pieces)
        self._on_outcome = self._outcome  # (one bound method, made once)
        self._recent = array("H", bytes(2 * 3 * RECENT))  # (kind, msgid, extra) answered
        self._recent_s = array("I", bytes(4 * RECENT))  # and when (clock(), seconds)
        self._recent_next = 0
        self.lifetime_s = lifetime_s
        self._clock = clock
        self.ready = asyncio.Event()  # a handler to run, or nothing left to answer
        self.stats = {"requests": 0, "dropped_requests": 0, "duplicates": 0, "malformed": 0,
                      "forgotten": 0}

    def __len__(self):
        """Requests waiting (not counting the one being answered)."""
        return self._count

    def busy(self):
        """True while a request waits or is being answered."""
        return self._count > 0 or self._state != _IDLE

    def attach(self, model):
        """Take the answers from ``model`` (``reads``, ``change``, ``answer_failed``,
        ``modem``)."""
        self.model = model

    # ---- the machine ----
    def receive(self, urc):
        """A read/write/execute/observe (or ``"malformed"``) ``bc66.urc.URC`` record,
        from the reader task (never blocks): started at once when nothing is being
        answered, else queued -> False if it was dropped (a duplicate, no room:
        counted)."""
        k = urc.kind
        extra = 0 if k == "malformed" else urc.part if k == "write" else urc.flag or 0
        if self._state != _IDLE or self._count or k == "malformed" or not (
                0 <= urc.msgid <= 65535 and -1 <= urc.obj <= 65535
                and -1 <= urc.inst <= 65535 and -1 <= urc.res <= 65535
                and 0 <= extra <= 65535):  # (put: dropped, or answered 4.00)
            if not self.put_urc(urc):
                return False
            self._run(False)
            return True
        code = KINDS.index(k) + 1
        if self._recently(code, urc.msgid, extra):
            self.stats["duplicates"] += 1
            return False
        r = self.current
        r.kind = k
        r.msgid = urc.msgid
        r.obj = urc.obj
        r.inst = urc.inst
        r.res = urc.res
        r.flag = extra if code == 4 else 0
        r.part = extra if code == 2 else 0
        r.value = urc.value
        r.malformed = False
        self._run(True)
        return True

    def _run(self, current):
        # Start the ``current`` request, or the oldest queued one; then the next ones
        # while each is done at once (a loop, not a recursion: a long queue in front of
        # an engine that stopped fails each at once)
        if self._starting or self._state != _IDLE:
            return  # (the loop below, or the request's outcome, goes on)
        self._starting = True
        try:
            while current or self._state == _IDLE and self._take():
                current = False
                try:
                    self._start()
                except Exception as e:  # (MemoryError): given up, counted once
                    if self._state == _SENDING:  # (nothing out: answer() raised before)
                        self._finish(e)
        finally:
            self._starting = False

    def _start(self):
        # The current request: a read/observe answered at once (its first part), a
        # write/execute handed to the serving task; a malformed one or a write's part
        # (nothing for a handler) answered here
        r = self.current
        k = r.kind
        self._state = _SENDING
        if r.malformed or r.part:
            return self._answer(self.model.change(r))
        if k == "read" or k == "observe":
            n = self.model.reads(r, self)
            if n < 0:
                return self._answer(-n)
            self._parts = n
            self._next_part = 0
            self._index = n if n == 1 else self._commands(n)
            return self._send_part()
        self._state = _HANDLER
        self.ready.set()

    def _answer(self, code):
        # the one answer without a value: an error, a write/execute result (0: none, a
        # part of a longer write)
        if not code:
            return self._finish(0)
        r = self.current
        try:
            self.model.modem.answer(r.kind, r.msgid, code, self._on_outcome, r.obj, r.inst,
                                    r.res)
        except Exception as e:  # nothing sent: given up, counted once
            self._finish(e)

    def _commands(self, n):
        # the commands the n parts of a read take, a long value in pieces: their indexes
        # run N-1..0 across all of them (one message split into N, the note's <index>)
        total = 0
        for j in range(n):
            total += pieces(self.entries[j][_VTYPE], self.values[j])
        return total

    def _send_part(self):
        # the next part of a read's answer (index N-1 first, a long value's pieces in turn)
        j = self._next_part
        self._next_part = j + 1
        r = self.current
        e = self.entries[j]
        v = self.values[j]
        self.values[j] = self.entries[j] = None  # no reference kept
        if self._parts > 1:
            self._index -= pieces(e[_VTYPE], v)
        else:
            self._index = 0
        try:
            self.model.modem.answer(r.kind, r.msgid, CONTENT, self._on_outcome, r.obj,
                                    self.insts[j], e[_RID], e[_VTYPE], v,
                                    self._index, j == 0)
        except ValueError as ex:  # a value that does not fit its type
            if j:
                return self._finish(ex)
            self.model.handler_error(ex)  # the first: 4.00 instead
            self._release()
            self._answer(BAD_REQUEST)
        except Exception as ex:
            self._finish(ex)

    def _outcome(self, outcome):
        # the outcome of the answer sent last (BC66.answer: 0, or the BC66Error it
        # failed with): the next part, or the request is done
        if outcome == 0 and self._next_part < self._parts:
            return self._send_part()
        self._finish(outcome)

    def _finish(self, outcome):
        # the current request is answered, or given up (counted once): remembered; the
        # next one starts
        self._release()
        self._state = _IDLE
        self.done()
        if outcome != 0:
            try:
                self.model.answer_failed(self.current, outcome)
            except MemoryError:  # (its log line): the count is kept
                pass
        if self._count:
            self._run(False)
        elif self._idle_waiter:
            self.ready.set()  # (handle: nothing left to answer)

    def _release(self):
        # no reference kept to values or table entries of the current read
        for j in range(self._next_part, self._parts):
            self.values[j] = self.entries[j] = None
        self._parts = self._next_part = self._index = 0

    def room(self, n):
        """The parts lists ``values``, ``insts``, ``entries`` hold at least ``n``."""
        if len(self.values) < n:
            self.values, self.insts, self.entries = [None] * n, [0] * n, [None] * n

    async def next_change(self, until_idle=False):
        """The serving task: wait for the write/execute whose handler is to run -> the
        current ``Request`` (hand its result code to ``changed``); ``until_idle``: None
        once nothing is left to answer."""
        while self._state != _HANDLER:
            if until_idle and not self.busy():
                return None
            self._idle_waiter = until_idle  # (the serving task is not woken per request)
            self.ready.clear()
            await self.ready.wait()
        self._state = _RUNNING
        return self.current

    def changed(self, code):
        """The result code of the handler ``next_change`` handed out: it is answered."""
        self._state = _SENDING
        self._answer(code)

    def resume(self):
        """A serving task starts: a handler cut short with the task before (a Ctrl-C,
        a restart) gets 4.00, so the request is answered once and its handler never
        runs twice."""
        if self._state == _RUNNING:
            self.changed(BAD_REQUEST)

    def put(self, kind, msgid, obj=-1, inst=-1, res=-1, extra=0, value=None, malformed=False):
        """Queue one request (non-blocking: called in the reader task) -> True if queued,
        False if dropped (a duplicate, or no room at all: logged and counted)."""
        code = KINDS.index(kind) + 1
        if not 0 <= msgid <= 65535:  # cannot be answered: counted, logged
            self.stats["dropped_requests"] += 1
            _log("%s with message id %d unanswerable", kind, msgid)
            return False
        if not (-1 <= obj <= 65535 and -1 <= inst <= 65535 and -1 <= res <= 65535
                and 0 <= extra <= 65535):
            malformed = True
        if self._duplicate(code, kind, msgid, extra):
            self.stats["duplicates"] += 1
            return False
        if malformed:
            code |= _MALFORMED
            self.stats["malformed"] += 1
            obj = inst = res = extra = 0
        elif code == 2:
            if self._value_bytes + len(value) <= self.max_write_bytes:
                self._values.append(value)
                self._value_bytes += len(value)
            else:
                code |= _NO_VALUE
        at = self._head + self._count
        if at == _BLOCK * len(self._blocks) and not self._add_block():
            self.stats["dropped_requests"] += 1
            _log("request queue full (%d): %s %d unanswerable", self._count, kind, msgid)
            if code & 0xF == 2 and not code & (_MALFORMED | _NO_VALUE):
                self._value_bytes -= len(self._values.pop())
            return False
        t = self._blocks[at // _BLOCK]
        i = at % _BLOCK * _WIDTH
        t[i + _KIND] = code
        t[i + _MSGID] = msgid
        t[i + _OBJ] = _id(obj)
        t[i + _INST] = _id(inst)
        t[i + _RES] = _id(res)
        t[i + _EXTRA] = extra
        self._count += 1
        return True

    def put_urc(self, urc):
        """``put`` for a ``bc66.urc.URC`` record (or anything with its field names)."""
        if urc.kind == "malformed":  # .value: the request's kind
            return self.put(urc.value, urc.msgid, malformed=True)
        extra = urc.part if urc.kind == "write" else urc.flag or 0
        return self.put(urc.kind, urc.msgid, urc.obj, urc.inst, urc.res, extra, urc.value)

    def _duplicate(self, code, kind, msgid, extra):
        # the same (kind, message id, write index) as a request being answered or one of
        # the last ones answered
        return (self._state != _IDLE and _same(self.current, code, kind, msgid, extra)
                or self._recently(code, msgid, extra))

    def _recently(self, code, msgid, extra):
        # answered less than lifetime_s ago (an entry "from the future": the clock was set
        # back, is taken as expired)
        r = self._recent
        for i in range(0, 3 * RECENT, 3):
            if r[i + 1] == msgid and r[i] == code and (code != 2 or r[i + 2] == extra) \
                    and 0 <= int(self._clock()) - self._recent_s[i // 3] < self.lifetime_s:
                return True
        return False

    def _add_block(self):
        if len(self._blocks) * _BLOCK >= self.capacity:
            return False
        b, self._spare = self._spare, None
        if b is None:
            try:
                b = _new_block()
            except MemoryError:
                return False
        self._blocks.append(b)
        return True

    def _take(self):
        # the oldest queued request into ``current`` -> True; False if none is left (the
        # rest were duplicates of requests just answered: counted)
        while self._count:
            t = self._blocks[0]
            i = self._head * _WIDTH
            code = t[i + _KIND]
            kind = code & 0xF
            msgid = t[i + _MSGID]
            extra = t[i + _EXTRA]
            value = None
            if kind == 2 and not code & (_MALFORMED | _NO_VALUE):
                value = self._values.pop(0)
                self._value_bytes -= len(value)
            self._head += 1
            self._count -= 1
            if not self._count:  # empty: start again at the first block
                self._head = 0
                del self._blocks[1:]
            elif self._head == _BLOCK:  # this block is read: the next one is first
                self._spare = self._blocks.pop(0)
                self._head = 0
            if self._recently(kind, msgid, extra):  # queued twice, the first just answered
                self.stats["duplicates"] += 1
                continue
            r = self.current
            r.kind = KINDS[kind - 1]
            r.msgid = msgid
            r.obj = _from_id(t[i + _OBJ])
            r.inst = _from_id(t[i + _INST])
            r.res = _from_id(t[i + _RES])
            r.flag = extra if kind == 4 else 0
            r.part = extra if kind == 2 else 0
            r.value = value
            r.malformed = code & (_MALFORMED | _NO_VALUE) != 0
            return True
        return False

    def done(self):
        """The current request was answered (or given up): remember it, count it."""
        self._remember(self.current)

    def _remember(self, r):
        rc = self._recent
        i = self._recent_next
        now = int(self._clock())
        if rc[i] and 0 <= now - self._recent_s[i // 3] < self.lifetime_s:
            self.stats["forgotten"] += 1  # overwritten within its lifetime (ring full)
        rc[i] = KINDS.index(r.kind) + 1
        rc[i + 1] = r.msgid
        rc[i + 2] = r.part if r.kind == "write" else r.flag
        self._recent_s[i // 3] = now
        self._recent_next = (i + 3) % (3 * RECENT)
        r.value = None  # no reference kept to the value
        self.stats["requests"] += 1


def _same(r, code, kind, msgid, extra):
    return r.msgid == msgid and r.kind == kind and (code != 2 or r.part == extra)


def _log(msg, *args):
    from bc66 import log
    log.log(log.WARN, "req", msg, *args)
