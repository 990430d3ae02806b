# lib/lwm2m: notifications (pmin/pmax, CON acks) and the stock objects 3303/3316/19; RAM.
import asyncio
import gc
import time
import fakeapi as fa
fa.prefer_mpy()
from lwm2m import objects as ob  # noqa: E402
from lwm2m import ipso  # noqa: E402

I, F, B = 3, 4, 5  # noqa: E741
mk, rq = fa.mk, fa.rq


async def test_notify_on_change():
    m, md, o = mk()
    t = [20.0]
    md.set(9, 0, 2, lambda: t[0])
    o.on(4, con=False)
    await rq(md, fa.observe(1, 0, 9, 0, 1), fa.observe(2, 0, 9, 0, 2), fa.observe(3, 0, 9, 0, 4))
    md.set(9, 0, 1, 7)       # unchanged
    md.set(9, 1, 1, 99)      # not observed
    assert await md.step() == 60000 and m.calls == []
    md.set(9, 0, 1, 8)
    t[0] = 22.0
    md.changed(9, 0, 2)
    md.set(9, 0, 4, False)
    await md.step()
    assert m.take() == [("notify", 9, 0, 1, I, 8, True), ("notify", 9, 0, 2, F, 22.0, True),
                        ("notify", 9, 0, 4, B, False, False)]
    assert len(md.pend) == 2
    n = await md.notify(9, 0, 4)
    assert await n.wait(10) is True and len(md.pend) == 2


async def test_pmin_pmax_timing():
    m, md, o = mk()
    o.on(1, pmin_ms=120)
    o.on(4, pmax_ms=80)
    await rq(md, fa.observe(1, 0, 9, 0, 1))
    t0 = time.ticks_ms()
    for i in range(10):
        md.set(9, 0, 1, 100 + i)
        w = await md.step()
        await asyncio.sleep_ms(10)
    assert m.calls == [] and 0 < w <= 120  # inside pmin of the observe answer
    while time.ticks_diff(time.ticks_ms(), t0) < 125:
        await asyncio.sleep_ms(5)
    await md.step()
    assert m.take() == [("notify", 9, 0, 1, I, 109, True)]
    await rq(md, fa.observe(2, 0, 9, 0, 4))
    task = asyncio.create_task(md.run())
    await asyncio.sleep_ms(290)       # pmax 80: re-sent unchanged 3 times
    assert [c[3] for c in m.take()] == [4, 4, 4]
    md.set(9, 0, 1, 5)                 # the task wakes on set() (pmin long passed)
    await asyncio.sleep_ms(5)
    assert m.take() == [("notify", 9, 0, 1, I, 5, True)]
    task.cancel()
    await asyncio.sleep_ms(0)


async def test_notify_error_retries():
    m, md, o = mk(retry_ms=50)
    await rq(md, fa.observe(1, 0, 9, 0, 1))
    m.fail["notify"] = OSError(5)
    md.set(9, 0, 1, 1)
    assert 40 <= await md.step() <= 50 and md.stats["notify_errors"] == 1
    del m.fail["notify"]
    await md.step()
    assert len(m.calls) == 1
    await asyncio.sleep_ms(55)
    await md.step()
    assert len(m.calls) == 2 and m.calls[-1][5] == 1


async def test_acks():
    m, md, o = mk(max_pending=3, ack_ms=150)
    n = await md.notify(9, 0, 1)

    async def acker():
        await asyncio.sleep_ms(20)
        await md.handle(fa.report_ack(n.msgid, 0))
    asyncio.create_task(acker())
    t0 = time.ticks_ms()
    assert await md.wait_acked(1000) is True and time.ticks_diff(time.ticks_ms(), t0) < 500
    n = await md.notify(9, 0, 1)
    await md.handle(fa.report_ack(n.msgid, 1))   # failed at the module
    assert n.status == 1 and await n.wait(10) is False
    assert await md.wait_acked(50) is False and await md.wait_acked(50) is True
    n2 = await md.notify(9, 0, 1)
    assert await md.wait_acked(60) is False and n2.status == ob.PENDING  # never acked
    await md.handle(fa.report_ack(n2.msgid, 0))
    assert await n2.wait(10) is True
    await md.handle(fa.report_ack(n2.msgid, 0))  # duplicate: ignored
    await md.handle(fa.report_ack(m.next_msgid + 1, 0))  # raced ahead of notify()
    n = await md.notify(9, 0, 1)
    assert n.status == 0 and md.pend == [] and md.stats["acks_unmatched"] == 2
    notes = []
    for i in range(5):
        notes.append(await md.notify(9, 0, 1))
    assert len(md.pend) == 3 and md.stats["notes_dropped"] == 2 and notes[0].status == ob.DROPPED
    await md.handle(fa.URC("reboot"))
    assert notes[4].status == ob.RESET and md.pend == [] and await md.wait_acked(10) is False
    n = await md.notify(9, 0, 1)
    await asyncio.sleep_ms(160)
    assert await md.wait_acked(500) is False and n.status == ob.EXPIRED


