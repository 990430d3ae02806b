# lib/lwm2m/objects.py against the fake modem API: declarations, sync, every request kind
# and error code, RAM use. Compact on purpose: this module is compiled inside the 48 KB heap.
import asyncio
import gc
gc.collect()  # the compiler's garbage, before compiling the helpers
import fakeapi as fa  # noqa: E402
fa.prefer_mpy()
from lwm2m.objects import Model, Obj  # noqa: E402

mk, rq, out = fa.mk, fa.rq, fa.out
# object 9 (fakeapi.mk): 0 str R, 1 int RW, 2 float RW, 3 opaque W, 4 bool RW, 5 X;
# set: 0/0 quectel, 0/1 7, 0/2 21.5, 0/4 True, 1/0 b. Answers: result obj inst res vtype value index
REQUESTS = ("""
r 62953 9 0 0 -> 1 9 0 0 1 quectel 0
r 5 9 0 -1 -> 1 9 0 0 1 quectel 3; 1 9 0 1 3 7 2; 1 9 0 2 4 21.5 1; 1 9 0 4 5 True 0
r 6 9 -1 -1 -> 1 9 0 0 1 quectel 5; 1 9 0 1 3 7 4; 1 9 0 2 4 21.5 3; 1 9 0 4 5 True 2; 1 9 1 0 1 b 1; 1 9 1 1 3 1 0
r 1 77 0 0 -> 13 77 0 0 0 None 0
r 2 9 3 0 -> 13 9 3 0 0 None 0
r 3 9 0 99 -> 13 9 0 99 0 None 0
r 4 9 0 3 -> 14 9 0 3 0 None 0
r 5 9 0 5 -> 14 9 0 5 0 None 0
r 6 9 1 2 -> 13 9 1 2 0 None 0
r 7 5 0 -1 -> 14 5 0 -1 0 None 0
""", """
w 1 9 0 1 3=-42 -> 2
w 2 9 0 2 4=3.25 -> 2
w 3 9 0 3 2=#00ff -> 2
w 4 9 0 4 5=0 -> 2
w 5 5 0 1 1=QUECTEL -> 2
r 6 9 0 -1 -> 1 9 0 0 1 quectel 3; 1 9 0 1 3 -42 2; 1 9 0 2 4 3.25 1; 1 9 0 4 5 False 0
r 7 5 0 1 -> 14 5 0 1 0 None 0
w 1 9 0 1 3=12x -> 11
w 2 9 0 2 4=abc -> 11
w 3 9 0 4 5=2 -> 11
w 4 9 0 1 3= -> 11
w 5 5 0 1 1=#fffe -> 11
w 1 9 0 0 1=x -> 14
w 2 9 0 5 1=x -> 14
w 3 9 0 99 3=1 -> 13
w 4 99 0 0 3=1 -> 13
w 5 9 2 1 3=1 -> 13
w 6 9 0 -1 3=1 -> 14
""", """
x 1 9 1 5 -> 2
x 2 9 0 0 -> 14
x 3 9 0 77 -> 13
x 4 9 0 -1 -> 14
x 5 8 0 0 -> 13
o 16987 9 0 2 -> 1 9 0 2 4 3.25 0
c 16990 9 0 2 -> 1 9 0 2 4 3.25 0
o 1 9 1 -1 -> 1 9 1 0 1 b 1; 1 9 1 1 3 1 0
o 2 9 0 3 -> 14 9 0 3 0 None 0
o 3 9 0 99 -> 13 9 0 99 0 None 0
c 4 9 0 99 -> 13 9 0 99 0 None 0
""")  # (several literals: one long one costs the compiler a large contiguous buffer)


