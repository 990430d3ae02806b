# lib/bc66/modem.py: bring-up and configuration commands, happy and error paths.
import fakemodem
fakemodem.prefer_mpy()
from fakemodem import modem, raises  # noqa: E402

PSK = "3083693CF1E6766A2408BFD88278249A2DB498B40A6BF6049300FD47DE325CFC"


def test_0_import():
    # first: load the driver while the heap is still unfragmented (later tests reuse it);
    # what it costs is asserted in mpt_memory.py
    __import__("bc66.modem")


async def test_bringup():
    from bc66.errors import CommandError
    fm, m, _ = await modem()
    fm.expect("AT+CGSN=1", "+CGSN: 867997030052996", "OK")
    fm.expect("AT+CEREG?", "+CEREG: 0,1", "OK")
    fm.expect("AT+CGPADDR=1", "+CGPADDR: 1,100.88.40.249", "OK")
    fm.expect("AT+CGPADDR=1", "+CGPADDR: 1", "OK")
    fm.expect("AT+CSQ", "+CSQ: 99,99", "OK")
    fm.expect("AT+CFUN=1", "OK").expect("AT+QSCLK=0", "OK").expect("AT+QSCLK=1", "ERROR")
    assert await m.imei() == "867997030052996"
    assert await m.cereg() == 1
    assert await m.ip() == "100.88.40.249"
    assert await m.ip() is None
    assert await m.csq() == (99, 99)
    await m.cfun(1)
    await m.sclk(0)
    await raises(CommandError, m.sclk(1))
    await raises(ValueError, m.sclk(3))
    await raises(ValueError, m.cfun(2))
    fm.check()
    await m.stop()


async def test_status_constants():
    from bc66.errors import CommandError
    from bc66 import modem as md
    fm, m, _ = await modem()
    fm.expect("AT+QLWSTATUS?", "+QLWSTATUS: 7", "OK")
    fm.expect("AT+QLWSTATUS?", "+CMEE ERROR: 1")
    assert await m.status() == md.STATUS_NEED_RECOVER == 7
    assert (md.STATUS_NOT_REGISTERED, md.STATUS_REGISTERED, md.STATUS_RECOVERING) == (0, 2, 6)
    e = await raises(CommandError, m.status())
    assert e.code == 1 and e.name == "Other error"
    await m.stop()


async def test_clock_cclk():
    # AT+CCLK? (3GPP 27.007 8.15): network time -> seconds since 1970 UTC; None before the
    # network set it (an error, or the module's unset 1980 clock); garbled -> CommandError
    from bc66.errors import CommandError
    from bc66.modem import cclk_seconds
    fm, m, _ = await modem()
    fm.expect("AT+CCLK?", '+CCLK: "26/12/07,17:00:00+32"', "OK")      # UTC+8
    fm.expect("AT+CCLK?", '+CCLK: "80/01/06,00:00:07+00"', "OK")
    fm.expect("AT+CCLK?", "+CME ERROR: 3")
    fm.expect("AT+CCLK?", '+CCLK: "26/13/07,17:00:00+32"', "OK")
    assert await m.clock() == 1796662800 - 8 * 3600
    assert await m.clock() is None
    assert await m.clock() is None
    await raises(CommandError, m.clock())
    fm.check()
    await m.stop()
    assert cclk_seconds("24/02/29,23:59:59-20") == 1709251199 + 5 * 3600
    assert cclk_seconds("2026/12/07,17:00:00GMT+8") == 1796662800 - 8 * 3600
    for bad in ("", "26/12/07", "x/1/1,00:00:00", "26/12/07,25:00:00+00"):
        try:
            cclk_seconds(bad)
            raise AssertionError(bad)
        except CommandError:
            pass


async def test_psk_identity_masked_like_the_psk():
    # issue 21 item 8: the PSK identity is masked wherever the PSK is: the debug log of
    # the command, the exception of a refused one, a late +QLWCONFIG answer logged as URC
    from bc66 import log
    from bc66.errors import CommandError
    ident = "node-identity-4711"
    fm, m, _ = await modem()
    out = []
    log.sink, level, log.level = out.append, log.level, log.DEBUG
    try:
        fm.expect('AT+QLWCONFIG=0,"h",5684,"ep",900,0,"%s","%s"' % (ident, PSK),
                  "+CME ERROR: 3")
        e = await raises(CommandError, m.config_set(0, "h", 5684, "ep", 900, 0, ident, PSK))
        fm.inject('+QLWCONFIG:0,"h",5684,"ep",900,0,"%s","%s"' % (ident, PSK))
        fm.expect("AT", "OK")
        await m.sync(1)
    finally:
        log.sink, log.level = None, level
    text = "\n".join(out) + repr(e) + str(e)
    assert ident not in text and PSK not in text, text
    assert 'AT+QLWCONFIG=0,"h",5684,"ep",900,0,***' in text and "+QLWCONFIG: ***" in text, text
    fm.check()
    await m.stop()


async def test_urc_listeners():
    # the node registers a listener instead of overwriting an attribute; every listener
    # gets every URC (requests too), in the order added, whatever an earlier one raised
    import asyncio
    fm, m, urcs = await modem()  # fakemodem's: urcs.append is the first listener
    second = []

    def bad(u):
        raise ValueError("listener bug")
    m.add_urc_listener(bad)
    m.add_urc_listener(second.append)
    fm.inject('+QLWURC: "ping",0', '+QLWURC: "read",7,3303,0,5700')
    for _ in range(400):
        if len(second) == 2:
            break
        await asyncio.sleep_ms(5)
    assert [u.kind for u in urcs] == [u.kind for u in second] == ["ping", "read"], second
    assert second[1].msgid == 7 and m.at.stats["dropped_urcs"] == 2
    await m.stop()
