# lib/bc66/modem.py: answers to server requests through the whole stack (note 4.2.8-4.2.11).
import fakemodem
fakemodem.prefer_mpy()

RSP = """
> AT+QLWRDRSP=62953,1,9,0,0,1,5,"abcde",0
< OK
< +QLWRDRSP: 0
> AT+QLWOBSRSP=16987,1,3303,0,5601,4,5,88.88,0
< OK
< +QLWOBSRSP: 0
> AT+QLWEXERSP=39040,2
< OK
< +QLWEXERSP: 0
> AT+QLWRDRSP=1,13,9,0,0,1,0,"",0
< OK
< +QLWRDRSP: 15
> AT+QLWWRRSP=32193,2
< OK
< +QLWWRRSP: 0
> AT+QLWWRRSP=36560,2
< ERROR
> AT+QLWRRSP=36560,2
< OK
< +QLWRRSP: 0
> AT+QLWRRSP=36561,2
< OK
< +QLWRRSP: 0
"""


def test_0_import():
    import gc
    __import__("bc66.modem")
    __import__("bc66.values")
    gc.collect()


async def test_responses_and_write_fallback():
    from fakemodem import modem, raises
    from bc66.errors import CommandError
    fm, m, _ = await modem()
    fm.play(RSP)
    await m.read_rsp(62953, 1, 9, 0, 0, 1, "abcde")
    await m.obs_rsp(16987, 1, 3303, 0, 5601, 4, 88.88)
    await m.exec_rsp(39040, 2)
    assert (await raises(CommandError, m.read_rsp(1, 13, 9, 0, 0))).code == 15
    await m.write_rsp(32193, 2)
    await m.write_rsp(36560, 2)  # ERROR: AT+QLWRRSP from now on
    await m.write_rsp(36561, 2)
    await raises(ValueError, m.read_rsp(1, 2, 9, 0, 0))
    await raises(ValueError, m.exec_rsp(1, 1))
    await raises(ValueError, m.read_rsp(1, 1, 9, 0, 0, 1, 'x"\r\nAT+QLWDEREG'))
    fm.check()
    await m.stop()
