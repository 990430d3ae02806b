"""ATEngine: the one reader task that owns the UART.

Sends one command at a time, frames every byte the module sends into lines, tells the
in-flight command's answer from unsolicited result codes (URCs), hands deferred results
(``OK`` now, ``+QLWREG: 0`` later) to the command that caused them, and never hangs.
"""
import asyncio
from asyncio import core
from time import ticks_ms, ticks_diff, ticks_add
from micropython import const
from . import log
from .errors import ATTimeout, BC66Error, CommandError, Rebooted
from .lines import Lines

_RXCHUNK = const(128)
_ECHO = const(0)
_INFO = const(1)


class _Waiter:
    """One pending result: the task sleeping on it, and what arrived (line or exception)."""

    def __init__(self):
        self.task = None
        self.got = False
        self.res = None
        self.cap = None  # prefix of lines also captured into ``info`` (notify's "report")
        self.info = None


def _wake(w):
    # Bring a task sleeping in asyncio.sleep_ms() forward to now: no allocation.
    t = w.task
    if t is not None:
        w.task = None
        core._task_queue.remove(t)
        core._task_queue.push(t)


async def _wait(w, ms):
    if not w.got:
        w.task = core.cur_task
        try:
            await asyncio.sleep_ms(ms)
        finally:
            w.task = None


def _is_noise(line):
    # Boot-ROM banner lines such as "F1: 0000 0000" or "V0: 0000 0000 [0001]".
    return line[0] != "+" and len(line) >= 8 and line[2] == ":" and line[3] == " "


