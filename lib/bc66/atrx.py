# The reader side of ATEngine: framing, answer/URC routing, waiters. Runs in the reader task.
from asyncio import core
from micropython import const
from . import log
from .errors import BC66Error, CommandError, Rebooted
from .lines import Lines

_RXCHUNK = const(128)


class Waiter:
    # One pending result: the task sleeping on it and what arrived (line or exception).
    def __init__(self):
        self.task = None
        self.got = False
        self.res = None
        self.cap = None  # prefix of URCs also copied into .info (notify's "report")
        self.info = None


def wake(w):
    # Bring a task sleeping in asyncio.sleep_ms() forward to now: no allocation.
    t = w.task
    if t is not None:
        w.task = None
        core._task_queue.remove(t)
        core._task_queue.push(t)


class Rx(Lines):
    def __init__(self, port, urc_cb, tag):
        self.port = port
        self.urc_cb = urc_cb
        self.tag = tag
        Lines.__init__(self)
        self._mv = memoryview(self.buf)
        self._rx = bytearray(_RXCHUNK)
        self._busy = False  # a command is between its write and its final result
        self._cmd = ""
        self._pfx = None
        self._dfr = None
        self._info = None
        self._heard = False
        self._w = Waiter()
        self._dw = {}  # armed deferred waiters: prefix -> Waiter
        self._pool = {}  # one reusable Waiter per deferred prefix
        self._dead = None
        self.stats = {"lines": 0, "overlong": 0, "dropped_urcs": 0, "reboots": 0,
                      "timeouts": 0, "stray": 0, "noise": 0, "echo": 0, "garbage": 0}

    async def _reader(self):
        rx = self._rx
        try:
            while True:
                n = await self.port.readinto(rx)
                try:
                    self.feed(rx, n)
                except MemoryError:  # a line we could not afford: drop it, keep reading
                    self.n = 0
                    self.stats["dropped_urcs"] += 1
                self.stats["overlong"] = self.overlong
        except OSError as e:
            log.log(log.ERROR, self.tag, "port: %r", e)
            self._dead = e
            self._fail(BC66Error("port closed"))

    def _final(self, exc):
        w = self._w
        if not self._busy or w.got:
            self.stats["stray"] += 1
            return
        w.got = True
        if exc is None and self._dfr is not None:
            self._dw[self._dfr] = self._pool[self._dfr]  # armed only now: after OK
        w.res = exc
        wake(w)

    def _fail(self, exc):
        w = self._w
        if self._busy and not w.got:
            w.got = True
            w.res = exc
            wake(w)
        for w in self._dw.values():
            w.got = True
            w.res = exc
            wake(w)
        self._dw.clear()

    def line(self, buf, k):
        st = self.stats
        st["lines"] += 1
        if k == 2 and buf[0] == 79 and buf[1] == 75:  # "OK" without allocating
            return self._final(None)
        try:
            line = str(self._mv[:k], "utf-8")
        except UnicodeError:
            st["garbage"] += 1
            return
        if line[:2] in ("AT", "at"):  # echo (ATE1, or echo back on after a reboot)
            st["echo"] += 1
            self._heard = self._busy
            return
        if line == "ERROR":
            return self._final(CommandError(-1, self._cmd))
        if line.startswith("+CME ERROR:") or line.startswith("+CMEE ERROR:"):
            try:
                code = int(line[line.find(":") + 1:])
            except ValueError:
                code = -1
            return self._final(CommandError(code, self._cmd))
        if line == "RDY" or line.endswith("Leaving the BROM"):
            st["reboots"] += 1
            log.log(log.WARN, self.tag, "module rebooted")
            self._fail(Rebooted(line))
            return self._dispatch("REBOOT")
        if line[0] != "+" and len(line) >= 8 and line[2:4] == ": ":  # "F1: 0000 0000"
            st["noise"] += 1
            return
        if self._busy and self._pfx is not None and line.startswith(self._pfx):
            self._heard = True
            return self._info.append(line)
        for p, w in self._dw.items():
            if line.startswith(p):
                del self._dw[p]
                w.got = True
                w.res = line
                return wake(w)
            if w.cap is not None and line.startswith(w.cap):
                w.info.append(line)
        self._dispatch(line)

    def _dispatch(self, line):
        if log.level <= log.DEBUG:
            log.log(log.DEBUG, self.tag, "urc %s", line)
        try:
            self.urc_cb(line)
        except Exception as e:  # no listener (None) or a listener's bug: count, go on
            self.stats["dropped_urcs"] += 1
            if self.urc_cb is not None:
                log.log(log.ERROR, self.tag, "urc handler: %r", e)
