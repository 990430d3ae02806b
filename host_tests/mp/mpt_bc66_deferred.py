# ATEngine against the scripted fake modem (issue 2, points 5-6).
import asyncio
import time
import fakemodem
fakemodem.prefer_mpy()
from fakemodem import engine as _eng, raises as _raises  # noqa: E402


async def _until(cond, timeout_ms=2000):
    # wait for the event (not a guessed time): cond() true, within timeout_ms
    t0 = time.ticks_ms()
    while not cond():
        assert time.ticks_diff(time.ticks_ms(), t0) < timeout_ms, "not within %d ms" % timeout_ms
        await asyncio.sleep_ms(1)


async def test_deferred_result_and_report_between_ok_and_result():
    fm, e, urcs = _eng()
    fm.expect("AT+QLWNOTIFY=3303,0,5601,4,4,88.88,0,1", "OK", 10, '+QLWURC: "report",17111',
              "+QLWNOTIFY: 0", 10, '+QLWURC: "report_ack",0,17111')
    info, d = await e.cmd("AT+QLWNOTIFY=3303,0,5601,4,4,88.88,0,1", deferred="+QLWNOTIFY:",
                          deferred_timeout_ms=500, capture='+QLWURC: "report"')
    assert d == "+QLWNOTIFY: 0"
    assert info == ['+QLWURC: "report",17111'], info
    await _until(lambda: len(urcs) >= 2)
    assert urcs == ['+QLWURC: "report",17111', '+QLWURC: "report_ack",0,17111'], urcs
    await e.stop()


async def test_update_info_before_ok_and_deferred_with_space():
    fm, e, urcs = _eng()
    # the deferred result in the same read as OK (no pause) still goes to the waiter
    fm.expect("AT+QLWUPDATE=1,1", "+QLWUPDATE: 61459", "OK", "+QLWUPDATE: 0, 61459")
    info, d = await e.cmd("AT+QLWUPDATE=1,1", prefix="+QLWUPDATE", deferred="+QLWUPDATE:",
                          deferred_timeout_ms=500)
    assert info == ["+QLWUPDATE: 61459"] and d == "+QLWUPDATE: 0, 61459"
    await e.stop()


async def test_unsolicited_reg_is_urc():
    fm, e, urcs = _eng()
    fm.inject("+QLWREG: 0")
    fm.expect("AT+QLWSTATUS?", "+QLWSTATUS: 2", "OK")
    await e.cmd("AT+QLWSTATUS?", prefix="+QLWSTATUS")
    assert urcs == ["+QLWREG: 0"]
    # while a REG is in flight, before its OK, a +QLWREG is still a URC
    fm.expect("AT+QLWREG", "+QLWREG: 0", "OK", 5, "+QLWREG: 1")
    info, d = await e.cmd("AT+QLWREG", deferred="+QLWREG:", deferred_timeout_ms=300)
    assert d == "+QLWREG: 1" and urcs == ["+QLWREG: 0", "+QLWREG: 0"], urcs
    await e.stop()


async def test_deferred_lock_released_while_waiting():
    fm, e, urcs = _eng()
    fm.expect("AT+QLWREG", "OK")           # its result only when the test says so
    fm.expect("AT+QLWRDRSP=1,1,9,0,0,1,1,\"a\",0", "OK", "+QLWRDRSP: 0")
    t = asyncio.create_task(e.cmd("AT+QLWREG", deferred="+QLWREG:", deferred_timeout_ms=5000))
    await _until(lambda: fm.written and not fm.any())    # REG sent, its OK read
    _, d = await e.cmd('AT+QLWRDRSP=1,1,9,0,0,1,1,"a",0', deferred="+QLWRDRSP:",
                       deferred_timeout_ms=2000)
    assert d == "+QLWRDRSP: 0"
    assert not t.done()
    fm.inject("+QLWREG: 0")
    assert (await t)[1] == "+QLWREG: 0"
    await e.stop()


async def test_timeout_then_usable_and_late_line_not_taken():
    from bc66.errors import ATTimeout
    fm, e, urcs = _eng()
    e.wake_tries = 0
    fm.expect("AT+CSQ", "+CSQ: 1,1")        # info heard, final late: after the timeout
    await _raises(ATTimeout, e.cmd("AT+CSQ", prefix="+CSQ", timeout_ms=10))
    fm.inject("OK")
    fm.expect("AT+QLWSTATUS?", "+QLWSTATUS: 1", "OK")
    assert await e.cmd("AT+QLWSTATUS?", prefix="+QLWSTATUS") == ["+QLWSTATUS: 1"]
    assert e.stats["stray"] == 1 and e.stats["timeouts"] == 1
    fm.check()
    await e.stop()


async def test_deferred_timeout_late_line_is_urc():
    from bc66.errors import ATTimeout
    fm, e, urcs = _eng()
    fm.expect("AT+QLWREG", "OK")
    await _raises(ATTimeout, e.cmd("AT+QLWREG", deferred="+QLWREG:", deferred_timeout_ms=20))
    fm.inject("+QLWREG: 0")                 # the result after the timeout, however late
    await _until(lambda: urcs)
    assert urcs == ["+QLWREG: 0"], urcs
    await e.stop()
