# Issue 8 items 3 and 4 through the driver and the model (BC66 + Model.serve on the
# scripted fake modem): every request whose message id can be read is answered exactly
# once; stray bytes before a request; malformed fields -> 4.00; a duplicate message id
# while the first is being answered runs the handler once and is answered once.
import asyncio
import fakemodem

_OBJ = ((0, 1, 1), (1, 3, 3), (5, 1, 4))  # 9/0/0 str R, 9/0/1 int RW, 9/0/5 execute


async def _node():
    from lwm2m.objects import Model, Obj
    fm, m, urcs = await fakemodem.modem()
    md = Model(m)
    o = md.add(Obj(9, (0,), _OBJ))
    md.set(9, 0, 0, "abc")
    md.set(9, 0, 1, 7)
    m.on_urc = md.request
    task = asyncio.create_task(md.serve())
    return fm, m, md, o, task


async def _settle(fm, md, ms=2000):
    # until the script is used up and nothing waits (the event, with a deadline)
    for _ in range(ms // 5):
        if not fm.script and not md.requests.busy():
            return
        await asyncio.sleep_ms(5)
    raise AssertionError("not answered: %r" % (fm.script,))


def _ok(fm, cmd, dfr):
    fm.expect(cmd, "OK", dfr + ": 0")


async def test_malformed_requests_answered_bad_request():
    fm, m, md, o, task = await _node()
    cases = (  # (request line, the 4.00 answer)
        ('+QLWURC: "write",10,9,0,1,3,2,"ABC",0', "AT+QLWWRRSP=10,11"),  # odd-length hex
        ('+QLWURC: "write",11,9,0,1,3,1,"ZZ",0', "AT+QLWWRRSP=11,11"),  # not hex
        ('+QLWURC: "write",12,9,0,1,3,1,"31"', "AT+QLWWRRSP=12,11"),  # no index
        ('+QLWURC: "write",13,9,0,1,3,1,"31",-1', "AT+QLWWRRSP=13,11"),  # negative index
        ('+QLWURC: "read",14,70000,0,0', 'AT+QLWRDRSP=14,11,0,0,0,1,0,"",0'),  # id > 65535
        ('+QLWURC: "read",15,9,-2,0', 'AT+QLWRDRSP=15,11,0,0,0,1,0,"",0'),  # id < -1
        ('+QLWURC: "execute",16,9,0', "AT+QLWEXERSP=16,11"),  # a field missing
        ('+QLWURC: "observe",17,2,9,0,0', 'AT+QLWOBSRSP=17,11,0,0,0,1,0,"",0'),  # flag 2
        ('+QLWURC: "read",18,9,0,0,x', 'AT+QLWRDRSP=18,11,0,0,0,1,0,"",0'),  # trailing
        ('+QLWURC: "read",19', 'AT+QLWRDRSP=19,11,0,0,0,1,0,"",0'),  # nothing but the id
    )
    for line, answer in cases:
        _ok(fm, answer, "+" + answer[3:answer.index("=")])
        fm.inject(line)
        await _settle(fm, md)
    fm.check()
    assert md.requests.stats["malformed"] == len(cases), md.requests.stats
    assert md.stats["answer_errors"] == 0
    # no readable message id: nothing can be answered; logged and counted
    fm.inject('+QLWURC: "read",70000,9,0,0', '+QLWURC: "read",x,9,0,0', '+QLWURC: "write",')
    for _ in range(200):
        if m.unanswerable == 3:
            break
        await asyncio.sleep_ms(5)
    assert m.unanswerable == 3 and fm.written[-1] == "AT+QLWRDRSP=19,11,0,0,0,1,0,\"\",0"
    task.cancel()
    await m.stop()


async def test_stray_bytes_before_a_request():
    fm, m, md, o, task = await _node()
    _ok(fm, 'AT+QLWRDRSP=30,1,9,0,0,1,3,"abc",0', "+QLWRDRSP")
    fm.inject(b'\xff\xff+QLWURC: "read",30,9,0,0\r\n')
    _ok(fm, "AT+QLWWRRSP=31,2", "+QLWWRRSP")
    fm.inject(b'\x00\xfe+QLWURC: "write",31,9,0,1,3,2,"3432",0\r\n')
    await _settle(fm, md)
    fm.check()
    assert md.value(9, 0, 1) == 42
    assert m.at.stats["glitches"] == 2, m.at.stats
    task.cancel()
    await m.stop()


async def test_duplicate_message_id_while_answering_runs_once():
    fm, m, md, o, task = await _node()
    runs = []
    o.on(5, lambda i, r, v: runs.append(i))
    # the module delivers execute 40 again while its answer is on the way
    fm.expect("AT+QLWEXERSP=40,2", 20, "OK", '+QLWURC: "execute",40,9,0,5', 20,
              "+QLWEXERSP: 0")
    # and a write part twice, queued behind the first (answered once)
    fm.expect("AT+QLWWRRSP=41,2", "OK", "+QLWWRRSP: 0")
    fm.inject('+QLWURC: "execute",40,9,0,5', '+QLWURC: "write",41,9,0,1,3,1,"35",0',
              '+QLWURC: "write",41,9,0,1,3,1,"35",0')
    await _settle(fm, md)
    await asyncio.sleep_ms(50)  # a second answer would be written now: none is expected
    fm.check()
    assert runs == [0] and md.value(9, 0, 1) == 5
    assert md.requests.stats["duplicates"] == 2, md.requests.stats
    task.cancel()
    await m.stop()


async def test_more_requests_than_the_first_table_all_answered():
    fm, m, md, o, task = await _node()
    n = 34  # the first table holds 32 (requests._BLOCK); few bytes: the 40 KB QEMU board
    for i in range(n):  # (one reply for all, the commands checked after: less heap)
        fm.expect(None, "OK", "+QLWRDRSP: 0")
    fm.inject(*['+QLWURC: "read",%d,9,0,0' % (100 + i) for i in range(n)])
    await _settle(fm, md, 5000)
    fm.check()
    w = fm.written[-n:]
    for i in range(n):
        assert w[i] == 'AT+QLWRDRSP=%d,1,9,0,0,1,3,"abc",0' % (100 + i), (i, w[i])
    st = md.requests.stats
    assert st["requests"] == n and st["dropped_requests"] == 0, st
    task.cancel()
    await m.stop()


async def test_duplicate_within_the_exchange_lifetime_runs_once():
    # issue 21 (8): a request delivered again later than the last four answers, but within
    # CoAP's EXCHANGE_LIFETIME (247 s), is dropped: its handler ran once
    from lwm2m.requests import Requests, EXCHANGE_LIFETIME_S
    fm, m, md, o, task = await _node()
    now = [1000]
    md.requests = Requests(clock=lambda: now[0])
    runs = []
    o.on(5, lambda i, r, v: runs.append(i))
    for mid in range(50, 61):  # 50, then ten others
        _ok(fm, "AT+QLWEXERSP=%d,2" % mid, "+QLWEXERSP")
        fm.inject('+QLWURC: "execute",%d,9,0,5' % mid)
        await _settle(fm, md)
    now[0] += EXCHANGE_LIFETIME_S - 1
    fm.inject('+QLWURC: "execute",50,9,0,5')  # again: not run, not answered
    await asyncio.sleep_ms(50)
    await _settle(fm, md)
    fm.check()
    assert len(runs) == 11 and md.requests.stats["duplicates"] == 1
    now[0] += 2  # the lifetime is over: message id 50 may be a new request
    _ok(fm, "AT+QLWEXERSP=50,2", "+QLWEXERSP")
    fm.inject('+QLWURC: "execute",50,9,0,5')
    await _settle(fm, md)
    fm.check()
    assert len(runs) == 12 and md.requests.stats["forgotten"] == 0
    task.cancel()
    await m.stop()


async def test_answered_ring_full_is_counted():
    # more requests within one lifetime than the ring holds: the oldest are forgotten,
    # counted (a duplicate of one of them would run again)
    from lwm2m.requests import Requests, RECENT
    fm, m, md, o, task = await _node()
    md.requests = Requests(clock=lambda: 5000)
    for mid in range(RECENT + 3):
        _ok(fm, "AT+QLWEXERSP=%d,2" % mid, "+QLWEXERSP")
        fm.inject('+QLWURC: "execute",%d,9,0,5' % mid)
        await _settle(fm, md)
    fm.check()
    assert md.requests.stats["forgotten"] == 3 and md.requests.stats["duplicates"] == 0
    task.cancel()
    await m.stop()
