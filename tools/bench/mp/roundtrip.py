# MicroPython: the request path measured alone (run by tools/bench/cortex_m.py on the QEMU
# Cortex-M3 with the project frozen, or on the unix port). The driver, the object model
# and the stock objects answer N server reads through the production Port (transport.Port
# over a pollable stream), against an in-memory module that answers every command at once
# and sends the next request with its last answer line: nothing else runs, so the clock
# counts only the node's own work (under QEMU -icount, 1 us = 1,000 instructions).
#   roundtrip.run(kind, n, chunk) -> (us per round trip, bytes allocated per round trip)
# kind: "one" (3303/0/5700), "instance" (3303/0, one answer per readable resource) or
# "write" (3303/0/5750, a 4-character string, answered AT+QLWWRRSP);
# chunk: bytes the module's UART has for each wake of the reader (128: one chunk per line
# group, 8: trickled as on a slow wire); 0: the wire as it is, each byte arriving one
# character time (115200 baud, 10 bits) after the one before, for an MCU at 80 MHz: under
# -icount 1 us of ticks is 1,000 instructions, so a byte every 6,944 instructions. A
# command is answered once its own bytes are on the wire. The round trip then includes the
# wire time; what the event loop spends waiting (a poll with a timeout, on a real MCU asleep)
# is counted apart and left out of the figure.
import asyncio
import gc
import io
import time

from bc66 import transport
from bc66.modem import BC66
from lwm2m import ipso
from lwm2m.objects import Model

_POLL = 3  # MP_STREAM_POLL
BYTE_NS = 6944  # one character at 115200 baud for an 80 MHz MCU, in -icount ns (instructions)
_RD = 1
_WR = 4


class Module(io.IOBase):
    """The BC66 side in memory: each command written is answered at once; after the last
    answer of a request (index 0) the next request follows. ``chunk`` bytes are readable
    per wake of the reader (after a read that found nothing)."""

    def __init__(self, request, n, chunk, kind="read"):
        self.out = bytearray()
        self.pos = 0
        self.chunk = chunk
        self.gate = chunk  # bytes readable until the next poll
        # every request line made before the measurement (none is formatted during it)
        self.requests = [('\r\n+QLWURC: "%s",%d,%s\r\n' % (kind, 1000 + i, request)).encode()
                         for i in range(n)]
        self.left = n
        self.cmd = bytearray(1200)
        self.cmd_len = 0
        self.t_us = [0] * (n + 1)  # clock and heap at each request sent
        self.t_alloc = [0] * (n + 1)
        self.finished = asyncio.Event()
        self.wire = []  # chunk 0: [start us, first byte in out, length] per line on the wire
        self.wire_free = 0  # ticks when the last byte sent is through
        self.idle_us = 0  # time the event loop spent waiting (chunk 0)
        self.t_idle = [0] * (n + 1)
        self.count_alloc = False

    def send(self, line, after_us=0):
        if not self.chunk:  # on the wire from after_us from now, behind what is on it
            start = max(time.ticks_us() + after_us, self.wire_free)
            self.wire.append([start, len(self.out), len(line)])
            self.wire_free = start + len(line) * BYTE_NS // 1000
        self.out.extend(line)

    def arrived(self):
        """Bytes of ``out`` that have come through the wire (chunk 0) or were sent."""
        if not self.chunk:
            now = time.ticks_us()
            for start, first, length in self.wire:
                got = max(0, time.ticks_diff(now, start)) * 1000 // BYTE_NS
                if got < length:
                    return first + got
        return len(self.out)

    def next_request(self):
        i = len(self.requests) - self.left
        self.t_us[i] = time.ticks_us()
        if self.count_alloc:  # gc.mem_alloc() scans the heap's table: ~150 k
            self.t_alloc[i] = gc.mem_alloc()  # instructions, so not in the timed run
        self.t_idle[i] = self.idle_us
        if self.left:
            self.left -= 1
            self.send(self.requests[i])
        else:
            self.finished.set()

    def readinto(self, buf):
        n = min(len(buf), self.arrived() - self.pos, self.gate if self.chunk else len(buf))
        if n <= 0:
            self.gate = self.chunk  # the reader waits: by its next wake more bytes came
            return None
        buf[:n] = memoryview(self.out)[self.pos:self.pos + n]
        self.pos += n
        self.gate -= n
        if self.pos == len(self.out):
            self.out = bytearray()
            self.pos = 0
            self.wire.clear()
        return n

    def write(self, data):
        # C-level copies only (no loop per byte): the module's share of the count stays
        # small next to the node's. The engine writes one command per write, CR last, or
        # a command in pieces whose last one ends in CR.
        if isinstance(data, str):
            data = memoryview(data)
        n = len(data)
        k = self.cmd_len
        self.cmd[k:k + n] = data
        k += n
        if self.cmd[k - 1] == 13:
            self.command(self.cmd, k - 1)
            k = 0
        self.cmd_len = k
        return n

    def command(self, c, k):
        tx_us = (k + 1) * BYTE_NS // 1000  # chunk 0: the command's own time on the wire
        if c[6] == 82 and c[7] == 68:  # AT+QLWRDRSP=
            self.send(b"\r\nOK\r\n\r\n+QLWRDRSP: 0\r\n", tx_us)
            if c[k - 1] == 48 and c[k - 2] == 44:  # ",0": the last answer of this request
                self.next_request()
        elif c[6] == 87 and c[7] == 82:  # AT+QLWWRRSP=: a write's one answer
            self.send(b"\r\nOK\r\n\r\n+QLWWRRSP: 0\r\n", tx_us)
            self.next_request()
        else:  # AT, ATE0, AT+CMEE=1
            self.send(b"\r\nOK\r\n", tx_us)

    def ioctl(self, req, arg):
        if req == _POLL:
            return (arg & _RD if self.pos < self.arrived() else 0) | (arg & _WR)
        return 0


