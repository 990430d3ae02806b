# lib/lwm2m: declaration limits, notifications (pmin/pmax, CON acks), objects 3303/3316/19.
# Compact on purpose: this module is compiled inside the 48 KB heap.
import asyncio
import gc
import time
gc.collect()  # the compiler's garbage, before compiling the helpers
import fakeapi as fa  # noqa: E402
fa.prefer_mpy()
from lwm2m import objects as ob  # noqa: E402
from lwm2m import ipso  # noqa: E402

mk, rq, out = fa.mk, fa.rq, fa.out


async def test_notify_on_change():
    m, md, o = mk()
    t = [20.0]
    md.set(9, 0, 2, lambda: t[0])
    o.on(4, con=False)
    await rq(md, "o 1 9 0 1", "o 2 9 0 2", "o 3 9 0 4")
    md.set(9, 0, 1, 7)   # unchanged
    md.set(9, 1, 1, 99)  # not observed
    assert await md.step() == 60000 and m.calls == []
    md.set(9, 0, 1, 8)
    t[0] = 22.0
    md.changed(9, 0, 2)  # getter-backed
    md.set(9, 0, 4, False)
    await md.step()
    assert out(m.take()) == "notify 9 0 1 3 8 True; notify 9 0 2 4 22.0 True; notify 9 0 4 5 False False"
    assert len(md.pending) == 2 and await (await md.notify(9, 0, 4)).wait(10) is True


