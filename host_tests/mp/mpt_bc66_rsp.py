# lib/bc66/modem.py: answers to server requests and notifications through the whole stack.
import fakemodem
fakemodem.prefer_mpy()


def test_0_import():
    import gc
    __import__("bc66.modem")
    __import__("bc66.values")
    gc.collect()


async def test_read_observe_exec_rsp():
    from fakemodem import modem, raises
    from bc66.errors import CommandError
    fm, m, urcs = await modem()
    fm.expect('AT+QLWRDRSP=62953,1,9,0,0,1,5,"abcde",0', "OK", "+QLWRDRSP: 0")
    fm.expect("AT+QLWOBSRSP=16987,1,3303,0,5601,4,5,88.88,0", "OK", "+QLWOBSRSP: 0")
    fm.expect("AT+QLWEXERSP=39040,2", "OK", "+QLWEXERSP: 0")
    fm.expect('AT+QLWRDRSP=1,13,9,0,0,1,0,"",0', "OK", "+QLWRDRSP: 15")
    await m.read_rsp(62953, 1, 9, 0, 0, 1, "abcde")
    await m.obs_rsp(16987, 1, 3303, 0, 5601, 4, 88.88)
    await m.exec_rsp(39040, 2)
    assert (await raises(CommandError, m.read_rsp(1, 13, 9, 0, 0))).code == 15
    await raises(ValueError, m.read_rsp(1, 2, 9, 0, 0))
    await raises(ValueError, m.exec_rsp(1, 1))
    await raises(ValueError, m.read_rsp(1, 1, 9, 0, 0, 1, 'x"\r\nAT+QLWDEREG'))
    fm.check()
    await m.stop()


async def test_write_rsp_falls_back_for_good():
    from fakemodem import modem
    fm, m, urcs = await modem()
    fm.expect("AT+QLWWRRSP=32193,2", "OK", "+QLWWRRSP: 0")
    fm.expect("AT+QLWWRRSP=36560,2", "ERROR")
    fm.expect("AT+QLWRRSP=36560,2", "OK", "+QLWRRSP: 0")
    fm.expect("AT+QLWRRSP=36561,2", "OK", "+QLWRRSP: 0")
    await m.write_rsp(32193, 2)
    await m.write_rsp(36560, 2)
    await m.write_rsp(36561, 2)
    fm.check()
    await m.stop()


async def test_notify_con_non_rai_and_split():
    from fakemodem import modem, raises
    from bc66.errors import CommandError
    fm, m, urcs = await modem()
    fm.expect("AT+QLWNOTIFY=3303,0,5601,4,5,88.88,0,1", "OK", 5, '+QLWURC: "report",17111',
              "+QLWNOTIFY: 0", 5, '+QLWURC: "report_ack",0,17111')
    assert await m.notify(3303, 0, 5601, 4, 88.88, timeout_ms=500) == 17111
    fm.expect('AT+QLWNOTIFY=9,0,0,1,10,"0123456789",0,0,2', "OK", 10, "+QLWNOTIFY: 0")
    assert await m.notify(9, 0, 0, 1, "0123456789", con=False, rai=2) is None
    fm.expect("AT+QLWNOTIFY=19,0,0,2,512,\"%s\",1,1" % ("00" * 512), "OK",
              '+QLWURC: "report",1', "+QLWNOTIFY: 0")
    fm.expect('AT+QLWNOTIFY=19,0,0,2,1,"FF",0,1', "OK", '+QLWURC: "report",2', "+QLWNOTIFY: 0")
    assert await m.notify(19, 0, 0, 2, bytes(512) + b"\xff") == 2
    fm.expect("AT+QLWNOTIFY=9,0,0,5,1,1,0,1", "OK", "+QLWNOTIFY: 4")
    assert (await raises(CommandError, m.notify(9, 0, 0, 5, True))).code == 4
    await raises(ValueError, m.notify(9, 0, 0, 1, 'a"b'))
    await raises(ValueError, m.notify(9, 0, 0, 3, 1, rai=3))
    await asyncio_sleep()
    await m.stop()
    assert [u.kind for u in urcs] == ["report", "report_ack", "report", "report"], urcs


async def asyncio_sleep():
    import asyncio
    await asyncio.sleep_ms(20)
