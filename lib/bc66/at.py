"""ATEngine: the one reader task that owns the UART (see docs/architecture.md).

One command at a time (an ``asyncio.Lock``); every line the module sends is an answer of
the command in flight (its info prefix, final result) or a URC dispatched at once;
deferred results are handed to the call that caused them; every wait has a deadline.
"""
import asyncio
from time import ticks_ms, ticks_diff, ticks_add
from micropython import const
import sys
from .errors import ATTimeout, BC66Error, CommandError, NoAnswer, Rebooted
from .lines import Lines
from .sched import Sleeper

_RX_CHUNK = const(128)
# The line table: what a line from the module is, by its first bytes, matched on the line
# buffer (no str made). Each entry: (prefix, role, whole: the line is the prefix alone).
# After it, a line is matched against the command in flight's info prefix, the armed
# deferred results (``cmd(deferred=)``), the URC prefixes the driver added (``add_urc``,
# parsed from bytes), else it is a URC handed to ``urc_cb`` as a str.
_ROLE_OK = const(0)  # final result: success
_ROLE_ERROR = const(1)  # final result: ERROR
_ROLE_CME = const(2)  # final result: +CME ERROR: <err> (+CMEE ERROR: on some firmware)
_ROLE_ECHO = const(3)  # the echo of a command (ATE1, or after a reboot)
LINES = ((b"OK", _ROLE_OK, True), (b"ERROR", _ROLE_ERROR, True),
         (b"+CME ERROR:", _ROLE_CME, False), (b"+CMEE ERROR:", _ROLE_CME, False),
         (b"AT", _ROLE_ECHO, False), (b"at", _ROLE_ECHO, False))
_BY_FIRST = {}  # LINES by their first byte: a line is compared with those entries only
for _e in LINES:
    _BY_FIRST[_e[0][0]] = _BY_FIRST.get(_e[0][0], ()) + (_e,)
_DEBUG = const(10)  # bc66.log levels
_WARN = const(30)
_ERROR = const(40)


def log(lvl, tag, msg, *args):
    """A line through bc66.log, imported the first time something is worth logging."""
    from . import log as lg
    lg.log(lvl, tag, msg, *args)


def debug():
    """True if bc66.log is loaded and set to DEBUG."""
    lg = sys.modules.get("bc66.log")
    return lg is not None and lg.level <= _DEBUG


_NO_INFO = []  # the info list of every command without info prefix or capture


class Waiter(Sleeper):
    """One pending result: ``done`` once it arrived, ``result`` what it is (a line, an
    error code, an exception, None for OK), ``info`` the lines collected meanwhile.

    ``sleep(ms)`` sleeps until ``wake()`` or the deadline (``sched.Sleeper``: no
    allocation where asyncio is the version it was written for)."""

    def __init__(self):
        self.reset("", None)

    def reset(self, cmd, secret):
        """Ready for a new result of ``cmd`` (``secret``: what ``shown`` masks)."""
        self.task = None
        self.done = False
        self.result = None
        self.info = _NO_INFO
        self.cmd = cmd
        self.secret = secret
        self.capture = None  # prefix of URCs also copied into info (notify's "report")
        self.finished = None  # an Event for a caller waiting behind this one (made on use)
        self.then = None  # then(result): called instead of waking a task (a posted command)

    def shown(self):
        """The command as logs and exceptions show it: without its CR, the secret masked
        (made only when needed: nothing is allocated for a command that goes well)."""
        c = self.cmd
        text = c if isinstance(c, str) else c[0] + "..."  # str, or pieces
        if self.secret:
            text = text.replace(self.secret, "***")  # as log.redact
        return text[:-1] if text.endswith("\r") else text

    def finish(self, result):
        self.done = True
        self.result = result
        self.wake()
        if self.finished is not None:
            self.finished.set()
        then = self.then
        if then is not None:
            self.then = None
            then(result)


class Command(Waiter):
    """The command in flight: a Waiter for its final result, plus what it expects."""

    def __init__(self):
        Waiter.__init__(self)
        self.in_flight = False  # between its write and its final result
        self.info_prefix = None
        self.deferred_prefix = None
        self.deferred = None  # the Waiter of its deferred result, armed when OK arrives
        self.heard = False  # the module sent something for it (echo or info line)


