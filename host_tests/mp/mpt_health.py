# lwm2m.health: objects 32770 (health) and 32771 (counters), read-only and observable.
import gc
gc.collect()
import fakeapi as fa  # noqa: E402
fa.prefer_mpy()
from lwm2m import health as he  # noqa: E402
from lwm2m.objects import Model  # noqa: E402

rq, out = fa.rq, fa.out


class Modem(fa.FakeModem):  # + AT+CSQ and AT+CGPADDR answers
    rssi = 21
    bad = None

    async def csq(self):
        if self.bad:
            raise self.bad
        return self.rssi, 99

    async def ip(self):
        return "10.1.2.3"


def mk():
    c = {"requests": 5, "dropped_requests": 1, "malformed": 2, "glitches": 3, "reboots": 4,
         "queued": 6, "queue_dropped": 7}
    md = Model(Modem())
    return md, he.Health(md, "1.2.3", 9, lambda: c, cause="watchdog"), c


async def test_reads_every_figure():
    md, h, c = mk()
    v = [md.value(he.HEALTH, 0, r) for r in range(9)]
    assert v[:3] == ["1.2.3", 9, "watchdog"] and v[3] >= 0 and v[6:] == [-1, 0, -1]
    assert 0 < v[5] <= v[4]  # largest block <= free heap
    assert [md.value(he.COUNTERS, 0, r) for r in range(7)] == [5, 1, 2, 3, 4, 6, 7]
    got = out(await rq(md, "r 1 32771 0 -1"))
    assert got.startswith("read_rsp 1 1 32771 0 0 3 5 6; ") and got.endswith("32771 0 6 3 7 0")
    assert (await rq(md, "w 2 32770 0 0 1=9.9"))[0][2] == 14  # read-only: 4.05


def test_a_wake_measures_the_heap_only_when_read():
    # a duty cycle's wake (measure=False): no search for the largest block at start
    # (issue 18); a server that reads the heap figures still gets them, measured then
    calls = []
    real = he.largest_free_block
    he.largest_free_block = lambda: calls.append(1) or real()
    try:
        md = Model(Modem())
        he.Health(md, "1.2.3", 9, lambda: {}, cause="deep sleep wake", measure=False)
        assert calls == []
        free, block = md.value(he.HEALTH, 0, 4), md.value(he.HEALTH, 0, 5)
        assert calls == [1] and 0 < block <= free + 64
    finally:
        he.largest_free_block = real


def test_largest_free_block_is_allocatable():
    n = he.largest_free_block()
    free = gc.mem_free()
    b = bytearray(n - 64)  # what it found can be had (less a little for this frame)
    assert len(b) == n - 64 and 0 < n <= free


async def test_registration_reads_rssi_and_ip():
    md, h, c = mk()
    await h.registered(md.modem)
    assert h.rssi_dbm == -71 and h.ip == "10.1.2.3"  # 27.007: -113 + 2 * 21
    assert md.value(he.HEALTH, 0, 6) == -71 and md.value(he.HEALTH, 0, 8) == 0
    md.modem.rssi = 99
    await h.registered(md.modem)
    assert md.value(he.HEALTH, 0, 6) == -1  # not known
    md.modem.bad = OSError(5)
    await h.registered(md.modem)  # logged, not raised
    assert md.value(he.HEALTH, 0, 8) == 0


async def test_observed_counters_notified_per_refresh():
    md, h, c = mk()
    await rq(md, "o 1 32771 0 0", "o 2 32770 0 1")
    c["requests"] = 8
    h.refresh()
    await md.step()
    # every observed figure once per refresh (a cycle), the new count among them
    assert out(md.modem.take()) == "notify 32771 0 0 3 8 True; notify 32770 0 1 3 9 True"
