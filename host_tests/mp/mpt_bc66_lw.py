# lib/bc66/modem.py through the whole stack: registration, objects, recovery, buffer mode.
import fakemodem
fakemodem.prefer_mpy()


def test_0_import():
    import gc
    __import__("bc66.modem")
    gc.collect()


async def test_register_deregister_recover():
    from fakemodem import modem, raises
    from bc66.errors import CommandError, StatusError
    fm, m, urcs = await modem()
    fm.expect("AT+QLWREG", "OK", 5, '+QLWURC: "lifetime_changed",30', '+QLWURC: "bs_finished"',
              "+QLWREG: 0")
    await m.register(timeout_ms=500)
    assert [u.kind for u in urcs] == ["lifetime_changed", "bs_finished"]
    fm.expect("AT+QLWREG", "OK", 5, "+QLWREG: 1")
    e = await raises(StatusError, m.register(timeout_ms=500))
    assert e.code == 1 and e.name == "Timeout"
    fm.expect("AT+QLWREG", "+CMEE ERROR: 33")
    assert (await raises(CommandError, m.register())).name == "Already registered error"
    fm.expect("AT+QLWDEREG", "OK", 5, "+QLWDEREG: 0")
    await m.deregister(timeout_ms=500)
    fm.expect("AT+QLWRECOVER", "OK", 5, '+QLWURC: "recovered",0')
    await m.recover(timeout_ms=500)
    fm.expect("AT+QLWRECOVER", "OK", 5, '+QLWURC: "recovered",3')
    assert (await raises(StatusError, m.recover(timeout_ms=500))).name == "Recovered failed"
    fm.check()
    await m.stop()



async def test_errors_read_as_text_without_the_psk():
    # a log line says "AT+QLWREG status 1 (Timeout)", not the tuple (1, 'Timeout', ...);
    # a refused AT+QLWCONFIG shows its PSK identity and PSK masked
    from fakemodem import modem, raises
    from bc66.errors import CommandError, StatusError
    fm, m, urcs = await modem()
    fm.expect("AT+QLWREG", "OK", 5, "+QLWREG: 1")
    e = await raises(StatusError, m.register(timeout_ms=500))
    assert str(e) == "AT+QLWREG status 1 (Timeout)", str(e)
    assert e.code == 1 and e.name == "Timeout"
    fm.expect("AT+QLWRECOVER", "OK", 5, '+QLWURC: "recovered",77')
    e = await raises(StatusError, m.recover(timeout_ms=500))
    assert str(e) == "AT+QLWRECOVER status 77 (Unknown)", str(e)
    fm.expect("AT+QLWREG", "+CMEE ERROR: 33")
    e = await raises(CommandError, m.register())
    assert str(e) == "AT+QLWREG error 33 (Already registered error)", str(e)
    fm.expect("AT+QLWDEREG", "ERROR")
    assert str(await raises(CommandError, m.deregister())) == "AT+QLWDEREG (ERROR)"
    psk = "00112233445566778899aabbccddeeff"
    fm.expect(None, "+CME ERROR: 3")
    e = await raises(CommandError, m.config_set(0, "h", 5684, "ep", 900, 0, "pskid7", psk))
    assert e.code == 3 and str(e).endswith(",900,0,*** error 3 (Parameter value error)"), str(e)
    assert psk not in str(e) + repr(e) and "pskid7" not in str(e) + repr(e), repr(e)
    assert psk in fm.written[-1]  # (it was sent)
    # the driver's own words, and the node's (lwm2m.node: a +QLWREG: 1 during an update)
    assert str(CommandError(-1, "malformed answer +QLWCONFIG")) == \
        "malformed answer +QLWCONFIG (ERROR)"
    assert str(StatusError(1, "+QLWREG: 1")) == "+QLWREG: 1 status 1 (Timeout)"
    assert str(StatusError(9)) == "status 9 (Reset)"
    fm.check()
    await m.stop()

async def test_objects_and_buffer():
    from fakemodem import modem, raises
    from bc66.errors import CommandError
    fm, m, urcs = await modem()
    fm.expect("AT+QLWDELOBJ=17", "OK", "+QLWDELOBJ: 0")
    fm.expect("AT+QLWDELOBJ=18", "OK", "+QLWDELOBJ: 4")
    await m.del_object(17)
    assert (await raises(CommandError, m.del_object(18))).code == 4
    await raises(ValueError, m.del_object(70000))
    fm.expect("AT+QLWRD?", "+QLWRD: 4", "OK")
    fm.expect("AT+QLWRD", '+QLWRD: 3,"observe",36581,0,9,0,0', "OK")
    fm.expect("AT+QLWRD", "+QLWRD: 0", "OK")
    assert await m.rd_count() == 4
    n, u = await m.rd_next()
    assert n == 3 and u.kind == "observe" and u.msgid == 36581 and u.obj == 9
    assert await m.rd_next() == (0, None)
    fm.check()
    await m.stop()


async def test_update_wait_ends_when_the_registration_or_network_is_lost():
    # The registration lost while AT+QLWUPDATE's result is awaited (+QLWREG: n: the module
    # registered again by itself; "lwstatus",0: the network gone): that result is not
    # coming, so the wait ends with Aborted at once, not at its deadline (issue 21)
    import time
    from fakemodem import modem, raises
    from bc66.errors import Aborted
    fm, m, urcs = await modem()
    for lost in ("+QLWREG: 1", '+QLWURC: "lwstatus",0', "+QLWREG: 0"):
        fm.play("> AT+QLWUPDATE=1,0\n< +QLWUPDATE: 61459\n< OK\n~ 20\n< " + lost)
        t0 = time.ticks_ms()
        e = await raises(Aborted, m.update(1, 0, timeout_ms=60000))
        assert time.ticks_diff(time.ticks_ms(), t0) < 30000, e  # (60 s before the fix)
        assert lost in str(e), e
        assert urcs[-1].kind in ("reg", "lwstatus"), urcs  # the node hears it too
    # lost before the update's OK: the wait ends at that OK, not at its deadline
    for lost in ("+QLWREG: 1", '+QLWURC: "lwstatus",0'):
        fm.play("> AT+QLWUPDATE=1,0\n< +QLWUPDATE: 61461\n< " + lost + "\n~ 20\n< OK")
        t0 = time.ticks_ms()
        e = await raises(Aborted, m.update(1, 0, timeout_ms=5000))
        assert time.ticks_diff(time.ticks_ms(), t0) < 4000, e  # (5 s, then ATTimeout, before)
        assert lost in str(e), e
    # the network back ("lwstatus",1) is no abort: the result comes
    fm.play('> AT+QLWUPDATE=1,1\n< +QLWUPDATE: 61460\n< OK\n~ 10\n< +QLWURC: "lwstatus",1'
            "\n~ 10\n< +QLWUPDATE: 0,61460")
    assert await m.update(1, 1) == 61460
    fm.check()
    await m.stop()
