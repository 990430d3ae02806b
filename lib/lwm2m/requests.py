"""Server requests waiting for their answer: a bounded FIFO of compact entries.

The modem's reader task puts every read/write/execute/observe it parses (``put``, never
blocks); the model's serving task takes them in order (``wait_next``). Each waiting request
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
    """Bounded FIFO of server requests (see the module docstring)."""

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
        self.current = Request()
        self._answering = False  # ``current`` is being answered
        self.direct = Request()  # the request answered outside the queue (``begin``)
        self._direct_busy = False
        self._recent = array("H", bytes(2 * 3 * RECENT))  # (kind, msgid, extra) answered
        self._recent_s = array("I", bytes(4 * RECENT))  # and when (clock(), seconds)
        self._recent_next = 0
        self.lifetime_s = lifetime_s
        self._clock = clock
        self.ready = asyncio.Event()
        self.stats = {"requests": 0, "dropped_requests": 0, "duplicates": 0, "malformed": 0,
                      "forgotten": 0}

    def __len__(self):
        """Requests waiting (not counting the one being answered)."""
        return self._count

    def busy(self):
        """True while a request waits or is being answered."""
        return self._count > 0 or self._answering or self._direct_busy

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
        self.ready.set()
        return True

    def put_urc(self, urc):
        """``put`` for a ``bc66.urc.URC`` record (or anything with its field names)."""
        if urc.kind == "malformed":  # .value: the request's kind
            return self.put(urc.value, urc.msgid, malformed=True)
        extra = urc.part if urc.kind == "write" else urc.flag or 0
        return self.put(urc.kind, urc.msgid, urc.obj, urc.inst, urc.res, extra, urc.value)

    def begin(self, kind, msgid, obj, inst, res, extra=0):
        """A request answered at once, outside the queue (the reader task answers it while
        nothing waits): -> the ``Request`` (``direct``) filled with it, or None if it
        duplicates one being answered or just answered (counted). Call ``end()`` once
        it is answered, or ``requeue()`` to have ``wait_next`` hand it out after all."""
        code = KINDS.index(kind) + 1
        if self._duplicate(code, kind, msgid, extra):
            self.stats["duplicates"] += 1
            return None
        r = self.direct
        r.kind = kind
        r.msgid = msgid
        r.obj = obj
        r.inst = inst
        r.res = res
        r.flag = extra if code == 4 else 0
        r.part = extra if code == 2 else 0
        r.value = None
        r.malformed = False
        self._direct_busy = True
        return r

    def end(self):
        """The request of ``begin`` was answered (or given up): remember it, count it."""
        self._direct_busy = False
        self._remember(self.direct)
        if self._count:
            self.ready.set()  # wait_next() waited for it

    def requeue(self):
        """The request of ``begin`` goes into the queue after all (it could not be sent at
        once) -> ``put``'s result."""
        self._direct_busy = False
        r = self.direct
        return self.put(r.kind, r.msgid, r.obj, r.inst, r.res, r.flag)

    def _duplicate(self, code, kind, msgid, extra):
        # the same (kind, message id, write index) as a request being answered or one of
        # the last ones answered
        return (self._answering and _same(self.current, code, kind, msgid, extra)
                or self._direct_busy and _same(self.direct, code, kind, msgid, extra)
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

    async def wait_next(self):
        """Wait for the oldest request -> ``current`` (a ``Request``) filled with it; call
        ``done()`` once it is answered."""
        while True:
            while not self._count or self._direct_busy:  # (one answer at a time)
                self.ready.clear()
                await self.ready.wait()
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
            self._answering = True
            return r

    def done(self):
        """The current request was answered (or given up): remember it, count it."""
        self._answering = False
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
