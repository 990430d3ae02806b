# lib/lwm2m/objects.py against the fake modem API: requests, errors, observe, notify, acks.
import asyncio
import time
import fakeapi as fa
fa.prefer_mpy()
from lwm2m import objects as ob  # noqa: E402
from lwm2m.objects import Model, Obj, R, W, X  # noqa: E402

S, O, I, F, B = 1, 2, 3, 4, 5  # noqa: E741
T9 = ((0, S, R), (1, I, R | W), (2, F, R | W, "Cel"), (3, O, W), (4, B, R | W), (5, S, X))


def mk(**kw):
    m = fa.FakeModem()
    md = Model(m, **kw)
    o = md.add(Obj(9, (0, 1), T9))
    for p, v in (((0, 0), "quectel"), ((0, 1), 7), ((0, 2), 21.5), ((0, 4), True), ((1, 0), "b")):
        md.set(9, p[0], p[1], v)
    return m, md, o


async def rq(md, *urcs):
    for u in urcs:
        await md.handle(u)
    return md.modem.take()


def codes(calls, k=2):
    return [c[k] for c in calls]


def raises(fn, *a):
    try:
        fn(*a)
    except ValueError as e:
        return str(e)
    raise AssertionError("accepted")


def test_declare_limits():
    md = Model()
    for i in range(15):
        md.add(Obj(100 + i, (0,), ((0, I, R),)))
    assert "200" in raises(md.add, Obj(200, (0,), ((0, I, R),)))
    assert "300" in raises(Obj, 300, (0, 1, 2, 3, 4), ((0, I, R),))
    assert "301" in raises(Obj, 301, (0,), tuple((i, I, R) for i in range(15)))
    assert "302" in raises(Obj, 302, (0,), ((0, 9, R),))


async def test_sync_objects():
    held = [(9, 0, (0, 1, 2, 3, 4, 5)), (9, 1, (5, 4, 3, 2, 1, 0)), (17, 0, (0,)), (3303, 0, (5700,))]
    m = fa.FakeModem(held)
    md = Model(m)
    md.add(Obj(9, (0, 1), T9))
    md.add(Obj(3303, (0, 1), ((5700, F, R), (5701, S, R))))
    md.add(Obj(19, (0, 1), ((0, O, R | W),)))
    assert await md.sync_objects() == (4, 2, 1)
    c = m.take()
    assert c[0] == ("objects",) and sorted(c[1:3]) == [("del_object", 17), ("del_object", 3303)]
    assert sorted(c[3:]) == [("add_object", 19, 0, (0,)), ("add_object", 19, 1, (0,)),
                             ("add_object", 3303, 0, (5700, 5701)), ("add_object", 3303, 1, (5700, 5701))]
    assert await md.sync_objects() == (0, 0, 3) and m.names() == ["objects"]
    md.objs[3303].insts.extend((2, 3, 4))  # bypassing add_instance: sync still refuses
    m.take()
    try:
        await md.sync_objects()
        raise AssertionError("accepted")
    except ValueError as e:
        assert "3303" in str(e) and m.calls == []


