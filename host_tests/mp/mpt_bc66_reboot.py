# ATEngine against the scripted fake modem (issue 2, points 7-9).
import asyncio
import fakemodem
fakemodem.prefer_mpy()
from fakemodem import FakeModem, engine as _eng, raises as _raises  # noqa: E402


async def test_reboot_fails_inflight_and_deferred():
    from bc66.errors import Rebooted
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


_BANNER = ("F1: 0000 0000", "V0: 0000 0000 [0001]", "00: 0000 0000", "U0: 0000 0001 [0000]",
           "T0: 0000 001E", "Leaving the BROM")  # bc66-facts.md, the note's 5.5


async def test_one_boot_counts_once():
    # a cold boot prints the boot ROM banner, then RDY, +CFUN: 1, +CPIN: READY: one reboot,
    # one failed command; the command sent after the banner is not failed by that RDY
    from bc66.errors import Rebooted
    fm, e, urcs = _eng()
    fm.expect("AT+CSQ")  # never answered: the boot ends it
    t = asyncio.create_task(e.cmd("AT+CSQ", prefix="+CSQ", timeout_ms=5000))
    await asyncio.sleep_ms(20)
    fm.inject(*_BANNER)
    await _raises(Rebooted, t)
    fm.expect("AT+CGSN=1", "RDY", "+CFUN: 1", "+CPIN: READY", "+CGSN: 866", "OK")
    assert await e.cmd("AT+CGSN=1", prefix="+CGSN", timeout_ms=2000) == ["+CGSN: 866"]
    assert e.stats["reboots"] == 1 and urcs.count("REBOOT") == 1, (e.stats, urcs)
    # a second real boot (banner) and a third (RDY only, as in the note's 5.1) still count
    fm.inject(*_BANNER)
    fm.inject("+CPIN: READY", "RDY", "+CFUN: 1", "+CPIN: READY", "+IP: 10.0.0.3")
    for _ in range(400):  # until the last line was dispatched (bounded: 2 s)
        if urcs[-1:] == ["+IP: 10.0.0.3"]:
            break
        await asyncio.sleep_ms(5)
    assert e.stats["reboots"] == 3 and urcs.count("REBOOT") == 3, (e.stats, urcs)
    fm.check()
    await e.stop()


async def test_wake_sync_then_retry_once():
    from bc66.errors import ATTimeout
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


async def test_sync_through_boot_banner():
    # the module boots while the MCU syncs (powered up together): the banner fails that AT,
    # sync tries again
    fm, e, urcs = _eng()
    fm.expect("AT", "F1: 0000 0000", "Leaving the BROM")
    fm.expect("AT", "OK")
    assert await e.sync(3) is True
    assert e.stats["reboots"] == 1 and urcs == ["REBOOT"], urcs
    fm.check()
    await e.stop()


async def test_echo_ignored():
    fm, e, urcs = _eng()
    fm.expect("AT+CSQ", b"AT+CSQ\r", "+CSQ: 3,4", "OK")  # echoed as a module in ATE1 does
    assert await e.cmd("AT+CSQ", prefix="+CSQ") == ["+CSQ: 3,4"]
    assert e.stats["echo"] == 1 and urcs == []
    await e.stop()


async def test_urc_callback_error_counted():
    from bc66.at import ATEngine
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
    fm.closed = True
    await asyncio.sleep_ms(10)
    x = await _raises(Exception, t)
    assert "closed" in str(x)
