# lib/bc66/modem.py: a module reboot is a URC record and the next command re-inits.
import fakemodem
fakemodem.prefer_mpy()


def test_0_import():
    import gc
    __import__("bc66.modem")
    gc.collect()


async def test_reboot_urc_and_reinit():
    from fakemodem import modem
    fm, m, urcs = await modem()
    fm.inject("RDY", "+CFUN: 1", "+CPIN: READY", "+IP: 100.119.77.254", "+QLWREG: 0")
    fm.expect("ATE0", "OK").expect("AT+CMEE=1", "OK")
    fm.expect("AT+QLWSTATUS?", "+QLWSTATUS: 2", "OK")
    import asyncio
    await asyncio.sleep_ms(40)
    assert [u.kind for u in urcs] == ["reboot", "cfun", "cpin", "ip", "reg"], urcs
    assert urcs[3].value == "100.119.77.254" and urcs[4].status == 0
    assert await m.status() == 2
    fm.check()
    await m.stop()