async def test_read():
    m, md, o = mk()
    assert await rq(md, fa.read(62953, 9, 0, 0)) == [("read_rsp", 62953, 1, 9, 0, 0, S, "quectel", 0)]
    n = [0]
    md.set(9, 1, 1, lambda: n[0] + 40)
    assert await rq(md, fa.read(2, 9, 1, 1)) == [("read_rsp", 2, 1, 9, 1, 1, I, 40, 0)]
    c = await rq(md, fa.read(5, 9, 0, -1))  # instance: 0,1,2,4 readable and set
    assert [(x[4], x[5], x[8]) for x in c] == [(0, 0, 3), (0, 1, 2), (0, 2, 1), (0, 4, 0)]
    assert c[2][6:8] == (F, 21.5) and set(codes(c)) == {1}
    c = await rq(md, fa.read(6, 9, -1, -1))  # object level: both instances
    assert [(x[4], x[5], x[8]) for x in c] == [(0, 0, 5), (0, 1, 4), (0, 2, 3), (0, 4, 2), (1, 0, 1), (1, 1, 0)]
    c = await rq(md, fa.read(1, 77, 0, 0), fa.read(2, 9, 3, 0), fa.read(3, 9, 0, 99),
                 fa.read(4, 9, 0, 3), fa.read(5, 9, 0, 5), fa.read(6, 9, 1, 2))
    assert codes(c) == [13, 13, 13, 14, 14, 13] and codes(c, 8) == [0] * 6
    md.set(9, 0, 1, lambda: 1 // 0)  # a raising getter: 4.00; the others still answered
    c = await rq(md, fa.read(1, 9, 0, 1), fa.read(2, 9, 0, -1))
    assert c[0] == ("read_rsp", 1, 11, 9, 0, 1, 0, None, 0)
    assert [(x[5], x[8]) for x in c[1:]] == [(0, 2), (2, 1), (4, 0)]
    md.add(Obj(5, (0,), ((1, S, W), (2, S, X))))
    assert codes(await rq(md, fa.read(1, 5, 0, -1))) == [14]


async def test_write():
    m, md, o = mk()
    c = await rq(md, fa.write(1, 9, 0, 1, b"-42", I), fa.write(2, 9, 0, 2, b"3.25", F),
                 fa.write(3, 9, 0, 3, b"\x00\xff", O), fa.write(4, 9, 0, 4, b"0", B))
    assert c == [("write_rsp", 1, 2), ("write_rsp", 2, 2), ("write_rsp", 3, 2), ("write_rsp", 4, 2)]
    assert [md.value(9, 0, r) for r in (1, 2, 3, 4)] == [-42, 3.25, b"\x00\xff", False]
    md.add(Obj(8, (0,), ((0, S, W),)))
    assert codes(await rq(md, fa.write(5, 8, 0, 0, b"QUECTEL", S))) == [2]
    assert md.value(8, 0, 0) == "QUECTEL"
    # malformed: 4.00, value unchanged
    c = await rq(md, fa.write(1, 9, 0, 1, b"12x", I), fa.write(2, 9, 0, 2, b"abc", F),
                 fa.write(3, 9, 0, 4, b"2", B), fa.write(4, 9, 0, 1, b"", I),
                 fa.write(5, 8, 0, 0, b"\xff\xfe", S))
    assert codes(c) == [11] * 5 and md.value(9, 0, 1) == -42
    # read-only, execute-only, unknown resource/object/instance, instance level
    c = await rq(md, fa.write(1, 9, 0, 0, b"x", S), fa.write(2, 9, 0, 5, b"x", S),
                 fa.write(3, 9, 0, 99, b"1", I), fa.write(4, 99, 0, 0, b"1", I),
                 fa.write(5, 9, 2, 1, b"1", I), fa.write(6, 9, 0, -1, b"1", I))
    assert codes(c) == [14, 14, 13, 13, 13, 14]
    seen = []

    def v(inst, rid, value):
        seen.append((inst, rid, value))
        return False if value < 0 else 12 if value == 13 else 1 // (value - 99)
    o.on(1, v)
    c = await rq(md, *[fa.write(i, 9, 0, 1, x, I) for i, x in enumerate((b"5", b"-5", b"13", b"99"))])
    assert codes(c) == [2, 11, 12, 11] and md.value(9, 0, 1) == 5 and seen[0] == (0, 1, 5)
    assert md.stats["handler_errors"] == 1
    box = [1]

    async def apply(inst, rid, value):
        await asyncio.sleep_ms(1)
        box[0] = value
    o.on(1, apply)
    md.set(9, 0, 1, lambda: box[0])
    assert codes(await rq(md, fa.write(1, 9, 0, 1, b"8", I))) == [2]
    assert md.value(9, 0, 1) == 8  # the getter stays in place
    md.add(Obj(19, (1,), ((0, O, R | W),)))
    assert await rq(md, fa.write(7, 19, 1, 0, b"abc", O, index=1)) == []
    assert await rq(md, fa.write(7, 19, 1, 0, b"def", O)) == [("write_rsp", 7, 2)]
    assert md.value(19, 1, 0) == b"abcdef"


async def test_execute():
    m, md, o = mk()
    ran = []
    o.on(5, lambda inst, rid, v: ran.append((inst, rid, v)))
    c = await rq(md, fa.execute(1, 9, 1, 5), fa.execute(2, 9, 0, 0), fa.execute(3, 9, 0, 77),
                 fa.execute(4, 9, 0, -1), fa.execute(5, 8, 0, 0))
    assert ran == [(1, 5, None)] and codes(c) == [2, 14, 13, 14, 13] and c[0] == ("exec_rsp", 1, 2)
    o.on(5, lambda inst, rid, v: 1 // 0)
    assert codes(await rq(md, fa.execute(6, 9, 0, 5))) == [11]
    o.on(5, lambda inst, rid, v: False)
    assert codes(await rq(md, fa.execute(7, 9, 0, 5))) == [11]
    m.fail["exec_rsp"] = OSError(110)  # the answer itself fails: logged, counted, no raise
    assert await md.handle(fa.execute(8, 9, 0, 5)) is True and md.stats["answer_errors"] == 1
    assert await md.handle(fa.URC("lwstatus")) is False


async def test_observe():
    m, md, o = mk(max_obs=3)
    assert await rq(md, fa.observe(16987, 0, 9, 0, 2)) == [("obs_rsp", 16987, 1, 9, 0, 2, F, 21.5, 0)]
    assert md.observations() == [(9, 0, 2)] and md.observed(9, 0, 2) and not md.observed(9, 0, 1)
    assert await rq(md, fa.observe(16990, 1, 9, 0, 2)) == [("obs_rsp", 16990, 1, 9, 0, 2, F, 21.5, 0)]
    assert md.observations() == [] and md.watch == []
    c = await rq(md, fa.observe(1, 0, 9, 0, -1), fa.observe(2, 0, 9, 0, -1))
    assert codes(c) == [1] * 8 and codes(c, 8) == [3, 2, 1, 0] * 2 and c[0][0] == "obs_rsp"
    assert md.observations() == [(9, 0, -1)] and md.observed(9, 0, 4) and not md.observed(9, 1, 0)
    c = await rq(md, fa.observe(1, 0, 9, 0, 3), fa.observe(2, 0, 9, 0, 99), fa.observe(3, 1, 9, 0, 99))
    assert codes(c) == [14, 13, 13] and len(md.observations()) == 1
    c = await rq(md, fa.observe(4, 0, 9, 1, 0), fa.observe(5, 0, 9, 0, 1), fa.observe(6, 0, 9, 0, 2),
                 fa.observe(7, 0, 9, 0, 1))
    assert codes(c) == [1, 1, 11, 1] and md.stats["obs_dropped"] == 1
    saved = md.observations()
    m2, md2, o2 = mk()
    assert md2.restore_observations(saved + [(77, 0, 0), (9, 3, 0)]) == 3
    assert md2.observations() == saved and md2.observed(9, 1, 0)


async def test_notify_on_change():
    m, md, o = mk()
    t = [20.0]
    md.set(9, 0, 2, lambda: t[0])
    o.opts(4, con=False)
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
    o.opts(1, pmin_ms=120)
    o.opts(4, pmax_ms=80)
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
