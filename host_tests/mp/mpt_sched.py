# lib/bc66/sched.py: the one module that touches asyncio's internals, its version check,
# and its public-API fallback (issue 20, "a sealed driver"): the engine over a
# transport.Port works the same either way.
import asyncio
import io
import fakemodem
fakemodem.prefer_mpy(("__init__", "errors", "lines", "sched", "transport", "at"))


class _Modem(io.IOBase):
    # A pollable byte stream that answers like a module: each written command line gets
    # the reply set for it; ``limit`` bytes taken per write (the rest waits for writable)
    def __init__(self, replies, limit=1000):
        self.replies = replies  # command -> bytes answered
        self.limit = limit
        self.rx = b""
        self.tx = b""
        self.written = []
        self.writes = 0

    def readinto(self, buf):
        if not self.rx:
            return None
        n = min(len(buf), len(self.rx))
        buf[:n] = self.rx[:n]
        self.rx = self.rx[n:]
        return n

    def write(self, data):
        self.writes += 1
        if isinstance(data, str):
            data = data.encode()
        n = min(len(data), self.limit)
        self.tx += bytes(data[:n])
        while b"\r" in self.tx:
            i = self.tx.find(b"\r")
            c = str(self.tx[:i], "utf-8")
            self.tx = self.tx[i + 1:]
            self.written.append(c)
            self.rx += self.replies.get(c, b"")
        return n

    def ioctl(self, req, arg):
        if req == 3:  # MP_STREAM_POLL: readable when bytes wait, always writable
            return (arg & 1 if self.rx else 0) | (arg & 4)
        return 0


_REPLIES = {
    "AT+CSQ": b"\r\n+CSQ: 5,99\r\n\r\nOK\r\n",
    "AT+QLWREG": b"\r\nOK\r\n",
    "AT+QLWCFG=\"" + "x" * 40 + "\"": b"\r\nOK\r\n",
}


async def _session(limit):
    # the engine over a transport.Port: an info answer, a deferred result that comes later
    # (a sleep woken by the reader), a long command written in parts, a timeout, a URC
    from bc66.at import ATEngine
    from bc66.errors import ATTimeout
    from bc66.transport import Port
    s = _Modem(_REPLIES, limit)
    port = Port(s)
    urcs = []
    e = ATEngine(port, urcs.append)
    e.start()
    assert await e.cmd("AT+CSQ", prefix="+CSQ") == ["+CSQ: 5,99"]

    async def later():
        await asyncio.sleep_ms(30)
        s.rx += b"\r\n+QLWREG: 0\r\n"
    t = asyncio.create_task(later())
    info, line = await e.cmd("AT+QLWREG", deferred="+QLWREG:", deferred_timeout_ms=5000)
    assert line == "+QLWREG: 0", line
    await t
    await e.cmd('AT+QLWCFG="' + "x" * 40 + '"')
    try:
        await e.cmd("AT+QLWSTATUS?", timeout_ms=50, wake=False)
        raise AssertionError("no timeout")
    except ATTimeout:
        pass
    s.rx += b'\r\n+QLWURC: "ping",0\r\n'
    for _ in range(200):
        if urcs:
            break
        await asyncio.sleep_ms(5)
    assert urcs == ['+QLWURC: "ping",0'], urcs
    assert s.written[:3] == ["AT+CSQ", "AT+QLWREG", 'AT+QLWCFG="' + "x" * 40 + '"'], s.written
    await e.stop()
    return e, port, s


def test_written_for_this_asyncio():
    # the unix port and the vendored MicroPython (the QEMU board) are what it was written for
    from bc66 import sched
    assert asyncio.__version__ == sched.WRITTEN_FOR, asyncio.__version__
    assert sched.check() == (True, True)
    assert sched.RUN_QUEUE and sched.IO_QUEUE


def test_check_refuses_another_asyncio():
    from bc66 import sched

    class Other:
        __version__ = (3, 1, 0)
        core = asyncio.core
        current_task = asyncio.current_task
    assert sched.check(Other) == (False, False)  # another version: internals not trusted
    Other.__version__ = sched.WRITTEN_FOR

    class Core:
        _task_queue = None  # not a TaskQueue
        _io_queue = asyncio.core._io_queue
    Other.core = Core
    assert sched.check(Other) == (False, True)

    class Unversioned:  # as CPython's asyncio
        core = asyncio.core
    assert sched.check(Unversioned) == (False, False)