class ATEngine:
    """See docs/architecture.md. ``urc_cb(line)`` runs inside the reader task: keep it short."""

    def __init__(self, port, urc_cb=None, log_tag="at"):
        self.port = port
        self.urc_cb = urc_cb
        self.tag = log_tag
        self.lines = Lines(self._line)
        self._mv = memoryview(self.lines.buf)
        self._rx = bytearray(_RXCHUNK)
        self._lock = asyncio.Lock()
        self._task = None
        self._dead = None
        self._busy = False  # a command is between its write and its final result
        self._cmd = ""
        self._pfx = None
        self._dfr = None
        self._cap = None
        self._info = None
        self._heard = False
        self._secret = None
        self._w = _Waiter()
        self._dw = {}  # armed deferred waiters: prefix -> _Waiter
        self._pool = {}  # one reusable _Waiter per deferred prefix
        self._stale = 0
        self._stale_on = False
        self.late_ms = 300  # after a timeout, the next write waits this long for late lines
        self.wake_tries = 3
        self.sync_ms = 300
        self.stats = {"lines": 0, "overlong": 0, "dropped_urcs": 0, "reboots": 0,
                      "timeouts": 0, "stray": 0, "noise": 0, "echo": 0, "garbage": 0}

    # ---- lifecycle
    def start(self):
        if self._task is None:
            self._dead = None
            self._task = asyncio.create_task(self._reader())

    async def stop(self):
        t = self._task
        self._task = None
        if t is not None:
            t.cancel()
            try:
                await t
            except BaseException:  # noqa: B036 - CancelledError is not an Exception here
                pass
        self._fail(BC66Error("stopped"))

    async def _reader(self):
        rx = self._rx
        port = self.port
        feed = self.lines.feed
        try:
            while True:
                n = await port.readinto(rx)
                if n:
                    feed(rx, n)
                    self.stats["overlong"] = self.lines.overlong
        except OSError as e:
            log.log(log.ERROR, self.tag, "port: %r", e)
            self._dead = e
            self._fail(BC66Error("port closed"))

    # ---- commands
    async def cmd(self, cmd, prefix=None, timeout_ms=300, deferred=None,
                  deferred_timeout_ms=60000, capture=None, wake=True, secret=None):
        """Send ``cmd`` (no CR); return its info lines, or (info, deferred_line) with
        ``deferred=``. ``capture`` names a URC prefix also copied into info while the
        deferred result is pending. ``secret`` is masked in logs and exceptions."""
        if self._dead is not None or self._task is None:
            raise BC66Error("engine not running")
        if prefix and prefix[-1] != ":":
            prefix += ":"
        await self._lock.acquire()
        try:
            while deferred in self._dw:  # one waiter per deferred prefix
                await asyncio.sleep_ms(10)
            try:
                info = await self._run(cmd, prefix, timeout_ms, deferred, capture, secret)
            except ATTimeout as e:
                if not wake or self._heard:
                    raise
                if not await self._sync(self.wake_tries):
                    raise e
                info = await self._run(cmd, prefix, timeout_ms, deferred, capture, secret)
        finally:
            self._lock.release()
        if deferred is None:
            return info
        w = self._pool[deferred]
        try:
            await _wait(w, deferred_timeout_ms)
        finally:
            if not w.got and self._dw.get(deferred) is w:
                del self._dw[deferred]
        if not w.got:
            self.stats["timeouts"] += 1
            raise ATTimeout("no %s after %s" % (deferred, self._show(cmd, secret)))
        if isinstance(w.res, Exception):
            raise w.res
        return info, w.res

    async def sync(self, tries=5):
        """Plain ``AT`` until ``OK``; True if the module answered."""
        await self._lock.acquire()
        try:
            return await self._sync(tries)
        finally:
            self._lock.release()

    async def _sync(self, tries):
        for _ in range(tries):
            try:
                await self._run("AT", None, self.sync_ms, None, None, None)
                return True
            except ATTimeout:
                pass
        return False

    def _show(self, cmd, secret):
        return log.redact(cmd, secret) if secret else cmd

    async def _run(self, cmd, pfx, tmo, dfr, cap, secret):
        if self._stale_on:
            d = ticks_diff(self._stale, ticks_ms())
            self._stale_on = False
            if d > 0:
                await asyncio.sleep_ms(d)  # late lines of a timed-out command die here
        if self._dead is not None:
            raise BC66Error("port closed")
        w = self._w
        w.got = False
        w.res = None
        self._info = []
        self._cmd = cmd
        self._pfx = pfx
        self._dfr = dfr
        self._cap = cap
        self._heard = False
        if dfr is not None:
            dw = self._pool.get(dfr)
            if dw is None:
                dw = self._pool[dfr] = _Waiter()
            dw.got = False
            dw.res = None
            dw.cap = cap
            dw.info = self._info
        if log.level <= log.DEBUG:
            log.log(log.DEBUG, self.tag, "> %s", self._show(cmd, secret))
        self._busy = True
        try:
            await self.port.write(cmd)
            await self.port.write(b"\r")
            await _wait(w, tmo)
        finally:
            self._busy = False
            self._pfx = None
        if not w.got:
            self.stats["timeouts"] += 1
            self._stale = ticks_add(ticks_ms(), self.late_ms)
            self._stale_on = True
            raise ATTimeout(self._show(cmd, secret))
        if w.res is not None:
            raise w.res
        return self._info

    # ---- reader side (runs inside the reader task)
    def _final(self, exc):
        w = self._w
        if not self._busy or w.got:
            self.stats["stray"] += 1
            return
        w.got = True
        if exc is None and self._dfr is not None:
            self._dw[self._dfr] = self._pool[self._dfr]  # armed only now: after OK
        w.res = exc
        _wake(w)

    def _fail(self, exc):
        w = self._w
        if self._busy and not w.got:
            w.got = True
            w.res = exc
            _wake(w)
        for p in self._dw:
            dw = self._dw[p]
            dw.got = True
            dw.res = exc
            _wake(dw)
        self._dw.clear()

    def _line(self, buf, k):
        st = self.stats
        st["lines"] += 1
        if k == 2 and buf[0] == 79 and buf[1] == 75:  # "OK": no allocation
            self._final(None)
            return
        try:
            line = str(self._mv[:k], "utf-8")
        except UnicodeError:
            st["garbage"] += 1
            return
        if line.startswith("AT") or line.startswith("at"):
            st["echo"] += 1
            if self._busy:
                self._heard = True
            return
        if line == "ERROR":
            self._final(CommandError(-1, self._cmd))
            return
        if line.startswith("+CME ERROR:") or line.startswith("+CMEE ERROR:"):
            try:
                code = int(line[line.find(":") + 1:])
            except ValueError:
                code = -1
            self._final(CommandError(code, self._cmd))
            return
        if line == "RDY" or line.endswith("Leaving the BROM"):
            st["reboots"] += 1
            log.log(log.WARN, self.tag, "module rebooted")
            self._stale_on = False
            self._fail(Rebooted(line))
            self._dispatch("REBOOT")
            return
        if _is_noise(line):
            st["noise"] += 1
            return
        if self._busy:
            pfx = self._pfx
            if pfx is not None and line.startswith(pfx):
                self._heard = True
                self._info.append(line)
                return
        if self._dw:
            for p in self._dw:
                dw = self._dw[p]
                if line.startswith(p):
                    del self._dw[p]
                    dw.got = True
                    dw.res = line
                    _wake(dw)
                    return
                if dw.cap is not None and line.startswith(dw.cap):
                    dw.info.append(line)
        self._dispatch(line)

    def _dispatch(self, line):
        cb = self.urc_cb
        if cb is None:
            self.stats["dropped_urcs"] += 1
            return
        if log.level <= log.DEBUG:
            log.log(log.DEBUG, self.tag, "urc %s", line)
        try:
            cb(line)
        except Exception as e:  # a listener's bug must not kill the reader
            self.stats["dropped_urcs"] += 1
            log.log(log.ERROR, self.tag, "urc handler: %r", e)
