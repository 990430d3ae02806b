# The note's chapter 5 transcripts, nearly verbatim, through the whole stack (BC66 on the
# fake modem): every command answers and every URC parses as the note says. 5.1 here;
# 5.3 and 5.5 in mpt_bc66_t53 / mpt_bc66_t55 (one per process: the 48 KB heap).
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
