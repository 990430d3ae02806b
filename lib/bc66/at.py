"""ATEngine: the one reader task that owns the UART (see docs/architecture.md).

One command at a time; every line the module sends is an answer of the in-flight command
(its info prefix, final result) or a URC dispatched at once; deferred results are handed
to the command that caused them; every wait has a deadline.
"""
import asyncio
from asyncio import core
from time import ticks_ms, ticks_diff, ticks_add
from micropython import const
import sys
from .errors import ATTimeout, BC66Error, CommandError, Rebooted
from .lines import Lines

_RXCHUNK = const(128)
_DEBUG = const(10)  # bc66.log levels
_WARN = const(30)
_ERROR = const(40)


def log(lvl, tag, msg, *args):
    # bc66.log, imported the first time something is worth logging (saves its heap until
    # then); debug() is true only if someone imported bc66.log and set its level to DEBUG.
    from . import log as lg
    lg.log(lvl, tag, msg, *args)


_NIL = []  # the info list of every command without info prefix or capture


def _shown(c):
    # a command as text for logs and exceptions: without its CR
    return c[:-1] if c.endswith("\r") else c


def debug():
    lg = sys.modules.get("bc66.log")
    return lg is not None and lg.level <= _DEBUG


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


class ATEngine(Lines):
    late_ms = 300  # how long a timed-out command's late lines are waited out
    wake_tries = 3  # plain ATs before giving up on a command that got no answer
    sync_ms = 300  # deadline of each plain AT of a sync
    tag = "at"
    # Defaults on the class: an instance dict of > 17 entries needs a 368-byte block.
    locked = False  # one command at a time (a flag: asyncio.Lock costs ~1 KB)
    _waiting = False  # a caller is polling for the flag
    _task = None
    _dead = None
    _stale = None  # ticks before which no command is written (after a timeout)
    fast = None  # fast(buf, k) -> True if it took the line (before any str is made)
    _wn = None

    def __init__(self, port, urc_cb=None, log_tag="at"):
        self.port = port
        self.urc_cb = urc_cb
        if log_tag != self.tag:
            self.tag = log_tag
        Lines.__init__(self)
        self._mv = memoryview(self.buf)
        self._rx = bytearray(_RXCHUNK)
        # the in-flight command's state lives on its waiter (keeps this object's dict small)
        w = self._w = Waiter()
        w.busy = False  # between its write and its final result
        w.cmd = ""
        w.pfx = None
        w.dfr = None
        w.heard = False
        w.dwait = None
        self._dw = {}  # armed deferred waiters: prefix -> the Waiter of the call that armed it
        wn = getattr(port, "write_now", None)  # non-blocking write -> bytes written
        if wn is not None:  # (transport.Port; set only then: a small instance dict)
            self._wn = wn
        self.stats = {"lines": 0, "overlong": 0, "dropped_urcs": 0, "reboots": 0,
                      "timeouts": 0, "stray": 0, "noise": 0, "echo": 0, "garbage": 0, "glitches": 0}

    def start(self):
        if self._task is None:
            self.n = 0
            self.skip = False
            self._dead = None
            self._task = asyncio.create_task(self._reader())

    def restart(self):
        """Start afresh on a new event loop (after Ctrl-C on the unix port replaced it):
        the old reader task and any command in flight are forgotten."""
        self._task = None
        self.locked = False
        w = self._w
        w.busy = False
        w.task = None
        self._dw.clear()
        self.start()

    async def stop(self):
        t, self._task = self._task, None
        if t is not None:
            t.cancel()
            try:
                await t
            except BaseException:  # CancelledError
                pass
        self._fail(BC66Error("stopped"))

    async def cmd(self, cmd, prefix=None, timeout_ms=300, deferred=None,
                  deferred_timeout_ms=60000, capture=None, wake=True, secret=None, held=False,
                  err=None):
        """Send ``cmd`` (no CR); return its info lines, or (info, deferred line) with
        ``deferred=``. ``capture``: URC prefix also copied into info while the deferred
        result is pending. ``secret`` is masked in logs and exceptions. A ``cmd`` ending in
        CR is written as it is (no copy). ``held``: internal (the caller holds the flag).
        ``err``: the deferred line is "<deferred> <err>": raise CommandError(err, ``err``)
        if it is not 0, else return None."""
        if not held and (self._dead is not None or self._task is None):
            raise BC66Error("engine not running")
        if prefix and prefix[-1] != ":":
            prefix += ":"
        # one writer; one armed deferred result per prefix; no info prefix equal to a pending
        # deferred one (its result would be taken for an info line)
        while not held and (self.locked or deferred in self._dw or prefix in self._dw):
            self._waiting = True  # re-set on every poll; taking the flag clears it
            await asyncio.sleep_ms(2)
        self.locked = True
        if self._waiting:
            self._waiting = False
        w = self._w
        try:  # one coroutine per command; a command that got no answer: sync, one retry
            while True:
                if self._stale is not None:
                    d = ticks_diff(self._stale, ticks_ms())
                    self._stale = None
                    if d > 0:
                        await asyncio.sleep_ms(d)  # late lines of a timed-out command die
                p = self._send(cmd, prefix, deferred, capture, secret)
                dw = w.dwait  # this call's own deferred waiter (None without deferred=)
                try:
                    if p is not None:
                        await self._write(cmd, p)
                    if not w.got:
                        w.task = core.cur_task
                        await asyncio.sleep_ms(timeout_ms)
                finally:
                    w.task = None
                    w.busy = False
                    w.pfx = None
                if w.got or not wake or w.heard:
                    info = self._result()
                    break
                try:
                    self._result()
                except ATTimeout as e:
                    if not await self.sync(self.wake_tries, True):
                        raise e
                wake = False
            shown = w.cmd
        finally:
            self.locked = held
        if deferred is None:
            if self._waiting:
                # fairness: a caller that sends command after command must not starve the
                # others (they poll every 2 ms): give them the engine before returning
                await asyncio.sleep_ms(3)
            return info
        w = dw
        if not w.got:  # sleep until the reader wakes us or the deadline (no allocation)
            w.task = core.cur_task
            try:
                await asyncio.sleep_ms(deferred_timeout_ms)
            finally:
                w.task = None
                if not w.got and self._dw.get(deferred) is w:
                    del self._dw[deferred]  # a late line is a URC from now on
        if not w.got:
            self.stats["timeouts"] += 1
            raise ATTimeout("no %s after %s" % (deferred, _shown(shown)))
        r = w.res
        if isinstance(r, Exception):
            raise r
        if err is None:
            return info, r
        try:
            r = int(r[len(deferred):])
        except ValueError:
            r = -1
        if r:
            raise CommandError(r, err)

    async def sync(self, tries=5, held=False):
        """Plain ``AT`` until ``OK``; True if the module answered. A boot banner in the
        middle (module and MCU powered up together) is one more try, not an error."""
        for _ in range(tries):
            try:
                return await self.cmd("AT", None, self.sync_ms, wake=False,
                                      held=held) is not None
            except (ATTimeout, Rebooted):
                pass
        return False

    def _send(self, cmd, pfx, dfr, cap, secret):
        # Arm the waiter and write what can be written now: None if all of it went out,
        # else where _write() goes on (a position in cmd, or -1: all of it).
        if self._dead is not None:
            raise BC66Error("port closed")
        w = self._w
        w.got = False
        w.res = None
        if pfx is None and cap is None:
            w.info = _NIL  # nothing is ever added to it: shared, stays empty
        else:
            w.info = []
        c = cmd if isinstance(cmd, str) else cmd[0] + "..."  # str, or pieces (long values)
        w.cmd = c.replace(secret, "***") if secret else c  # as log.redact
        w.pfx = pfx
        w.dfr = dfr
        w.heard = False
        w.dwait = None
        if dfr is not None:  # a new Waiter per call: the result belongs to this call alone
            dw = w.dwait = Waiter()
            dw.cap = cap
            dw.info = w.info
        if debug():
            log(_DEBUG, self.tag, "> %s", _shown(w.cmd))
        w.busy = True
        if self._wn is None or isinstance(cmd, tuple) or not cmd.endswith("\r"):
            return -1
        cmd = memoryview(cmd)  # its bytes (a str ending in CR is written as it is)
        n = self._wn(cmd) or 0  # the port's non-blocking write: most often all of it
        return None if n >= len(cmd) else n

    async def _write(self, cmd, p):
        port = self.port
        if isinstance(cmd, tuple):  # pieces (a long value): written one by one
            for x in cmd:
                await port.write(x)
            await port.write(b"\r")
        elif p >= 0:  # the rest of it
            await port.write(memoryview(cmd)[p:])
        else:  # one write: one Port coroutine
            await port.write(cmd if cmd.endswith("\r") else cmd + "\r")

    def _result(self):
        w = self._w
        if not w.got:
            self.stats["timeouts"] += 1
            self._stale = ticks_add(ticks_ms(), self.late_ms)
            raise ATTimeout(_shown(w.cmd))
        r = w.res  # an error code, or an exception (Rebooted, port closed)
        if r is not None:
            raise CommandError(r, _shown(w.cmd)) if isinstance(r, int) else r
        return w.info

    async def _reader(self):
        rx = self._rx
        port = self.port
        try:
            pump = getattr(port, "pump", None)
            if pump is not None:  # transport.Port: its own read loop (no coroutine per read)
                await pump(rx, self._feed)
            while True:
                self._feed(rx, await port.readinto(rx))
        except OSError as e:
            log(_ERROR, self.tag, "port: %r", e)
            self._dead = e
            self._fail(BC66Error("port closed"))

    def _feed(self, rx, n):
        try:
            self.feed(rx, n)
        except MemoryError:  # a line we could not afford: drop it, keep reading
            self.n = 0
            self.stats["dropped_urcs"] += 1
        self.stats["overlong"] = self.overlong

    def _final(self, exc):
        # exc: None for OK, an error code (int; the caller makes the CommandError), or an
        # exception. Nothing is allocated here for OK or an error.
        w = self._w
        if not w.busy or w.got:
            self.stats["stray"] += 1
            return
        w.got = True
        w.busy = False  # the very next line (same read) is no longer this command's
        if exc is None and w.dfr is not None:
            self._dw[w.dfr] = w.dwait  # armed only now: after OK
        w.res = exc
        wake(w)

    def _fail(self, exc):
        w = self._w
        if w.busy and not w.got:
            w.got = True
            w.busy = False
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
        if not 32 <= buf[0] < 127:  # glitch bytes before the line (a UART waking up)
            k = self._drop_glitch(buf, k)
            if not k:
                return
        if k == 2 and buf[0] == 79 and buf[1] == 75:  # "OK" without allocating
            return self._final(None)
        f = self.fast
        if f is not None and buf[0] == 43 and f(buf, k):
            return
        try:
            line = str(self._mv[:k], "utf-8")
        except UnicodeError:
            st["garbage"] += 1
            return
        if line.startswith("AT") or line.startswith("at"):  # echo (ATE1, or echo back on after a reboot)
            st["echo"] += 1
            self._w.heard = self._w.busy
            return
        if line == "ERROR":
            return self._final(-1)
        if line.startswith("+CME ERROR:") or line.startswith("+CMEE ERROR:"):
            try:
                code = int(line[line.find(":") + 1:])
            except ValueError:
                code = -1
            return self._final(code)
        if line == "RDY" or line.endswith("Leaving the BROM"):
            st["reboots"] += 1
            log(_WARN, self.tag, "module rebooted")
            self._fail(Rebooted(line))
            return self._dispatch("REBOOT")
        if line[0] != "+" and len(line) >= 8 and line[2:4] == ": ":  # "F1: 0000 0000"
            st["noise"] += 1
            return
        if self._w.busy and self._w.pfx is not None and line.startswith(self._w.pfx):
            self._w.heard = True
            return self._w.info.append(line)
        for p, w in self._dw.items():
            if line.startswith(p):
                del self._dw[p]
                w.got = True
                w.res = line
                return wake(w)
            if w.cap is not None and line.startswith(w.cap):
                w.info.append(line)
        self._dispatch(line)

    def _drop_glitch(self, buf, k):
        # move the line past its leading non-printable bytes -> its new length (counted)
        s = 0
        while s < k and not 32 <= buf[s] < 127:
            s += 1
        self.stats["glitches"] += 1
        for i in range(k - s):
            buf[i] = buf[s + i]
        return k - s

    def _dispatch(self, line):
        if debug():
            log(_DEBUG, self.tag, "urc %s", line)
        try:
            self.urc_cb(line)
        except Exception as e:  # no listener (None) or a listener's bug: count, go on
            self.stats["dropped_urcs"] += 1
            if self.urc_cb is not None:
                log(_ERROR, self.tag, "urc handler: %r", e)