async def test_sync_objects():
    m = fa.FakeModem([(9, 0, (0, 1, 2, 3, 4, 5)), (9, 1, (5, 4, 3, 2, 1, 0)), (17, 0, (0,)),
                      (3303, 0, (5700,))])
    md = Model(m)
    md.add(Obj(9, (0, 1), fa.mk()[2].table))       # identical: left alone
    md.add(Obj(3303, (0, 1), ((5700, 4, 1), (5701, 1, 1))))  # differs: deleted, re-added
    md.add(Obj(19, (0, 1), ((0, 2, 3),)))          # missing: added; 17 undeclared: deleted
    assert await md.sync_objects() == (4, 2, 1)
    c = m.take()
    # a difference is read twice before it is acted on (issue 21)
    assert out(c[:2] + sorted(c[2:4]) + sorted(c[4:])) == "objects; objects; del_object 17; del_object 3303; " \
        "add_object 19 0 (0,); add_object 19 1 (0,); add_object 3303 0 (5700, 5701); add_object 3303 1 (5700, 5701)"
    assert await md.sync_objects() == (0, 0, 3) and m.take() == [("objects",)]
    md.objs[3303].insts.extend((2, 3, 4))           # bypassing add_instance: sync refuses
    assert "3303" in await fa.araises(md.sync_objects()) and m.take() == []


async def test_requests_table():
    m, md, o = mk()
    md.add(Obj(5, (0,), ((1, 1, 2), (2, 1, 4))))
    md.set(9, 1, 1, lambda: 1)  # a getter
    for t in REQUESTS:
        await fa.table(md, t)
    assert md.stats["requests"] == sum(t.count("->") for t in REQUESTS)


