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


async def test_reboot_without_reinit_when_constructed_so():
    # BC66(..., reinit_after_reboot=False), a duty cycle's wake (firmware/app.py): after the
    # reboot the next command goes out alone, no ATE0 / AT+CMEE=1 (the note's 5.5)
    import asyncio
    import gc
    from fakemodem import FakeModem
    from bc66.modem import BC66
    gc.collect()
    fm = FakeModem(1).play("> AT\n< OK\n> ATE0\n< OK\n> AT+CMEE=1\n< OK")
    urcs = []
    m = BC66(fm, urcs.append, reinit_after_reboot=False)
    m.at.late_ms = 30
    m.at.sync_ms = 50
    await m.start()  # a start still sends both
    fm.inject("RDY", "+QLWREG: 0")
    fm.expect("AT+QLWSTATUS?", "+QLWSTATUS: 2", "OK")
    await asyncio.sleep_ms(40)
    assert [u.kind for u in urcs] == ["reboot", "reg"], urcs
    assert await m.status() == 2 and m.counters()["reboots"] == 1, m.counters()
    fm.check()
    await m.stop()