class ATEngine(Lines):
    late_ms = 300  # how long a timed-out command's late lines are waited out
    wake_tries = 3  # plain ATs before giving up on a command that got no answer
    # extra wait for the answer of a command with a deferred result (it acts on the
    # network: notify, register...) before it counts as lost and is resent
    resend_ms = 2000
    sync_ms = 300  # deadline of each plain AT of a sync
    # deferred prefixes of results the module sends only after its OK, never on its own:
    # such a line while the command still waits for OK means that OK was lost
    ok_implied_by = ()

    def __init__(self, port, urc_cb=None, log_tag="at"):
        Lines.__init__(self)
        self.port = port
        self.urc_cb = urc_cb
        self.tag = log_tag
        self._mv = memoryview(self.buf)
        self._urcs = ()  # (prefix, fn) per add_urc
        self._rx = bytearray(_RX_CHUNK)
        self._lock = asyncio.Lock()  # one command at a time
        self._command = Command()
        self._armed = {}  # deferred prefix -> the Waiter of the call that armed it
        self._task = None
        self._dead = None  # the OSError that closed the port
        self._quiet_until = None  # ticks before which no command is written (after a timeout)
        self._booting = False  # a boot banner came and that boot's RDY may follow (one boot)
        self._write_now = getattr(port, "write_now", None)  # non-blocking write -> n
        # the posted command (post()): its done(), the deadline of what it waits for now,
        # its deferred Waiter once OK came, the bytes the port could not take at once
        self._posted = None
        self._posted_deadline = 0
        self._posted_deferred_ms = 0
        self._posted_waiter = None
        self._posted_match = None  # the bytes its deferred result line starts with, after OK
        self._prefix_bytes = {}  # deferred prefix -> its bytes (for _posted_match)
        self._posted_result_waiter = Waiter()  # (one for every posted command: one at a time)
        self._posted_rest = None  # (cmd, where the keeper goes on writing it)
        self._posted_timeout_ms = 300
        # the outbox: one command post() could not send at once (cmd, deferred, done,
        # timeout_ms, deferred_timeout_ms, before, first), sent by the keeper once the
        # engine is free
        self._outbox = None
        self._posted_ended = asyncio.Event()  # its final result came: the engine is free
        self._behind_posted = 0  # commands waiting for the posted one to end (_acquire)
        self._keeper_sleep = Sleeper()  # its wait for a deadline (post() ends it early)
        self._keeper = None  # the task that ends a posted command at its deadline
        self._keeper_idle = False
        self._keeper_wake = asyncio.Event()
        self.stats = {"lines": 0, "overlong": 0, "dropped_urcs": 0, "reboots": 0,
                      "timeouts": 0, "stray": 0, "noise": 0, "echo": 0, "garbage": 0,
                      "glitches": 0, "posted": 0, "lost_ok": 0}

    def add_urc(self, prefix, fn):
        """Lines starting with the bytes ``prefix`` go to ``fn(buf, k)`` (the line is
        ``buf[:k]``, valid during the call) before any str is made; ``fn`` returns False
        to have the line handled as any other (a deferred result, a str URC)."""
        self._urcs += ((prefix, fn),)

    def start(self):
        """Create the reader task."""
        if self._task is None:
            self.n = 0
            self.skip = False
            self._dead = None
            self._task = asyncio.create_task(self._reader())
            self._keeper = asyncio.create_task(self._keep_posted())

    def restart(self):
        """Start afresh after a Ctrl-C: the reader and keeper tasks are cancelled (alive,
        or ended mid-step by the KeyboardInterrupt: never resumed) and replaced; any
        command in flight is forgotten; a posted one (sent or in the outbox) fails with
        BC66Error("restarted")."""
        for t in (self._task, self._keeper):
            if t is not None:
                t.cancel()  # not awaited: a task the interrupt ended never finishes
        self._task = self._keeper = None
        self._lock = asyncio.Lock()
        c = self._command
        c.in_flight = False
        c.task = c.then = None
        dones = self._posted, self._outbox and self._outbox[2]
        self._posted = self._posted_rest = self._posted_waiter = self._posted_match = None
        self._outbox = None
        self._posted_ended = asyncio.Event()
        self._behind_posted = 0
        self._keeper_sleep = Sleeper()
        self._keeper_wake = asyncio.Event()
        self._keeper_idle = False
        self._armed.clear()
        self.start()
        for done in dones:
            if done:
                done(BC66Error("restarted"))

    async def stop(self):
        """Stop the reader task; whatever waits fails with BC66Error("stopped")."""
        for t in (self._task, self._keeper):
            if t is not None:
                t.cancel()
                try:
                    await t
                except BaseException:  # CancelledError
                    pass
        self._task = self._keeper = None
        self._fail(BC66Error("stopped"))
        box, self._outbox = self._outbox, None
        if box is not None:
            box[2](BC66Error("stopped"))

    async def cmd(self, cmd, prefix=None, timeout_ms=300, deferred=None,
                  deferred_timeout_ms=60000, capture=None, wake=True, secret=None):
        """Send ``cmd`` (no CR needed); return its info lines (those starting with
        ``prefix``), or with ``deferred=`` (info lines, the deferred line), that line being
        the first starting with ``deferred`` after OK. ``capture``: URC prefix also copied
        into info while the deferred result is pending. ``wake``: a command that got no
        answer at all is retried once after plain ATs. ``secret`` is masked in logs and
        exceptions. ``cmd`` may be a tuple of str/bytes pieces (a long value, not copied);
        a str ending in CR is written as it is."""
        self._check_running()
        if prefix and prefix[-1] != ":":
            prefix += ":"
        lock = await self._acquire(deferred, prefix)
        try:
            info, dw = await self._run(cmd, prefix, timeout_ms, deferred, capture, wake,
                                       secret)
        finally:
            lock.release()
        if deferred is None:
            return info
        return info, await self._deferred_result(dw, deferred, deferred_timeout_ms)

    async def sync(self, tries=5, probe_ms=None):
        """Plain ``AT`` until ``OK``; True if the module answered. A boot banner in the
        middle (module and MCU powered up together) is one more try, not an error.
        ``probe_ms``: each AT waits that long (default ``sync_ms``) and a lost one is not
        waited out for late lines (a wake: a lost probe gets no late answer)."""
        self._check_running()
        lock = await self._acquire(None, None)
        saved = self.sync_ms, self.late_ms
        if probe_ms is not None:  # (the lock is held: only this sync sees them)
            self.sync_ms, self.late_ms = probe_ms, 0
        try:
            return await self._sync(tries)
        finally:
            self.sync_ms, self.late_ms = saved
            lock.release()

    async def _acquire(self, deferred, prefix):
        # Take the lock (one writer) once no posted command waits for its final result,
        # no result with the ``deferred`` prefix is pending and no info prefix equals an
        # armed deferred one (its result would be taken for an info line) -> the lock
        while True:
            lock = self._lock  # (restart() replaces it: a task of the old loop that is
            await lock.acquire()  # cancelled later must release the one it took)
            if self._posted is not None:  # (its parts, OK and result, are not interleaved)
                lock.release()
                self._behind_posted += 1
                try:
                    await self._posted_ended.wait()  # the keeper ends it at its deadline
                finally:
                    self._behind_posted -= 1
                continue
            earlier = self._armed.get(deferred) or self._armed.get(prefix)
            if earlier is None:
                return lock
            lock.release()
            if earlier.finished is None:
                earlier.finished = asyncio.Event()
            await earlier.finished.wait()

    def abort(self, deferred, exc):
        """End the wait for the deferred result ``deferred`` (its prefix) with ``exc``: an
        abort match (a line showing that result will not come) -> True if a wait was
        ended. Armed, or of the command in flight still waiting for its OK: that command
        then ends with ``exc`` after its OK, without waiting for the result."""
        w = self._armed.pop(deferred, None)
        if w is None:
            c = self._command
            w = c.deferred
            if not (c.in_flight and c.deferred_prefix == deferred and w is not None
                    and not w.done and c.then is None):
                return False
        w.finish(exc)
        return True

    def idle(self, deferred=None):
        """True if ``post`` would send a command at once: no command in flight, the lock
        free, no posted command (sent or waiting in the outbox) or result with the
        ``deferred`` prefix pending, no pause after a timeout."""
        q = self._quiet_until
        if q is not None and ticks_diff(q, ticks_ms()) <= 0:
            q = self._quiet_until = None
        return not (q is not None or self._task is None or self._dead is not None
                    or self._command.in_flight or self._lock.locked()
                    or self._posted is not None or self._outbox is not None
                    or deferred in self._armed)

    def post(self, cmd, deferred, done, timeout_ms=300, deferred_timeout_ms=5000,
             before=None, first=True):
        """Send ``cmd`` without waiting, for code that cannot await (the answer of a server
        request): at once if the engine is free, else from its one-slot outbox as soon as
        it is (the keeper task sends it after the command in flight, the pause after a
        timeout, a posted command). ``before``: "sync" (plain ATs until OK first: the
        command got no answer at all) or a tuple of commands sent first (ATE0 after a
        reboot); all under the engine's lock, never between another command's parts.
        ``first``: it begins a new exchange, so a command already waiting for the posted
        one to end goes first (fair); False for what goes on (the next part, a resend).
        -> False if nothing was taken (a posted command is out or waits in the outbox,
        the engine is not running); else True, and ``done(result)`` is called once, later,
        in the reader or keeper task: ``result`` is the int after ``deferred`` in the line
        that followed OK (its <err>: 0 success), 0 for OK without ``deferred``; an int
        error code (ERROR -1, +CME ERROR); or the exception it failed with (ATTimeout,
        NoAnswer when nothing came back at all, Rebooted, BC66Error). ``cmd``: a str
        ending in CR, or a tuple of pieces (a long value)."""
        if self._posted is not None or self._outbox is not None or self._task is None \
                or self._dead is not None:
            return False
        if before is None and self.idle(deferred) and not (first and self._behind_posted):
            try:
                self._post_now(cmd, deferred, done, timeout_ms, deferred_timeout_ms)
            except Exception as e:  # (MemoryError too: the engine stays usable)
                self._command.in_flight = False
                if isinstance(e, OSError):
                    return False
                raise
            return True
        self._outbox = (cmd, deferred, done, timeout_ms, deferred_timeout_ms, before, first)
        if self._keeper_idle:
            self._keeper_wake.set()
        else:
            self._keeper_sleep.wake()  # (asleep until a deadline of the command before)
        return True

    def _post_now(self, cmd, deferred, done, timeout_ms, deferred_timeout_ms):
        # write the posted command (what the port does not take at once: the keeper)
        c = self._command
        rest = self._send(cmd, None, deferred, None, None, self._posted_result_waiter)
        self.stats["posted"] += 1
        self._posted = done
        self._posted_waiter = c.deferred
        self._posted_timeout_ms = timeout_ms
        self._posted_deadline = ticks_add(ticks_ms(), timeout_ms)
        self._posted_deferred_ms = deferred_timeout_ms
        self._posted_ended.clear()
        c.then = self._posted_final
        if rest is not None:  # what the port did not take: the keeper writes it
            self._posted_rest = (cmd, rest)
        if self._keeper_idle:  # (it ends the command at its deadline)
            self._keeper_wake.set()

    async def _send_outbox(self):
        # The keeper: send the command in the outbox once the engine is free (the lock,
        # no posted command, no pause), after what ``before`` asks for
        cmd, deferred, done, timeout_ms, deferred_ms, before, first = self._outbox
        while first and self._behind_posted:  # the commands that waited go first
            await asyncio.sleep_ms(0)
        lock = await self._acquire(deferred, None)
        try:
            await self._quiet()
            if before == "sync":
                if not await self._sync(self.wake_tries):
                    raise NoAnswer("no answer to AT")
            elif before:
                for x in before:
                    await self._run(x, None, timeout_ms, None, None, True, None)
            self._outbox = None
            self._post_now(cmd, deferred, done, timeout_ms, deferred_ms)
        except Exception as e:  # (never a caller's bug: done() is not called here)
            self._outbox = None
            if isinstance(e, OSError):
                e = BC66Error("port: %r" % e)
            elif not isinstance(e, BC66Error):
                raise
            self._command.in_flight = False
            done(e)
        finally:
            lock.release()

    def _posted_final(self, result):
        # The posted command's final result: after OK its deferred result is waited for
        dw = self._posted_waiter
        if result is None and dw is not None:
            dw.then = self._posted_outcome
            self._posted_deadline = ticks_add(ticks_ms(), self._posted_deferred_ms)
            p = self._command.deferred_prefix
            b = self._prefix_bytes.get(p)
            if b is None:  # (each prefix encoded once)
                b = self._prefix_bytes[p] = p.encode()
            self._posted_match = b
        else:
            self._posted_outcome(0 if result is None else result)

    def _posted_result_line(self, buf, k, n):
        # The deferred line of the posted command (its prefix is buf[:n]): its <err> as an
        # int, read from the line buffer (no str made); a garbled one is -1
        try:
            code = int(memoryview(buf)[n:k])
        except ValueError:
            code = -1
            self.stats["garbage"] += 1
        dw = self._posted_waiter
        del self._armed[self._command.deferred_prefix]
        dw.finish(code)

    def _posted_outcome(self, result):
        done = self._posted
        self._posted = self._posted_rest = self._posted_waiter = self._posted_match = None
        try:
            done(result)  # (it may post the next part of an answer)
        except Exception as e:  # a caller's bug must not end the reader
            log(_ERROR, self.tag, "posted command's done: %r", e)
        if self._posted is None:
            self._posted_ended.set()  # the commands waiting in _acquire go now

    async def _keep_posted(self):
        # The keeper task: sends the outbox once the engine is free, writes what the port
        # could not take of a posted command at once, and ends a posted command at its
        # deadline (the reader wakes only for bytes). Asleep while nothing is posted; in a
        # stream of posted commands it wakes once per deadline, not per command.
        while True:
            if self._posted is None:
                if self._outbox is not None:
                    await self._send_outbox()
                    continue
                self._keeper_idle = True
                self._keeper_wake.clear()
                await self._keeper_wake.wait()
                self._keeper_idle = False
                continue
            rest = self._posted_rest
            if rest is not None:
                self._posted_rest = None
                try:
                    await self._write(rest[0], rest[1])
                except OSError as e:
                    self._fail(BC66Error("port closed: %r" % e))
                if self._command.in_flight:  # its deadline runs from its last byte
                    self._posted_deadline = ticks_add(ticks_ms(), self._posted_timeout_ms)
                continue
            left = ticks_diff(self._posted_deadline, ticks_ms())
            if left > 0:
                await self._keeper_sleep.sleep(left)
                self._keeper_sleep.task = None
                continue
            await self._read_pending()
            if self._posted is not None and ticks_diff(self._posted_deadline, ticks_ms()) <= 0:
                self._expire_posted()

    def _expire_posted(self):
        # a posted command's deadline passed: it fails with ATTimeout
        c = self._command
        self.stats["timeouts"] += 1
        if c.in_flight and c.then is not None:  # no final result: its late lines die first
            self._quiet_until = ticks_add(ticks_ms(), self.late_ms)
            c.in_flight = False
            c.finish((ATTimeout if c.heard else NoAnswer)(c.shown()))
            return
        dw = self._posted_waiter  # OK came, its deferred result did not
        p = c.deferred_prefix
        if self._armed.get(p) is dw:
            del self._armed[p]  # a late line is a URC from now on
        dw.finish(ATTimeout("no result after %s" % dw.shown()))

    def _check_running(self):
        if self._dead is not None or self._task is None:
            raise BC66Error("engine not running")

    async def _sync(self, tries):
        # the lock is held
        for _ in range(tries):
            try:
                await self._run("AT", None, self.sync_ms, None, None, False, None)
                return True
            except (ATTimeout, Rebooted, CommandError):
                pass  # ERROR: the AT joined bytes of a command cut short (a Ctrl-C in a write)
        return False

    async def _run(self, cmd, prefix, timeout_ms, deferred, capture, wake, secret):
        # The lock is held: write ``cmd``, wait for its final result -> (info lines, the
        # Waiter of its deferred result or None). No answer at all: sync, one retry.
        c = self._command
        while True:
            await self._quiet()
            rest = self._send(cmd, prefix, deferred, capture, secret)
            try:
                if rest is not None:
                    await self._write(cmd, rest)
                if not c.done:
                    await c.sleep(timeout_ms)
                    if not c.done:  # a stall may have kept the reader from its answer
                        await self._read_pending()
                if not c.done and wake and not c.heard and deferred is not None:
                    # A resend after a late answer (a slow module, or this host too busy
                    # to read it in time) would notify/register twice: wait longer for it.
                    await c.sleep(self.resend_ms)
            finally:
                c.task = None
                c.in_flight = False
                c.info_prefix = None
            if c.done or not wake or c.heard:
                return self._final_result(), c.deferred
            try:
                self._final_result()
            except ATTimeout as e:
                if not await self._sync(self.wake_tries):
                    raise e
            wake = False

    async def _quiet(self):
        # the pause after a timed-out command: its late lines die before the next one
        if self._quiet_until is not None:
            d = ticks_diff(self._quiet_until, ticks_ms())
            self._quiet_until = None
            if d > 0:
                await asyncio.sleep_ms(d)
            await self._read_pending()

    async def _deferred_result(self, dw, deferred, timeout_ms):
        # Wait for the deferred line of this call -> the line
        if not dw.done:
            try:
                await dw.sleep(timeout_ms)
                if not dw.done:
                    await self._read_pending()
            finally:
                dw.task = None
                if not dw.done:
                    if self._armed.get(deferred) is dw:
                        del self._armed[deferred]  # a late line is a URC from now on
                    if dw.finished is not None:
                        dw.finished.set()
        if not dw.done:
            self.stats["timeouts"] += 1
            raise ATTimeout("no %s after %s" % (deferred, dw.shown()))
        r = dw.result
        if isinstance(r, Exception):
            raise r
        return r

    async def _read_pending(self):
        # Let the reader take what has arrived before a deadline is judged or the next
        # command goes out: after a stall (GC, a busy host) the loop may wake this task
        # before the reader, so an answer already received would count as a timeout (and
        # be sent again), or a late OK as the next command's answer. Bounded by late_ms.
        pending = getattr(self.port, "any", None)
        if pending is None:
            return
        end = ticks_add(ticks_ms(), self.late_ms)
        while pending() and ticks_diff(end, ticks_ms()) > 0:
            await asyncio.sleep_ms(1)

    def _send(self, cmd, prefix, deferred, capture, secret, dw=None):
        # Arm the command and write what can be written now: None if all of it went
        # out, else where _write() goes on (a position in cmd, or -1: all of it).
        # ``dw``: the Waiter its deferred result goes to (default: a new one).
        if self._dead is not None:
            raise BC66Error("port closed")
        c = self._command
        c.reset(cmd, secret)
        c.info = _NO_INFO if prefix is None and capture is None else []
        c.info_prefix = prefix
        c.deferred_prefix = deferred
        c.heard = False
        c.deferred = None
        if deferred is not None:  # a Waiter per call: the result belongs to this call
            dw = c.deferred = dw or Waiter()
            dw.reset(cmd, secret)
            dw.capture = capture
            dw.info = c.info
        if debug():
            log(_DEBUG, self.tag, "> %s", c.shown())
        c.in_flight = True
        if self._write_now is None or isinstance(cmd, tuple) or not cmd.endswith("\r"):
            return -1
        mv = memoryview(cmd)  # its bytes (a str ending in CR is written as it is)
        n = self._write_now(mv) or 0  # the port's non-blocking write: most often all of it
        return None if n >= len(mv) else n

    async def _write(self, cmd, rest):
        port = self.port
        if isinstance(cmd, tuple):  # pieces (a long value): written one by one
            for x in cmd:
                await port.write(x)
            await port.write(b"\r")
        elif rest >= 0:  # the rest of it
            await port.write(memoryview(cmd)[rest:])
        else:  # one write: one Port coroutine
            await port.write(cmd if cmd.endswith("\r") else cmd + "\r")

    def _final_result(self):
        # the command's info lines, or what it ended with raised
        c = self._command
        if not c.done:
            self.stats["timeouts"] += 1
            self._quiet_until = ticks_add(ticks_ms(), self.late_ms)
            raise ATTimeout(c.shown())
        r = c.result  # an error code, or an exception (Rebooted, port closed)
        if r is not None:
            raise CommandError(r, c.shown()) if isinstance(r, int) else r
        return c.info

    # ---- the reader task ----
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

    def _end_command(self, result):
        # The final result of the command in flight: None for OK, an error code (int; the
        # caller makes the CommandError), or an exception. Nothing is allocated for OK.
        c = self._command
        if not c.in_flight or c.done:
            self.stats["stray"] += 1
            return
        c.in_flight = False  # the very next line (same read) is no longer this command's
        if result is None and c.deferred is not None and not c.deferred.done:
            self._armed[c.deferred_prefix] = c.deferred  # armed only now: after OK
        c.finish(result)

    def _fail(self, exc):
        c = self._command
        if c.in_flight and not c.done:
            c.in_flight = False
            c.finish(exc)
        for w in self._armed.values():
            w.finish(exc)
        self._armed.clear()

    def line(self, buf, k):
        """One line from the module (Lines calls it): an answer or a URC."""
        st = self.stats
        st["lines"] += 1
        if not buf.startswith(b"+QLWURC:"):  # stray bytes before a URC, a UART waking up?
            k = self._drop_stray(buf, k)
            if not k:
                return
        c = self._command
        for p, role, whole in _BY_FIRST.get(buf[0], ()):  # the line table
            n = len(p)
            if (k == n if whole else k >= n) and buf.startswith(p):
                if role == _ROLE_OK:
                    return self._end_command(None)
                if role == _ROLE_ERROR:
                    return self._end_command(-1)
                if role == _ROLE_CME:
                    try:
                        code = int(self._mv[n:k])
                    except ValueError:
                        code = -1
                    return self._end_command(code)
                st["echo"] += 1  # _ROLE_ECHO
                c.heard = c.in_flight
                return
        for p, fn in self._urcs:  # the driver's URCs, parsed from the line buffer
            if k >= len(p) and buf.startswith(p) and fn(buf, k):
                return
        if c.in_flight and c.deferred_prefix in self.ok_implied_by:
            self._lost_ok(buf, k)
        p = self._posted_match
        if p is not None and k >= len(p) and buf.find(p, 0, len(p)) == 0:  # the result
            return self._posted_result_line(buf, k, len(p))  # of a posted command
        try:
            line = str(self._mv[:k], "utf-8")
        except UnicodeError:
            st["garbage"] += 1
            return
        if line == "RDY" or line.endswith("Leaving the BROM"):
            if line == "RDY" and self._booting:  # the boot whose banner came first
                self._booting = False
                return
            self._booting = line != "RDY"  # until its "RDY" or "+CPIN: READY"
            st["reboots"] += 1
            log(_WARN, self.tag, "module rebooted")
            self._fail(Rebooted(line))
            return self._dispatch("REBOOT")
        if line[0] != "+" and len(line) >= 8 and line[2:4] == ": ":  # "F1: 0000 0000"
            st["noise"] += 1
            return
        if self._booting and line.startswith("+CPIN:"):  # that boot is over
            self._booting = False
        if c.in_flight and c.info_prefix is not None and line.startswith(c.info_prefix):
            c.heard = True
            return c.info.append(line)
        for p, w in self._armed.items():
            if line.startswith(p):
                del self._armed[p]
                return w.finish(line)
            if w.capture is not None and line.startswith(w.capture):
                w.info.append(line)
        self._dispatch(line)

    def _drop_stray(self, buf, k):
        # A line that does not start with "+QLWURC:": a URC after stray bytes (line noise,
        # printable or not: "OK" or another line whose terminator was lost, a space, an
        # ANSI escape), or any line after non-printable ones (a UART waking up) -> the line
        # moved past them, its new length (the stray bytes counted as one glitch); else
        # the line as it is.
        s = buf.find(b"+QLWURC:", 1, k)
        if s < 0:
            if 32 <= buf[0] < 127:
                return k
            s = 1
            while s < k and not 32 <= buf[s] < 127:
                s += 1
        self.stats["glitches"] += 1
        for i in range(k - s):
            buf[i] = buf[s + i]
        return k - s

    def _lost_ok(self, buf, k):
        # The result line of the command still waiting for its OK: the module sends it only
        # after OK, so that OK was lost (line noise) and is taken as received (counted)
        p = self._command.deferred_prefix
        b = self._prefix_bytes.get(p)
        if b is None:  # (each prefix encoded once)
            b = self._prefix_bytes[p] = p.encode()
        if k >= len(b) and buf.find(b, 0, len(b)) == 0:
            self.stats["lost_ok"] += 1
            self._end_command(None)

    def _dispatch(self, line):
        if debug():  # (a late +QLWCONFIG: answer holds the PSK and its identity)
            log(_DEBUG, self.tag, "urc %s", "+QLWCONFIG: ***" if line.startswith("+QLWCONFIG")
                else line)
        try:
            self.urc_cb(line)
        except Exception as e:  # no listener (None) or a listener's bug: count, go on
            self.stats["dropped_urcs"] += 1
            if self.urc_cb is not None:
                log(_ERROR, self.tag, "urc handler: %r", e)