async def test_handlers():
    m, md, o = mk()
    seen = []
    o.on(1, lambda i, r, v: seen.append((i, r, v)) or (False if v < 0 else 12 if v == 13 else 1 // (v - 99)))
    c = await rq(md, "w 1 9 0 1 3=5", "w 2 9 0 1 3=-5", "w 3 9 0 1 3=13", "w 4 9 0 1 3=99")
    assert [x[2] for x in c] == [2, 11, 12, 11] and md.value(9, 0, 1) == 5 and seen[0] == (0, 1, 5)
    box = [1]

    async def apply(inst, rid, value):
        await asyncio.sleep_ms(1)
        box[0] = value
    o.on(1, apply)
    md.set(9, 0, 1, lambda: box[0])
    assert await rq(md, "w 1 9 0 1 3=8") == [("write_rsp", 1, 2)]
    assert md.value(9, 0, 1) == 8  # applied by the handler; the getter stays in place
    md.set(9, 0, 1, lambda: 1 // 0)  # a raising getter: 4.00, the others still answered
    assert out(await rq(md, "r 1 9 0 1")) == "read_rsp 1 11 9 0 1 0 None 0"
    assert [(x[5], x[8]) for x in await rq(md, "r 2 9 0 -1")] == [(0, 2), (2, 1), (4, 0)]
    o.on(5, lambda i, r, v: seen.append(v) or 1 // i)
    c = await rq(md, "x 1 9 1 5", "x 2 9 0 5")
    assert out(c) == "exec_rsp 1 2; exec_rsp 2 11" and seen[-2:] == [None, None]
    assert md.stats["handler_errors"] == 4
    md.add(Obj(19, (1,), ((0, 2, 3),)))  # a write in two parts: one answer, joined value
    assert await rq(md, "w 7 19 1 0 2=abc 1", "w 7 19 1 0 2=def") == [("write_rsp", 7, 2)]
    assert md.value(19, 1, 0) == b"abcdef"
    m.fail["exec_rsp"] = OSError(110)  # the answer itself fails: logged, counted, no raise
    assert await md.handle(fa.U("x 8 9 1 5")) is True and md.stats["answer_errors"] == 1
    assert await md.handle(fa.URC("lwstatus")) is False


async def test_observation_state():
    m, md, o = mk(max_observations=3)
    await rq(md, "o 1 9 0 2")
    assert md.observations() == [(9, 0, 2)] and md.observed(9, 0, 2) and not md.observed(9, 0, 1)
    await rq(md, "c 2 9 0 2")
    assert md.observations() == [] and md.watched == []
    c = await rq(md, "o 1 9 0 -1", "o 2 9 0 -1")  # twice: one entry
    assert [x[2] for x in c] == [1] * 8 and md.observations() == [(9, 0, -1)]
    assert md.observed(9, 0, 4) and not md.observed(9, 1, 0)
    c = await rq(md, "o 4 9 1 0", "o 5 9 0 1", "o 6 9 0 2", "o 7 9 0 1")
    assert [x[2] for x in c] == [1, 1, 11, 1] and md.stats["obs_dropped"] == 1  # table full
    saved = md.observations()
    m2, md2, o2 = mk()
    assert md2.restore_observations(saved + [(77, 0, 0), (9, 3, 0)]) == 3
    assert md2.observations() == saved and md2.observed(9, 1, 0)


async def test_observation_records():
    m, md, o = mk()
    o.on(2, pmin_ms=500, pmax_ms=9000, con=False)
    await rq(md, "o 11 9 0 -1")
    ob = md.observing[0]
    assert (ob.oid, ob.inst, ob.rid, ob.msgid) == (9, 0, -1, 11)
    w = {x.rid: x for x in md.watched}  # the readable resources of instance 0
    assert sorted(w) == [0, 1, 2, 4] and all(x.inst == 0 and not x.dirty for x in w.values())
    assert tuple(w[2].options) == (500, 9000, False) and w[1].options == o.default_options
    md.set(9, 0, 1, 8)
    assert w[1].dirty and not w[2].dirty


def test_default_notify_options_are_one_shared_record():
    # an Obj with the default options (no bounds, CON) and no ``on`` options holds no
    # record or table of its own (32 + 16 B per object on the Cortex-M3 heap)
    a, b = Obj(1, (0,), ((0, 1, 1),)), Obj(2, (0,), ((0, 1, 1),))
    assert a.default_options is b.default_options and a.notify_options is None
    assert tuple(a.options(0)) == (0, 0, True)
    c = Obj(3, (0,), ((0, 1, 1),), pmin_ms=5)
    assert tuple(c.options(0)) == (5, 0, True) and c.default_options is not a.default_options
    a.on(0, pmax_ms=60000)
    assert tuple(a.options(0)) == (0, 60000, True) and tuple(b.options(0)) == (0, 0, True)


async def test_ram():
    m, md, o = mk()
    m.keep = False
    o.on(1, lambda i, r, v: v >= 0)
    us = [fa.U(x) for x in ("r 1 9 0 0", "r 2 9 -1 -1", "w 4 9 0 1 3=12", "w 5 9 0 1 3=-1", "x 7 9 0 5",
                            "r 3 9 9 9", "w 6 9 0 2 4=x", "x 8 9 0 0", "o 9 9 0 1", "c 10 9 0 1")]
    ack = fa.URC("report_ack")
    for k in (100, 1000):
        gc.collect()
        f0 = gc.mem_free()
        for i in range(k):
            await md.handle(us[i % 10])
            if i % 10 == 8:  # observed: a change, its notify and its ack
                md.set(9, 0, 1, i)
                await md.step()
                ack.msgid = m.next_msgid
                await md.handle(ack)
        gc.collect()
    f1 = gc.mem_free()
    al = [gc.collect(), gc.disable(), gc.mem_alloc(), await md.handle(us[0]), gc.mem_alloc(),
          await md.handle(us[1]), gc.mem_alloc(), gc.enable()]  # one answer, modem fake included
    print("RAM: read 1 res %d B, read object (6 parts) %d B; heap free %d -> %d after 1000"
          " mixed requests (%d modem calls)" % (al[4] - al[2], al[6] - al[4], f0, f1, m.n))
    assert al[4] - al[2] < 1500 and al[6] - al[4] < 3500 and f0 - f1 < 256
    assert md.stats["answer_errors"] == 0 and md.pending == []
