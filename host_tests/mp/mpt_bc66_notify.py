# lib/bc66/modem.py: AT+QLWNOTIFY CON/NON/RAI, report msgid, splitting, errors.
import fakemodem
fakemodem.prefer_mpy()


def test_0_import():
    import gc
    __import__("bc66.modem")
    __import__("bc66.values")
    gc.collect()


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
