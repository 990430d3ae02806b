# The note's transcript 5.3 (manual registration) through the whole stack.
import fakemodem
fakemodem.prefer_mpy()

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


def test_0_import():
    import gc
    __import__("bc66.modem")
    gc.collect()


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
