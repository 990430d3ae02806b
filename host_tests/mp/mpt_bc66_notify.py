# lib/bc66/modem.py: AT+QLWNOTIFY CON/NON/RAI, report msgid, splitting, errors (note 4.2.12).
import fakemodem
fakemodem.prefer_mpy()

NOTIFY = (  # note 5.4 / 5.8.2, and the report_ack of one inside the next one's window
    """> AT+QLWNOTIFY=3303,0,5601,4,5,88.88,0,1
< OK
< +QLWURC: "report",17111
< +QLWNOTIFY: 0""",
    """> AT+QLWNOTIFY=9,0,0,1,10,"0123456789",0,1,2
< OK
< +QLWURC: "report_ack",0,17111
< +QLWURC: "report",17112
< +QLWNOTIFY: 0""",
    '> AT+QLWNOTIFY=9,0,0,3,2,42,0,0\n< OK\n< +QLWNOTIFY: 0',
)


def test_0_import():
    import gc
    __import__("bc66.modem")
    __import__("bc66.values")
    gc.collect()


async def test_notify_con_non_rai():  # the error path: mpt_bc66_args
    import asyncio
    from fakemodem import modem
    fm, m, urcs = await modem()
    fm.play(NOTIFY[0])
    assert await m.notify(3303, 0, 5601, 4, 88.88) == 17111
    fm.play(NOTIFY[1])
    # the report_ack of the first arrives inside the second's window: not its msgid
    assert await m.notify(9, 0, 0, 1, "0123456789", rai=2) == 17112
    fm.play(NOTIFY[2])
    assert await m.notify(9, 0, 0, 3, 42, con=False) is None
    await asyncio.sleep_ms(10)
    assert [u.kind for u in urcs] == ["report", "report_ack", "report"], urcs
    fm.check()
    await m.stop()


async def test_con_notify_not_sent_is_an_error():
    # A CON notify the module did not send (a path it does not hold: +QLWNOTIFY: 3; one it
    # answered without a "report": sent NON, not observed, or the report line lost) is a
    # CommandError: only the report_ack of its own message id confirms it (issue 21)
    from fakemodem import modem, raises
    from bc66.errors import CommandError
    fm, m, urcs = await modem()
    fm.play('> AT+QLWNOTIFY=19,0,0,2,1,"01",0,1\n< OK\n< +QLWNOTIFY: 3')
    assert (await raises(CommandError, m.notify(19, 0, 0, 2, b"\x01"))).code == 3
    fm.play('> AT+QLWNOTIFY=19,0,0,2,1,"01",0,1\n< OK\n< +QLWNOTIFY: 0')
    e = await raises(CommandError, m.notify(19, 0, 0, 2, b"\x01"))
    assert e.code == -1 and "report" in str(e), e
    fm.check()
    await m.stop()
