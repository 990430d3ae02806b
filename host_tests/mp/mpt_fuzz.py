# The engine under a long random byte stream with valid traffic interleaved: it never
# crashes, the heap stays bounded, every valid line is still delivered, commands still work.
import fakemodem
fakemodem.prefer_mpy()


def _garbage(rnd, n):
    b = bytearray(n)
    for i in range(n):
        b[i] = rnd.getrandbits(8)
    return b


class _Sink:
    # counts the URC lines with our marker, checks they come in order; drops the rest
    def __init__(self, mark):
        self.mark = mark
        self.n = 0
        self.bad = 0

    def __call__(self, line):
        if line.startswith(self.mark):
            if line != self.mark + str(self.n):
                self.bad += 1
            self.n += 1


async def test_fuzz_stream():
    import asyncio
    import gc
    import random
    from fakemodem import engine
    random.seed(7)
    fm, e, _ = engine(seed=3)
    e.urc_cb = sink = _Sink('+QLWURC: "report",')
    fm.inject(b"x" * 2500)  # an overlong line first (lines.MAXLINE: 2,148)
    for r in range(300):
        if r == 30:
            gc.collect()
            base = gc.mem_alloc()
        fm.inject(_garbage(random, random.getrandbits(8)), "\r\n" + sink.mark + str(r))
        if r % 50 == 49:  # a command in the middle of the noise
            fm.expect("AT+QLWSTATUS?", "+QLWSTATUS: 2", "OK")
            assert await e.cmd("AT+QLWSTATUS?", "+QLWSTATUS", 2000) == ["+QLWSTATUS: 2"]
        while fm.pos < len(fm.out):
            await asyncio.sleep_ms(1)
        fm.written.clear()
    gc.collect()
    grow = gc.mem_alloc() - base
    st = e.stats
    assert sink.n == 300 and sink.bad == 0, (sink.n, sink.bad)
    assert grow < 1024, grow
    assert e._task is not None and e._dead is None
    assert st["overlong"] >= 1 and st["garbage"] > 0 and st["lines"] > 300, st
    await e.stop()


async def test_split_at_random_boundaries():
    import asyncio
    from fakemodem import engine
    for seed in (1, 2, 3, 4):
        fm, e, _ = engine(seed=seed)
        e.urc_cb = sink = _Sink('+QLWURC: "observe",0,3303,0,')
        for r in range(40):
            fm.inject(sink.mark + str(r))
        while fm.pos < len(fm.out):
            await asyncio.sleep_ms(1)
        await asyncio.sleep_ms(2)
        assert sink.n == 40 and sink.bad == 0
        await e.stop()
