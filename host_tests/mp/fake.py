"""A scripted fake BC66 Port, in the style of Zephyr's modem mock: the test double of the
MicroPython host tests (reached through ``fakemodem.py``; not part of lib/).

    fm = FakeModem(seed=1)
    fm.expect("AT+QLWREG", "OK", 20, "+QLWREG: 0")   # reply lines; an int is a pause (ms)
    fm.play('> AT+QLWSTATUS?\n< +QLWSTATUS: 2\n< OK')   # the same as text, note-style
    fm.expect("AT")                                   # no reply at all: the command is lost
    fm.inject('+QLWURC: "ping",0')                    # unsolicited lines at any time
    fm.check()                                        # script used up, nothing unexpected

``write()`` checks each CR-terminated command against the next expected one and queues its
reply ("\r\n<line>\r\n" per str item, bytes raw); ``readinto()`` hands the queued bytes
out in seeded random-sized fragments, so every line boundary is exercised. Not imported by
the driver itself.
"""
import asyncio


class FakeModem:
    def __init__(self, seed=1, maxfrag=9, write_now=True):
        # write_now: offer the non-blocking write of transport.Port (the engine then
        # sends a command at once, and answers requests from its reader task)
        if write_now:
            self.write_now = self._write_now
        self.seed = seed or 1
        self.maxfrag = maxfrag
        self.script = []
        self.out = bytearray()
        self.pos = 0
        self.rx = bytearray()
        self.written = []
        self.errors = []
        self.closed = False

    def play(self, text):
        # "> CMD" expects CMD; "< LINE" a reply line of the last "> " (before any: pushed
        # now); "~ MS" a pause; " //" starts a comment, as in the note's transcripts.
        now = []
        cur = None
        for ln in text.split("\n"):
            ln = ln.split(" //")[0].strip()
            if ln[:1] == ">":
                cur = (ln[2:], [])
                self.script.append(cur)
            elif ln:
                (now if cur is None else cur[1]).append(int(ln[2:]) if ln[0] == "~" else ln[2:])
        self.inject(*now)
        return self

    def expect(self, cmd, *reply):
        self.script.append((cmd, reply))
        return self

    def inject(self, *items):
        # str items are lines, bytes items raw bytes, an int a pause (the rest comes later)
        for i, it in enumerate(items):
            if isinstance(it, int):
                return asyncio.create_task(self._later(items[i:]))
            self.out.extend(b"\r\n" + it.encode() + b"\r\n" if isinstance(it, str) else it)

    async def _later(self, items):
        await asyncio.sleep_ms(items[0])
        self.inject(*items[1:])

    def check(self):
        assert not self.errors and not self.script, (self.errors, self.script)

    async def write(self, data):
        self._write_now(data)

    def _write_now(self, data):
        if self.closed:
            raise OSError(9)
        rx = self.rx
        rx.extend(data)
        i = rx.find(b"\r")
        while i >= 0:
            cmd = rx[:i].decode()
            rx[:i + 1] = b""
            self.written.append(cmd)
            exp, reply = self.script.pop(0) if self.script else (cmd, None)
            if reply is None or exp not in (None, cmd):
                self.errors.append("unexpected %r (expected %r)" % (cmd, exp))
            else:
                self.inject(*reply)
            i = rx.find(b"\r")
        return len(data)

    def any(self):
        # bytes queued and not read yet (as machine.UART.any())
        return len(self.out) - self.pos

    async def readinto(self, buf):
        while self.pos >= len(self.out):
            if self.closed:
                raise OSError(32)
            if self.pos:
                self.out = bytearray()
                self.pos = 0
            await asyncio.sleep_ms(1)
        p = self.pos
        self.seed = (self.seed * 1103515245 + 12345) & 0x7FFFFFFF  # seeded fragment sizes
        n = min(len(buf), len(self.out) - p, 1 + (self.seed >> 8) % self.maxfrag)
        buf[:n] = memoryview(self.out)[p:p + n]
        self.pos = p + n
        if self.pos >= 256:  # what was read goes (a reader that never catches up, as in a
            self.out[:self.pos] = b""  # burst of requests, must not grow it: 48 KB heap)
            self.pos = 0
        return n


def engine(seed=1):
    # (fake, started ATEngine, list of URC lines) with short test timings
    import gc
    from bc66.at import ATEngine
    gc.collect()  # the engine's 2 KB line buffer, first, on a collected heap (40 KB boards)
    fm = FakeModem(seed)
    urcs = []
    e = ATEngine(fm, urcs.append)
    e.late_ms = 30
    e.sync_ms = 50
    e.start()
    return fm, e, urcs


async def modem(seed=1):
    # (fake, started BC66, list of URC records): AT, ATE0, AT+CMEE=1 already answered
    import gc
    from bc66.modem import BC66
    gc.collect()  # the engine's 2 KB line buffer, first, on a collected heap (40 KB boards)
    fm = FakeModem(seed).play("> AT\n< OK\n> ATE0\n< OK\n> AT+CMEE=1\n< OK")
    urcs = []
    m = BC66(fm, urcs.append)
    m.at.late_ms = 30
    m.at.sync_ms = 50
    m.local_ms = 1000  # fail fast in tests
    m.network_ms = m.cfun_ms = 3000
    await m.start()
    return fm, m, urcs


async def raises(exc, aw):
    # await `aw`; return the `exc` it raised, fail if it did not
    try:
        await aw
    except exc as e:
        return e
    raise AssertionError("no " + exc.__name__)


async def node(rows, instances, values, serve=False, again=None):
    # the fake node of the request tests: a BC66 on a FakeModem (modem()), a Model with
    # object 9 (resource table `rows`, instance ids `instances`, then `values`: (instance,
    # resource, value) set), the BC66's URCs going to the Model, and its serving task when
    # `serve` -> (fake, BC66, Model, the Obj, task or None). `again`: a (fake, BC66) from
    # before, emptied and used again instead of a new one (a 40 KB heap may have no second
    # free block for the engine's 2 KB line buffer)
    from lwm2m.objects import Model, Obj
    if again:
        fm, m = again
        fm.errors, fm.written, fm.out, fm.pos, fm.rx = [], [], bytearray(), 0, bytearray()
        m.listen()
    else:
        fm, m, _ = await modem()
    md = Model(m)
    o = md.add(Obj(9, instances, rows))
    for inst, rid, v in values:
        md.set(9, inst, rid, v)
    m.on_urc = md.request
    return fm, m, md, o, asyncio.create_task(md.serve()) if serve else None


async def until(cond, ms=3000):
    # the event, with a deadline: cond() polled every 5 ms, AssertionError after `ms`
    for _ in range(ms // 5):
        if cond():
            return
        await asyncio.sleep_ms(5)
    raise AssertionError("not reached")
