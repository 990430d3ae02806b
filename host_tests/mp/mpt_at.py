# ATEngine against the scripted fake modem: every numbered point of issue 2.
import asyncio
from fakemodem import FakeModem
from bc66.at import ATEngine
from bc66.errors import ATTimeout, CommandError, Rebooted


def _eng(seed=1, **kw):
    fm = FakeModem(seed=seed, **kw)
    urcs = []
    e = ATEngine(fm, urcs.append)
    e.late_ms = 30
    e.sync_ms = 50
    e.start()
    return fm, e, urcs


async def _raises(exc, aw):
    try:
        await aw
    except exc as e:
        return e
    raise AssertionError("no %s" % exc.__name__)


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
    fm.inject(b"+QLWURC: " + b"x" * 3000 + b"\r\n", '+QLWURC: "ping",0')
    await asyncio.sleep_ms(200)
    assert urcs == ['+QLWURC: "ping",0'], urcs
    assert e.stats["overlong"] == 1
    # a maximal legal line still passes
    big = '+QLWURC: "write",65535,65535,3,65535,1,1024,"' + "A" * 1024 + '",0'
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


async def test_deferred_result_and_report_between_ok_and_result():
    fm, e, urcs = _eng()
    fm.expect("AT+QLWNOTIFY=3303,0,5601,4,4,88.88,0,1", "OK", 10, '+QLWURC: "report",17111',
              "+QLWNOTIFY: 0", 10, '+QLWURC: "report_ack",0,17111')
    info, d = await e.cmd("AT+QLWNOTIFY=3303,0,5601,4,4,88.88,0,1", deferred="+QLWNOTIFY:",
                          deferred_timeout_ms=500, capture='+QLWURC: "report"')
    assert d == "+QLWNOTIFY: 0"
    assert info == ['+QLWURC: "report",17111'], info
    await asyncio.sleep_ms(50)
    assert urcs == ['+QLWURC: "report",17111', '+QLWURC: "report_ack",0,17111'], urcs
    await e.stop()


async def test_update_info_before_ok_and_deferred_with_space():
    fm, e, urcs = _eng()
    fm.expect("AT+QLWUPDATE=1,1", "+QLWUPDATE: 61459", "OK", 5, "+QLWUPDATE: 0, 61459")
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
    fm.expect("AT+QLWREG", "OK", 80, "+QLWREG: 0")
    fm.expect("AT+QLWRDRSP=1,1,9,0,0,1,1,\"a\",0", "OK", "+QLWRDRSP: 0")
    t = asyncio.create_task(e.cmd("AT+QLWREG", deferred="+QLWREG:", deferred_timeout_ms=1000))
    await asyncio.sleep_ms(20)
    _, d = await e.cmd('AT+QLWRDRSP=1,1,9,0,0,1,1,"a",0', deferred="+QLWRDRSP:",
                       deferred_timeout_ms=300)
    assert d == "+QLWRDRSP: 0"
    assert not t.done()
    assert (await t)[1] == "+QLWREG: 0"
    await e.stop()


async def test_timeout_then_usable_and_late_line_not_taken():
    fm, e, urcs = _eng()
    e.wake_tries = 0
    fm.expect("AT+CSQ", "+CSQ: 1,1", 25, "OK")  # info heard, final late
    await _raises(ATTimeout, e.cmd("AT+CSQ", prefix="+CSQ", timeout_ms=10))
    fm.expect("AT+QLWSTATUS?", "+QLWSTATUS: 1", "OK")
    assert await e.cmd("AT+QLWSTATUS?", prefix="+QLWSTATUS") == ["+QLWSTATUS: 1"]
    assert e.stats["stray"] == 1 and e.stats["timeouts"] == 1
    fm.check()
    await e.stop()


async def test_deferred_timeout_late_line_is_urc():
    fm, e, urcs = _eng()
    fm.expect("AT+QLWREG", "OK", 60, "+QLWREG: 0")
    await _raises(ATTimeout, e.cmd("AT+QLWREG", deferred="+QLWREG:", deferred_timeout_ms=20))
    await asyncio.sleep_ms(80)
    assert urcs == ["+QLWREG: 0"], urcs
    await e.stop()


async def test_reboot_fails_inflight_and_deferred():
    fm, e, urcs = _eng()
    fm.expect("AT+QLWREG", "OK")
    t = asyncio.create_task(e.cmd("AT+QLWREG", deferred="+QLWREG:", deferred_timeout_ms=5000))
    await asyncio.sleep_ms(30)
    fm.expect("AT+CSQ")  # never answered: the reboot ends it
    t2 = asyncio.create_task(e.cmd("AT+CSQ", prefix="+CSQ", timeout_ms=5000))
    await asyncio.sleep_ms(20)
    fm.inject("F1: 0000 0000", "V0: 0000 0000 [0001]", "00: 0000 0000", "U0: 0000 0001 [0000]",
              "T0: 0000 001E", "Leaving the BROM", "+CPIN: READY")
    await _raises(Rebooted, t)
    await _raises(Rebooted, t2)
    await asyncio.sleep_ms(20)
    assert urcs == ["REBOOT", "+CPIN: READY"], urcs
    assert e.stats["reboots"] == 1 and e.stats["noise"] == 5
    fm.inject("RDY", "+CFUN: 1", "+CPIN: READY", "+IP: 10.0.0.1")
    await asyncio.sleep_ms(50)
    assert urcs[2:] == ["REBOOT", "+CFUN: 1", "+CPIN: READY", "+IP: 10.0.0.1"], urcs
    fm.inject("+IP: 10.0.0.2")
    await asyncio.sleep_ms(20)
    assert e.stats["reboots"] == 2
    await e.stop()


async def test_wake_sync_then_retry_once():
    fm, e, urcs = _eng()
    fm.expect("AT+QLWSTATUS?")  # lost: the module slept
    fm.expect("AT")  # lost too
    fm.expect("AT", "OK")
    fm.expect("AT+QLWSTATUS?", "+QLWSTATUS: 2", "OK")
    r = await e.cmd("AT+QLWSTATUS?", prefix="+QLWSTATUS", timeout_ms=30)
    assert r == ["+QLWSTATUS: 2"]
    fm.check()
    # no answer even after sync: ATTimeout
    for _ in range(4):
        fm.expect("AT")
    fm.expect("AT+CSQ")
    await _raises(ATTimeout, e.cmd("AT+CSQ", prefix="+CSQ", timeout_ms=20))
    await e.stop()


async def test_echo_ignored():
    fm, e, urcs = _eng(echo=True)
    fm.expect("AT+CSQ", "+CSQ: 3,4", "OK")
    assert await e.cmd("AT+CSQ", prefix="+CSQ") == ["+CSQ: 3,4"]
    assert e.stats["echo"] == 1 and urcs == []
    await e.stop()


async def test_urc_callback_error_counted():
    fm = FakeModem()

    def bad(line):
        raise KeyError(line)

    e = ATEngine(fm, bad)
    e.start()
    fm.inject('+QLWURC: "buffer"')
    await asyncio.sleep_ms(30)
    assert e.stats["dropped_urcs"] == 1
    fm.expect("AT", "OK")
    await e.cmd("AT")
    await e.stop()


async def test_port_closed_fails():
    fm, e, urcs = _eng()
    fm.expect("AT")
    t = asyncio.create_task(e.cmd("AT", timeout_ms=5000, wake=False))
    await asyncio.sleep_ms(10)
    fm.close()
    await asyncio.sleep_ms(10)
    x = await _raises(Exception, t)
    assert "closed" in str(x)