def _count_idle(module):
    # the event loop's waits (a poll with a timeout: nothing to run) timed into idle_us
    from asyncio import core
    q = core._io_queue
    wait = core.IOQueue.wait_io_event  # the class's: one wrapper however many runs

    def timed_wait(dt):
        if dt == 0:  # a poll that does not wait: the loop's own work
            return wait(q, dt)
        t0 = time.ticks_us()
        wait(q, dt)
        module.idle_us += time.ticks_diff(time.ticks_us(), t0)
    q.wait_io_event = timed_wait


async def _measure(kind, n, chunk, alloc, rest_ms):
    module = Module(REQUESTS[kind][1], n + 2, chunk, REQUESTS[kind][0])
    module.count_alloc = alloc
    if not chunk:
        _count_idle(module)
    port = transport.Port(module, 0 if chunk else 115200)  # chunk 0: as a board's UART
    if rest_ms is not None:
        port.rest_ms = rest_ms
    modem = BC66(port)
    model = Model(modem)
    t = ipso.temperature(model)
    t.update(21.5)
    modem.add_urc_listener(model.request)
    await modem.start()
    task = asyncio.create_task(model.serve())
    gc.collect()
    if alloc:
        gc.disable()
    module.next_request()
    await module.finished.wait()
    gc.enable()
    task.cancel()
    await modem.stop()
    await asyncio.sleep_ms(0)  # the cancelled task ends here
    # after two warm-up requests (the first loads the request parser); waits left out
    busy = time.ticks_diff(module.t_us[-1], module.t_us[2]) - (module.t_idle[-1] -
                                                               module.t_idle[2])
    return busy // n, (module.t_alloc[-1] - module.t_alloc[2]) // n


# kind -> (the URC's kind, its fields after the message id)
REQUESTS = {"one": ("read", "3303,0,5700"), "instance": ("read", "3303,0,-1"),
            "write": ("write", '3303,0,5750,1,4,"abcd",0')}


def run(kind, n, chunk, alloc=False, rest_ms=None):
    """-> (microseconds, bytes allocated) per round trip; ``alloc``: with the GC off
    (the bytes figure; the time then leaves out collections), else with it on. ``rest_ms``:
    the Port's wait for the rest of a line, if not its own."""
    return asyncio.run(_measure(kind, n, chunk, alloc, rest_ms))


def module_share(kind, n, chunk):
    """-> microseconds (instructions under -icount, / 1,000) per round trip that the
    in-memory module itself takes: its write, read and poll calls replayed alone, as a
    round trip of ``run`` makes them (chunk > 0). ``run``'s figure minus this one is the
    node's own share."""
    m = Module(REQUESTS[kind][1], n + 1, chunk, REQUESTS[kind][0])
    if kind == "write":
        cmds = [memoryview("AT+QLWWRRSP=1000,2\r")]
    else:
        parts = 1 if kind == "one" else 5
        cmds = [memoryview('AT+QLWRDRSP=1000,1,3303,0,5700,4,4,21.5,%d\r' % i)
                for i in range(parts - 1, -1, -1)]
    rx = bytearray(128)
    m.next_request()
    m.out = bytearray()
    m.pos = 0
    t0 = time.ticks_us()
    for _ in range(n):
        for c in cmds:
            m.write(c)
            while m.out:  # every byte read, a poll after each read that found none
                if not m.readinto(rx):
                    m.ioctl(_POLL, _RD)
            m.readinto(rx)  # the read that finds nothing, and its poll
            m.ioctl(_POLL, _RD)
    return time.ticks_diff(time.ticks_us(), t0) // n


async def _wait_costs(n):
    # heap per timed wait: asyncio.wait_for_ms on an Event against the engine's Waiter
    from bc66.at import Waiter
    ev = asyncio.Event()
    w = Waiter()

    async def setter():
        while True:
            await asyncio.sleep_ms(0)
            ev.set()
            w.wake()
    t = asyncio.create_task(setter())
    await asyncio.sleep_ms(0)
    gc.collect()
    gc.disable()
    a0 = gc.mem_alloc()
    for _ in range(n):
        await asyncio.wait_for_ms(ev.wait(), 1000)
        ev.clear()
    a1 = gc.mem_alloc()
    for _ in range(n):
        await w.sleep(1000)
    a2 = gc.mem_alloc()
    gc.enable()
    t.cancel()
    await asyncio.sleep_ms(0)
    return (a1 - a0) // n, (a2 - a1) // n


def wait_costs(n=20):
    """-> (bytes per asyncio.wait_for_ms(event.wait()), bytes per Waiter.sleep) wait."""
    return asyncio.run(_wait_costs(n))
