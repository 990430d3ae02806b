# The note's transcript 5.5 (recovery after deep sleep) through the whole stack.
import fakemodem
fakemodem.prefer_mpy()

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