async def _until(cond, ms=2000):
    # wait for the event (a condition), never for a guessed time; False at the deadline
    for _ in range(ms // 5):
        if cond():
            return True
        await asyncio.sleep_ms(5)
    return cond()


async def test_pmin_pmax_timing():
    m, md, o = mk(retry_ms=50)
    o.on(1, pmin_ms=300)
    o.on(4, pmax_ms=80)
    await rq(md, "o 1 9 0 1")
    t0 = time.ticks_ms()
    for i in range(10):
        md.set(9, 0, 1, 100 + i)
        w = await md.step()
        await asyncio.sleep_ms(10)
    # inside pmin of the observe answer nothing is sent (unless the machine was so busy
    # that pmin passed during the loop)
    assert m.calls == [] and 0 < w <= 300 or time.ticks_diff(time.ticks_ms(), t0) >= 300
    await asyncio.sleep_ms(305 - time.ticks_diff(time.ticks_ms(), t0))
    await md.step()
    assert out(m.take()[-1:]) == "notify 9 0 1 3 109 True"  # the latest value
    await rq(md, "o 2 9 0 4")
    task = asyncio.create_task(md.run())
    await asyncio.sleep_ms(290)  # pmax 80: the unchanged value is re-sent (3 times idle)
    sent = [c[3] for c in m.take()]
    assert 2 <= len(sent) <= 3 and set(sent) == {4}, sent
    md.set(9, 0, 1, 5)  # the task wakes on set() (pmin long passed)
    assert await _until(lambda: any(c[3] == 1 for c in m.calls))
    assert out([c for c in m.take() if c[3] == 1]) == "notify 9 0 1 3 5 True"
    task.cancel()
    await rq(md, "c 3 9 0 4")
    await asyncio.sleep_ms(305)
    m.take()
    m.fail["notify"] = OSError(5)  # a failed notify is retried after retry_ms
    md.set(9, 0, 1, 1)
    assert 0 < await md.step() <= 50 and md.stats["notify_errors"] == 1
    del m.fail["notify"]
    await asyncio.sleep_ms(55)
    await md.step()
    assert [c[5] for c in m.take()] == [1, 1]  # the failed attempt, then the retry


async def test_acks():
    m, md, o = mk(max_pending=3, ack_timeout_ms=150)
    n = await md.notify(9, 0, 1)

    async def acker():
        await asyncio.sleep_ms(20)
        await rq(md, "a %d 0" % n.msgid)
    asyncio.create_task(acker())
    t0 = time.ticks_ms()
    assert await md.wait_acked(1000) is True and time.ticks_diff(time.ticks_ms(), t0) < 500
    n = await md.notify(9, 0, 1)
    assert md.on_urc(fa.U("a %d 1" % n.msgid))  # failed at the module; sync intake
    assert n.status == 1 and await n.wait(10) is False
    assert await md.wait_acked(50) is False and await md.wait_acked(50) is True
    n = await md.notify(9, 0, 1)
    assert await md.wait_acked(60) is False and n.status == ob.PENDING  # never acked
    await rq(md, "a %d 0" % n.msgid, "a %d 0" % n.msgid)  # the second one: a duplicate
    assert await n.wait(10) is True
    await rq(md, "a %d 0" % (m.next_msgid + 1))  # raced ahead of notify()
    n = await md.notify(9, 0, 1)
    assert n.status == 0 and md.pending == [] and md.stats["acks_unmatched"] == 2
    ns = [await md.notify(9, 0, 1), await md.notify(9, 0, 1), await md.notify(9, 0, 1),
          await md.notify(9, 0, 1)]
    assert len(md.pending) == 3 and md.stats["notes_dropped"] == 1 and ns[0].status == ob.DROPPED
    await md.handle(fa.URC("reboot"))
    assert ns[3].status == ob.RESET and md.pending == [] and await md.wait_acked(10) is False
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
    assert "add_object 3303 1 (5700, 5701, 5601, 5602, 5605, 5750, 5518)" in out(m.take())
    for x in (20, 25.5, 18, 22):
        t.update(x)
    v.update(3.3)
    assert (t.value, md.value(3303, 0, 5601), md.value(3303, 0, 5602)) == (22.0, 18.0, 25.5)
    assert md.value(3303, 1, 5700) is None and md.value(3316, 0, 5602) == 3.3
    await rq(md, "o 1 3303 0 5602")
    await fa.table(md, """
x 27452 3303 0 5605 -> 2
r 17123 3303 0 -1 -> 1 3303 0 5700 4 22.0 4; 1 3303 0 5701 1 Cel 3; 1 3303 0 5601 4 22.0 2; 1 3303 0 5602 4 22.0 1; 1 3303 0 5750 1  0
w 3 3303 0 5750 1=attic -> 2
r 4 3303 0 5750 -> 1 3303 0 5750 1 attic 0
w 1 3303 0 5700 4=1.0 -> 14
r 2 3303 1 5700 -> 13 3303 1 5700 0 None 0
""")
    await md.step()
    assert out(m.take()) == "notify 3303 0 5602 4 22.0 True"


async def test_bindata():
    m = fa.FakeModem()
    md = ob.Model(m)
    got = []
    d = ipso.bindata(md, got.append)
    assert out(await rq(md, "o 32201 19 0 0")) == "obs_rsp 32201 13 19 0 0 0 None 0"
    assert md.observations() == []  # nothing to observe yet
    n = await d.send(b"\x01\x02")
    assert out(m.take()) == "notify 19 0 0 2 b'\\x01\\x02' True" and n.status == ob.PENDING
    await rq(md, "a %d 0" % n.msgid)
    assert await n.wait(10) is True
    await fa.table(md, """
w 1 19 1 0 2=#cafe -> 2
w 2 19 0 0 2=#00 -> 14
r 3 19 1 0 -> 1 19 1 0 2 b'\\xca\\xfe' 0
o 4 19 0 0 -> 1 19 0 0 2 b'\\x01\\x02' 0
""")
    assert got == [b"\xca\xfe"]
    assert await d.send(b"zz", con=False) is ob._SENT_NON and m.take()[0][-1] is False


def test_declare_limits():
    md = ob.Model()
    for i in range(15):
        md.add(ob.Obj(100 + i, (0,), ((0, 3, 1),)))
    assert "200" in fa.raises(md.add, ob.Obj(200, (0,), ((0, 3, 1),)))
    assert "300" in fa.raises(ob.Obj, 300, (0, 1, 2, 3, 4), ((0, 3, 1),))
    assert "301" in fa.raises(ob.Obj, 301, (0,), tuple((i, 3, 1) for i in range(15)))
    assert "302" in fa.raises(ob.Obj, 302, (0,), ((0, 9, 1),))
