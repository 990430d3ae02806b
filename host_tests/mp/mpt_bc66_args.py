# lib/bc66/modem.py against a stub engine: every argument is checked before anything
# is sent (ValueError), no value can inject an AT command.
import fakemodem
fakemodem.prefer_mpy()
from stubat import StubAT, stub_modem as _m  # noqa: E402


def test_0_import():
    import gc
    __import__("bc66.modem")
    __import__("bc66.values")
    gc.collect()
    _m()


async def raises(exc, aw):
    # as fake.raises (not imported: fake.py's heap is not needed with a stub engine)
    try:
        await aw
    except exc as e:
        return e
    raise AssertionError("no " + exc.__name__)


async def test_arguments_checked_before_sending():
    m = _m()
    await raises(ValueError, m.read_rsp(1, 2, 9, 0, 0))
    await raises(ValueError, m.read_rsp(70000, 1, 9, 0, 0))
    await raises(ValueError, m.read_rsp(1, 1, 9, 0, 0, 1, 'x"\r\nAT+QLWDEREG'))
    await raises(ValueError, m.obs_rsp(1, 1, 9, -2, 0))
    await raises(ValueError, m.exec_rsp(1, 1))
    await raises(ValueError, m.write_rsp(1, 3))
    await raises(ValueError, m.notify(9, 0, 0, 1, 'a"b'))
    await raises(ValueError, m.notify(9, 0, 0, 3, 1, rai=3))
    await raises(ValueError, m.notify(9, 0, -2, 3, 1))
    await raises(ValueError, m.notify(9, 0, 0, 6, 1))
    await raises(ValueError, m.cfun(2))
    await raises(ValueError, m.sclk(3))
    await raises(ValueError, m.del_object(-1))
    await raises(ValueError, m.update(2, 1))
    await raises(ValueError, m.update(0, 19))
    await raises(ValueError, m.update(1, 2))
    assert m.at.sent == []


async def test_deferred_errors_raise():
    from bc66.errors import CommandError, StatusError
    m = _m()
    m.at = StubAT(" 4")
    assert (await raises(CommandError, m.notify(9, 0, 0, 5, True))).name == "Not register error"
    assert (await raises(CommandError, m.read_rsp(1, 1, 9, 0, 0, 3, 7))).code == 4
    assert (await raises(CommandError, m.exec_rsp(1, 2))).code == 4
    assert (await raises(CommandError, m.del_object(9))).code == 4
    assert (await raises(StatusError, m.update(0, 900))).name == "Update failed"
    assert (await raises(StatusError, m.deregister())).code == 4
    assert m.at.sent[0] == "AT+QLWNOTIFY=9,0,0,5,1,1,0,1"