async def test_ipso_sensors():
    m = fa.FakeModem()
    md = ob.Model(m)
    t = ipso.temperature(md)
    ipso.temperature(md, 1, "Far")
    v = ipso.voltage(md)
    assert t.value is None and md.value(3303, 1, 5701) == "Far" and md.value(3316, 0, 5701) == "V"
    assert await md.sync_objects() == (3, 0, 0)
    assert ("add_object", 3303, 1, (5700, 5701, 5601, 5602, 5605)) in m.take()
    for x in (20, 25.5, 18, 22):
        t.update(x)
    v.update(3.3)
    assert (t.value, md.value(3303, 0, 5601), md.value(3303, 0, 5602)) == (22.0, 18.0, 25.5)
    assert md.value(3303, 1, 5700) is None and md.value(3316, 0, 5602) == 3.3
    await rq(md, fa.observe(1, 0, 3303, 0, 5602))
    assert await rq(md, fa.execute(27452, 3303, 0, 5605)) == [("exec_rsp", 27452, 2)]
    assert md.value(3303, 0, 5601) == 22.0 and md.value(3303, 0, 5602) == 22.0
    await md.step()
    assert m.take() == [("notify", 3303, 0, 5602, F, 22.0, True)]
    c = await rq(md, fa.read(17123, 3303, 0, -1))
    assert [(x[5], x[7], x[8]) for x in c] == [(5700, 22.0, 3), (5701, "Cel", 2), (5601, 22.0, 1), (5602, 22.0, 0)]
    assert await rq(md, fa.write(1, 3303, 0, 5700, b"1.0", F)) == [("write_rsp", 1, 14)]


async def test_bindata():
    m = fa.FakeModem()
    md = ob.Model(m)
    got = []
    d = ipso.bindata(md, got.append)
    await rq(md, fa.observe(32201, 0, 19, 0, 0))  # never set yet: 4.04, not observed
    assert md.observations() == []
    n = await d.send(b"\x01\x02")
    assert m.take() == [("notify", 19, 0, 0, 2, b"\x01\x02", True)] and n.status == ob.PENDING
    await md.handle(fa.report_ack(n.msgid, 0))
    assert await n.wait(10) is True
    c = await rq(md, fa.write(1, 19, 1, 0, b"\xca\xfe", 2), fa.write(2, 19, 0, 0, b"x", 2),
                 fa.read(3, 19, 1, 0))
    assert got == [b"\xca\xfe"] and c[:2] == [("write_rsp", 1, 2), ("write_rsp", 2, 14)]
    assert c[2] == ("read_rsp", 3, 1, 19, 1, 0, 2, b"\xca\xfe", 0)
    await d.send(b"zz", con=False)
    assert m.take()[0][-1] is False and md.pend == []


async def test_ram():
    m, md, o = mk()
    m.keep = False
    o.on(1, lambda i, r, v: v >= 0)
    us = (fa.read(1, 9, 0, 0), fa.read(2, 9, -1, -1), fa.read(3, 9, 9, 9),
          fa.write(4, 9, 0, 1, b"12", I), fa.write(5, 9, 0, 1, b"-1", I),
          fa.write(6, 9, 0, 2, b"x", F), fa.execute(7, 9, 0, 5), fa.execute(8, 9, 0, 0),
          fa.observe(9, 0, 9, 0, 1), fa.observe(10, 1, 9, 0, 1))
    for u in us[:2] * 3:
        await md.handle(u)
    gc.collect()
    gc.disable()
    a = gc.mem_alloc()
    await md.handle(us[0])
    b = gc.mem_alloc()
    await md.handle(us[1])
    c = gc.mem_alloc()
    gc.enable()

    async def burst(n):
        for i in range(n):
            await md.handle(us[i % 10])
            if i % 10 == 8:
                md.set(9, 0, 1, i)
                await md.step()
                await md.handle(fa.report_ack(m.next_msgid, 0))
    await burst(100)
    gc.collect()
    f0 = gc.mem_free()
    await burst(1000)
    gc.collect()
    f1 = gc.mem_free()
    print("RAM: read 1 res %d B, read object (6 parts) %d B; heap free %d -> %d after 1000"
          " requests (%d modem calls)" % (b - a, c - b, f0, f1, m.n))
    assert b - a < 512 and c - b < 1536 and f0 - f1 < 256
    assert md.stats["answer_errors"] == 0 and md.pend == []
