# The note's chapter 5 transcripts, nearly verbatim, through the whole stack (BC66 on the
# fake modem): every command answers and every URC parses as the note says.
import fakemodem
fakemodem.prefer_mpy()

T51 = """
< RDY
< +CFUN: 1
< +CPIN: READY
< +IP: 100.119.77.254 //Registered to network successfully and the IP address is reported
< +QLWREG: 0 //Registered to LwM2M server successfully
> AT+QLWUPDATE=0,1000
< +QLWUPDATE: 38177
< OK
< +QLWUPDATE: 0,38177 //Updated successfully
> AT+QLWDEREG
< OK
< +QLWDEREG: 0 //De-registered successfully
"""
T53 = """
> AT+CEREG?
< +CEREG: 0,1
< OK
> AT+CGPADDR=1
< +CGPADDR: 1,100.88.40.249
< OK
> AT+QLWREG //Send a registration request
< OK
< +QLWURC: "lifetime_changed",30
< +QLWURC: "min_period_changed",1
< +QLWURC: "max_period_changed",3600
< +QLWURC: "binding_changed","UQ"
< +QLWURC: "bs_finished"
< +QLWREG: 0 //Registered successfully
"""
T55 = """
< F1: 0000 0000
< V0: 0000 0000 [0001]
< 00: 0000 0000
< U0: 0000 0001 [0000]
< T0: 0000 001E
< Leaving the BROM
< +CPIN: READY
> AT+QLWSTATUS?
< +QLWSTATUS: 7 //LwM2M context needs to be recovered.
< OK
> AT+QLWRECOVER
< OK
< +QLWURC: "recovered",0 //Recovered successfully
"""


def test_0_import():
    import gc
    __import__("bc66.modem")
    gc.collect()


async def test_5_1_auto_registration():
    import asyncio
    from fakemodem import modem
    fm, m, urcs = await modem()
    fm.play(T51)
    await asyncio.sleep_ms(30)
    assert [u.kind for u in urcs] == ["reboot", "cfun", "cpin", "ip", "reg"]
    assert urcs[3].value == "100.119.77.254" and urcs[4].status == 0
    fm.expect("ATE0", "OK").expect("AT+CMEE=1", "OK")  # after RDY the driver re-inits
    fm.script.append(fm.script.pop(0))
    fm.script.append(fm.script.pop(0))
    assert await m.update(0, 1000) == 38177
    await m.deregister()
    fm.check()
    await m.stop()


async def test_5_3_manual_registration():
    from fakemodem import modem
    fm, m, urcs = await modem()
    fm.play(T53)
    assert await m.cereg() == 1
    assert await m.ip() == "100.88.40.249"
    await m.register()
    assert [(u.kind, u.value) for u in urcs] == [
        ("lifetime_changed", 30), ("min_period_changed", 1), ("max_period_changed", 3600),
        ("binding_changed", "UQ"), ("bs_finished", None)]
    fm.check()
    await m.stop()


async def test_5_5_recovery_after_deep_sleep():
    import asyncio
    from fakemodem import modem
    from bc66 import modem as md
    fm, m, urcs = await modem()
    fm.play("> ATE0\n< OK\n> AT+CMEE=1\n< OK")
    fm.script.insert(0, fm.script.pop())
    fm.script.insert(0, fm.script.pop())
    fm.play(T55)
    await asyncio.sleep_ms(30)
    assert [u.kind for u in urcs] == ["reboot", "cpin"] and m.at.stats["noise"] == 5
    assert await m.status() == md.STATUS_NEED_RECOVER
    await m.recover()
    fm.check()
    await m.stop()
