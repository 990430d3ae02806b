# Heap allocated per stage of a server request round trip, in process (no simulator):
#
#   make mpy && MICROPYPATH=.frozen:build/mpy/lib .venv/bin/micropython tools/bench/mp/alloc_probe.py
#
# BC66 + Model on a fake Port that answers response commands at once (OK, then the
# deferred result); the request URC goes in through the reader. gc is disabled around
# each measurement; every figure is bytes per call (harness overhead included in the
# round trips: see "harness" for the port's own share).
import gc
import asyncio
from bc66.modem import BC66
from bc66 import urc as U
from lwm2m.objects import Model
from lwm2m import ipso

_ANS = ((b"AT+QLWRDRSP", b"\r\nOK\r\n\r\n+QLWRDRSP: 0\r\n"),
        (b"AT+QLWOBSRSP", b"\r\nOK\r\n\r\n+QLWOBSRSP: 0\r\n"),
        (b"AT+QLWWRRSP", b"\r\nOK\r\n\r\n+QLWWRRSP: 0\r\n"),
        (b"AT+QLWEXERSP", b"\r\nOK\r\n\r\n+QLWEXERSP: 0\r\n"),
        (b"AT+QLWSTATUS", b"\r\n+QLWSTATUS: 2\r\n\r\nOK\r\n"),
        (b"AT", b"\r\nOK\r\n"))


def _at(b, k, p):
    n = len(p)
    if k < n:
        return False
    i = 0
    while i < n:
        if b[i] != p[i]:
            return False
        i += 1
    return True


class P:
    # fake transport.Port (write_now, pump): allocates nothing itself once warm, so the
    # figures are the driver's and the model's own
    def __init__(self):
        self.rx = bytearray(1200)
        self.n = 0
        self.tx = bytearray(1200)
        self.k = 0
        self.cmds = 0
        self.s = self

    def push(self, b):
        n = self.n
        for j in range(len(b)):
            self.rx[n + j] = b[j]
        self.n = n + len(b)

    async def pump(self, buf, feed):
        while True:
            n = self.n
            if not n:
                await asyncio.sleep_ms(0)
                continue
            n = min(n, len(buf))
            for j in range(n):
                buf[j] = self.rx[j]
            for j in range(n, self.n):
                self.rx[j - n] = self.rx[j]
            self.n -= n
            feed(buf, n)

    def write_now(self, data):
        tx = self.tx
        k = self.k
        m = len(data)
        for j in range(m):
            tx[k + j] = data[j] if not isinstance(data, str) else ord(data[j])
        k += m
        self.k = k
        if tx[k - 1] != 13:
            return m
        self.k = 0
        self.cmds += 1
        for p, a in _ANS:
            if _at(tx, k, p):
                self.push(a)
                break
        return m

    async def write(self, data):
        self.write_now(data)

    async def readinto(self, buf):
        raise OSError(1)

    def close(self):
        pass


def measure(label, n, fn):
    async def run():
        for _ in range(5):
            await fn()
        gc.collect()
        gc.disable()
        a = gc.mem_alloc()
        for _ in range(n):
            await fn()
        b = gc.mem_alloc()
        gc.enable()
        print("%-34s %6d" % (label, (b - a) // n))
    return run()


async def main():
    p = P()
    m = BC66(p)
    md = Model(m)
    t = ipso.temperature(md)
    t.update(21.5)
    ring = []
    ev = asyncio.Event()

    def on_urc(u):
        ring.append(u)
        ev.set()
    m.add_urc_listener(on_urc)
    await m.start()

    async def serve():
        while True:
            if not ring:
                ev.clear()
                await ev.wait()
                continue
            await md.handle(ring.pop(0))
    asyncio.create_task(serve())

    async def noop():
        pass
    await measure("harness: noop coroutine", 20, noop)
    rd_line = '+QLWURC: "read",17123,3303,0,5700'

    async def pa():
        U.parse(rd_line)
    await measure("urc.parse read", 20, pa)

    async def st():
        await m.status()
    await measure("status()", 20, st)

    async def rd():
        await m.read_rsp(100, 1, 3303, 0, 5700, 4, 21.5, 0)
    await measure("read_rsp float", 20, rd)

    async def rs():
        await m.read_rsp(100, 1, 3303, 0, 5701, 1, "Cel", 0)
    await measure("read_rsp str", 20, rs)

    async def wr():
        await m.write_rsp(100, 2)
    await measure("write_rsp", 20, wr)

    async def ping():
        p.push(b'\r\n+QLWURC: "ping",0\r\n')
        await asyncio.sleep_ms(0)
        await asyncio.sleep_ms(0)
        ring.clear()
    await measure("ping URC through the reader", 20, ping)

    def rt(line, cmds):
        async def f():
            c = p.cmds + cmds
            p.push(line)
            while p.cmds < c or md._busy or ring:
                await asyncio.sleep_ms(0)
            for _ in range(4):  # let the deferred results be taken
                await asyncio.sleep_ms(0)
        return f
    await measure("round trip: read resource", 20,
                  rt(b'\r\n+QLWURC: "read",17123,3303,0,5700\r\n', 1))
    await measure("round trip: read instance (5)", 10,
                  rt(b'\r\n+QLWURC: "read",17124,3303,0,-1\r\n', 5))
    await measure("round trip: write", 20,
                  rt(b'\r\n+QLWURC: "write",17125,3303,0,5750,1,3,"616263",0\r\n', 1))
    await measure("round trip: execute", 20,
                  rt(b'\r\n+QLWURC: "execute",17126,3303,0,5605\r\n', 1))


asyncio.run(main())
