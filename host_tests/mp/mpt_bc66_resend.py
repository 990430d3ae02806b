# Issue 21 (6): an answer the module refused (line noise garbled the node's command) or
# whose result line was lost is sent again (bounded, counted); a lost result line costs
# the note's response time, not 5 s; a lost OK is implied by the result line after it; a
# URC after stray bytes (printable too) is found, the stray bytes counted as glitches.
import fakemodem
from time import ticks_ms, ticks_diff

_OBJ = ((0, 1, 1), (1, 3, 3), (5, 1, 4))  # 9/x/0 str R, 9/x/1 int RW, 9/x/5 execute
_RD = 'AT+QLWRDRSP=%d,1,9,0,0,1,3,"abc",0'


async def _node(serve=False):
    fm, m, md, _, task = await fakemodem.node(_OBJ, (0,), ((0, 0, "abc"), (0, 1, 7)), serve)
    m.local_ms = 5000  # the local deferred deadline as on the node: not what answers wait
    return fm, m, md, task


async def _until(cond):
    await fakemodem.until(cond, 4000)


async def _done(fm, md, n):
    await _until(lambda: md.requests.stats["requests"] >= n and not fm.script
                 and not md.requests.busy())
    fm.check()


async def _end(m, task):
    if task is not None:
        task.cancel()
    await m.stop()


async def test_refused_answer_is_sent_again():
    fm, m, md, task = await _node(serve=True)
    # posted from the reader: ERROR, then +CME ERROR: 3, then taken
    fm.expect(_RD % 1, "ERROR").expect(_RD % 1, "+CME ERROR: 3")
    fm.expect(_RD % 1, "OK", "+QLWRDRSP: 0")
    fm.inject('+QLWURC: "read",1,9,0,0')
    await _done(fm, md, 1)
    assert m.resent == 2 and md.stats["answer_errors"] == 0
    # through the serving task (a write): refused once, then taken; no fallback to QLWRRSP
    fm.expect("AT+QLWWRRSP=2,2", "ERROR").expect("AT+QLWWRRSP=2,2", "OK", "+QLWWRRSP: 0")
    fm.inject('+QLWURC: "write",2,9,0,1,3,1,"35",0')
    await _done(fm, md, 2)
    assert m.resent == 3 and m.write_rsp_command == "AT+QLWWRRSP"
    assert md.value(9, 0, 1) == 5 and md.stats["answer_errors"] == 0
    await _end(m, task)


async def test_refusals_are_bounded():
    fm, m, md, task = await _node(serve=True)
    for _ in range(3):
        fm.expect(_RD % 3, "+CME ERROR: 3")
    fm.inject('+QLWURC: "read",3,9,0,0')
    await _done(fm, md, 1)
    assert m.resent == 2 and md.stats["answer_errors"] == 1
    for _ in range(3):
        fm.expect("AT+QLWEXERSP=4,2", "OK", "+QLWEXERSP: 1")
    fm.inject('+QLWURC: "execute",4,9,0,5')
    await _done(fm, md, 2)
    assert m.resent == 4 and md.stats["answer_errors"] == 2
    await _end(m, task)


async def test_lost_result_line_costs_the_response_time_not_5_s():
    fm, m, md, task = await _node(serve=True)
    fm.expect(_RD % 5, "OK")  # its +QLWRDRSP: 0 lost
    fm.expect(_RD % 5, "OK", "+QLWRDRSP: 0")
    t0 = ticks_ms()
    fm.inject('+QLWURC: "read",5,9,0,0')
    await _done(fm, md, 1)
    took = ticks_diff(ticks_ms(), t0)
    assert m.resent == 1 and md.stats["answer_errors"] == 0
    assert took < 2500, took  # m.answer_ms (600) and a margin; it was local_ms, 5 s
    # the same through the serving task (an execute)
    fm.expect("AT+QLWEXERSP=6,2", "OK")
    fm.expect("AT+QLWEXERSP=6,2", "OK", "+QLWEXERSP: 0")
    t0 = ticks_ms()
    fm.inject('+QLWURC: "execute",6,9,0,5')
    await _done(fm, md, 2)
    took = ticks_diff(ticks_ms(), t0)
    assert m.resent == 2 and md.stats["answer_errors"] == 0 and took < 2500, took
    await _end(m, task)


async def test_lost_ok_is_implied_by_the_result_line():
    fm, m, md, task = await _node(serve=True)
    fm.expect(_RD % 7, "+QLWRDRSP: 0")  # its OK lost
    fm.inject('+QLWURC: "read",7,9,0,0')
    await _done(fm, md, 1)
    fm.expect("AT+QLWEXERSP=8,2", "+QLWEXERSP: 0")
    fm.inject('+QLWURC: "execute",8,9,0,5')
    await _done(fm, md, 2)
    assert m.resent == 0 and m.at.stats["lost_ok"] == 2 and m.at.stats["timeouts"] == 0
    assert md.stats["answer_errors"] == 0
    await _end(m, task)


async def test_urc_after_stray_bytes_is_found():
    fm, m, md, task = await _node(serve=True)
    stray = (b"OK", b" ", b"abc", b"\x1b[0m", b"\xff\xfe", b"\x00OK ", b"+QLWSTATUS: 2")
    for i, s in enumerate(stray):
        fm.expect(_RD % (10 + i), "OK", "+QLWRDRSP: 0")
        fm.inject(b"\r\n" + s + b'+QLWURC: "read",%d,9,0,0\r\n' % (10 + i))
        await _done(fm, md, i + 1)
    assert m.at.stats["glitches"] == len(stray) and md.stats["answer_errors"] == 0
    # lines that are not URCs are left alone: still answers, not glitches
    fm.expect("AT+QLWSTATUS?", "+QLWSTATUS: 2", "OK")
    assert await m.status() == 2 and m.at.stats["glitches"] == len(stray)
    await _end(m, task)


async def test_refused_after_a_lost_result_line_is_answered():
    # the result line of the first was lost; the module refuses the second (it took the
    # first: that request is answered): a success, not three sends and an error
    fm, m, md, task = await _node(serve=True)
    fm.expect(_RD % 20, "OK").expect(_RD % 20, "OK", "+QLWRDRSP: 3")
    fm.inject('+QLWURC: "read",20,9,0,0')
    await _done(fm, md, 1)
    fm.expect("AT+QLWEXERSP=21,2", "OK").expect("AT+QLWEXERSP=21,2", "+CME ERROR: 3")
    fm.inject('+QLWURC: "execute",21,9,0,5')
    await _done(fm, md, 2)
    assert m.resent == 2 and m.taken_before == 2 and md.stats["answer_errors"] == 0
    await _end(m, task)
