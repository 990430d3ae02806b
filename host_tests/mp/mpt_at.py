# ATEngine against the scripted fake modem (issue 2, points 1-4).
import asyncio
import fakemodem
fakemodem.prefer_mpy()
from fakemodem import engine as _eng, raises as _raises  # noqa: E402


async def test_basic_ok_and_info():
    fm, e, urcs = _eng()
    fm.expect("AT+QLWSTATUS?", "+QLWSTATUS: 2", "OK")
    r = await e.cmd("AT+QLWSTATUS?", prefix="+QLWSTATUS")
    assert r == ["+QLWSTATUS: 2"], r
    fm.check()
    await e.stop()


async def test_framing_bare_cr_lf_and_empty_lines():
    fm, e, urcs = _eng()
    fm.expect("AT+CSQ", b"\r\r\n\n+CSQ: 5,99\r\r\rOK\n")
    assert await e.cmd("AT+CSQ", prefix="+CSQ") == ["+CSQ: 5,99"]
    fm.inject(b'+QLWURC: "buffer"\r+IP: 1.2.3.4\n')
    await asyncio.sleep_ms(30)
    assert urcs == ['+QLWURC: "buffer"', "+IP: 1.2.3.4"], urcs
    await e.stop()


async def test_overlong_line_dropped_and_resync():
    fm, e, urcs = _eng()
    fm.inject(b"+QLWURC: " + b"x" * 2500 + b"\r\n", '+QLWURC: "ping",0')
    await asyncio.sleep_ms(200)
    assert urcs == ['+QLWURC: "ping",0'], urcs
    assert e.stats["overlong"] == 1
    # a maximal legal line still passes
    big = '+QLWURC: "write",65535,65535,3,65535,1,1024,"' + "A" * 2048 + '",65535'
    fm.inject(big)
    await asyncio.sleep_ms(400)
    assert urcs[-1] == big
    await e.stop()


async def test_one_command_at_a_time():
    fm, e, urcs = _eng()
    fm.expect("AT+CSQ", 20, "+CSQ: 1,2", "OK")
    fm.expect("AT+QLWSTATUS?", "+QLWSTATUS: 0", "OK")
    t1 = asyncio.create_task(e.cmd("AT+CSQ", prefix="+CSQ"))
    t2 = asyncio.create_task(e.cmd("AT+QLWSTATUS?", prefix="+QLWSTATUS"))
    assert await t1 == ["+CSQ: 1,2"]
    assert await t2 == ["+QLWSTATUS: 0"]
    assert fm.written == ["AT+CSQ", "AT+QLWSTATUS?"]
    fm.check()
    await e.stop()


async def test_final_results_errors():
    from bc66.errors import CommandError
    fm, e, urcs = _eng()
    fm.expect("AT+QLWREG", "ERROR")
    fm.expect("AT+QLWREG", "+CME ERROR: 33")
    fm.expect("AT+QLWREG", "+CMEE ERROR: 4")
    x = await _raises(CommandError, e.cmd("AT+QLWREG"))
    assert x.code == -1 and x.name == "ERROR"
    x = await _raises(CommandError, e.cmd("AT+QLWREG"))
    assert x.code == 33 and x.name == "Already registered error", x.name
    x = await _raises(CommandError, e.cmd("AT+QLWREG"))
    assert x.code == 4 and x.name == "Not register error"
    fm.check()
    await e.stop()


async def test_urc_in_the_middle_of_an_answer():
    fm, e, urcs = _eng()
    fm.expect("AT+QLWADDOBJ?", "+QLWADDOBJ: 9,0,1,0", '+QLWURC: "read",1,9,0,0',
              "+QLWADDOBJ: 19,0,1,0", "OK")
    r = await e.cmd("AT+QLWADDOBJ?", prefix="+QLWADDOBJ")
    assert r == ["+QLWADDOBJ: 9,0,1,0", "+QLWADDOBJ: 19,0,1,0"], r
    assert urcs == ['+QLWURC: "read",1,9,0,0']
    await e.stop()


async def test_sync_with_a_probe_deadline():
    # a wake's sync (power.wake): each AT waits probe_ms, a lost one's late lines are not
    # waited for; the engine's own deadlines are untouched afterwards
    import time
    fm, e, urcs = _eng()
    e.sync_ms = 2000
    fm.expect("AT")  # lost
    t = time.ticks_ms()
    assert await e.sync(1, probe_ms=20) is False
    assert time.ticks_diff(time.ticks_ms(), t) < 1000  # not sync_ms
    assert (e.sync_ms, e.late_ms) == (2000, 30), (e.sync_ms, e.late_ms)
    fm.expect("AT", "OK")
    assert await e.sync(1) is True
    fm.check()
    await e.stop()