async def test_engine_on_the_internals_allocates_no_waits():
    e, port, s = await _session(8)
    assert e._command._event is None and port._st is None  # no Event, no stream wrapper
    assert s.writes > 8  # the long command went in parts (queue_write)


async def test_engine_on_the_fallback():
    from bc66 import sched
    sched.use_fallback()
    try:
        e, port, s = await _session(8)
        # the waits went through an Event and asyncio.wait_for_ms, the IO through a stream
        assert e._command._event is not None and port._st is not None
        assert s.writes > 8
    finally:
        sched.use_fallback(False)
    assert sched.RUN_QUEUE and sched.IO_QUEUE


async def test_a_cancelled_sleeper_stays_cancelled_when_woken():
    # Task.cancel() then Sleeper.wake() before the task runs (a Ctrl-C's shutdown cancels
    # a task waiting for a command's answer, and the reader takes that answer first): the
    # task ends with CancelledError. The run queue's push() clears a task's pending
    # CancelledError: moving it there made the task run on as if never cancelled.
    from bc66.sched import Sleeper
    s = Sleeper()
    seen = []

    async def sleeper():
        try:
            await s.sleep(10000)
            seen.append("woke")
        except asyncio.CancelledError:
            seen.append("cancelled")
    t = asyncio.create_task(sleeper())
    await asyncio.sleep_ms(0)  # it sleeps
    assert s.task is t
    t.cancel()
    s.wake()
    await asyncio.sleep_ms(5)
    assert seen == ["cancelled"], seen


async def test_a_cancelled_command_stays_cancelled_when_its_answer_comes():
    # the engine: a task cancelled while it waits for its command's answer, the answer
    # read before that task runs again -> CancelledError, not the answer (the sensors task
    # of a stopping node went on to AT+CSQ after the shutdown had cancelled it)
    from bc66.at import ATEngine
    from bc66.transport import Port
    s = _Modem({})
    e = ATEngine(Port(s))
    e.start()
    t = asyncio.create_task(e.cmd("AT+CSQ", prefix="+CSQ", timeout_ms=5000))
    for _ in range(100):
        if s.written:
            break
        await asyncio.sleep_ms(1)
    assert s.written == ["AT+CSQ"], s.written
    t.cancel()
    buf = bytearray(b"\r\n+CSQ: 5,99\r\n\r\nOK\r\n")
    e.feed(buf, len(buf))  # the reader's step that takes the answer, before t runs
    try:
        r = await t
        raise AssertionError("ran on after its cancel: %r" % (r,))
    except asyncio.CancelledError:
        pass
    s.replies["AT+CSQ"] = b"\r\n+CSQ: 7,99\r\n\r\nOK\r\n"  # the engine goes on
    assert await e.cmd("AT+CSQ", prefix="+CSQ") == ["+CSQ: 7,99"]
    await e.stop()


def test_ctrl_c_as_an_answer_comes_ends_the_task_waiting_for_it():
    # app.run_until_stopped, the engine over a pollable stream: the Ctrl-C lands while a
    # task waits for its command's answer, which arrives as the shutdown cancels that task;
    # the reader takes it before the task runs again, and the task ends there: before, it
    # went on as if never cancelled (test_node_lifecycle: the sensors task's AT+CSQ during the
    # shutdown, and readings going on while the shutdown did not end)
    import app
    from bc66 import log
    from bc66.at import ATEngine
    from bc66.transport import Port
    s = _Modem({})
    e = ATEngine(Port(s))
    seen = []

    async def sensors():
        try:
            await e.cmd("AT+CSQ", prefix="+CSQ", timeout_ms=5000)
            seen.append("ran on")
        except asyncio.CancelledError:
            seen.append("cancelled")
    t = []

    async def work():
        e.start()
        t.append(asyncio.create_task(sensors()))
        while not s.written:
            await asyncio.sleep_ms(1)
        raise KeyboardInterrupt

    async def shutdown(code):
        t[0].cancel()  # as Node.stop()
        s.rx += b"\r\n+CSQ: 5,99\r\n\r\nOK\r\n"  # the answer, read before t runs
        await asyncio.sleep_ms(20)
        await e.stop()
    lines = []
    log.sink = lines.append
    try:
        code = app.run_until_stopped(work, shutdown)
    finally:
        log.sink = None
    assert code == 0, lines
    assert seen == ["cancelled"], seen
