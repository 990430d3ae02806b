"""BC66's answers to server requests (read_rsp, obs_rsp, exec_rsp, write_rsp): one
coroutine per answer; the command is one str (CR included: the engine writes it as it
is); the deferred <err> read from its line. Loaded on the first answer."""
from .at import log
from .errors import CommandError, check_int

# read, observe, execute, write (the note names it both ways: see BC66.write_rsp)
_RSP = ("RDRSP", "OBSRSP", "EXERSP", "WRRSP", "RRSP")
_RSPD = ("+QLWRDRSP:", "+QLWOBSRSP:", "+QLWEXERSP:", "+QLWWRRSP:", "+QLWRRSP:")
_RSPN = ("AT+QLWRDRSP", "AT+QLWOBSRSP", "AT+QLWEXERSP", "AT+QLWWRRSP", "AT+QLWRRSP")


def _text(vtype, value):
    # a short value's text, checked as values.parts checks it; None: values.parts' way
    if vtype == 1:
        if not isinstance(value, str) or len(value) > 200:
            return None
        for c in value:
            if c < " " or c == '"' or c == "\x7f":
                raise ValueError("value: quote or control character")
        return value
    if vtype == 4 and isinstance(value, (int, float)) and not isinstance(value, bool):
        t = str(float(value))
        if "n" in t:  # inf / nan
            raise ValueError("value: not finite")
        return t
    if vtype == 5 and value in (0, 1):  # True, False, 0, 1
        return "1" if value else "0"
    if vtype == 3 and isinstance(value, int) and not isinstance(value, bool) \
            and -0x8000000000000000 <= value <= 0x7FFFFFFFFFFFFFFF:
        return str(value)
    return None


def rsp(m, c, msgid, result, obj=None, inst=0, res=0, vtype=0, value=None, index=0):
    """BC66 ``m``'s read_rsp (c 0), obs_rsp (1), exec_rsp (2: no obj) and write_rsp (3)
    -> the coroutine that sends it. Checked and formatted here, in a plain function (its
    frame is not on the heap); a bad argument is raised by the coroutine."""
    if c == 3:
        c = m._wr
    try:
        check_int(msgid, 0, 65535, "msgid")
        if obj is None:
            if result not in (2, 11, 12, 13, 14) or isinstance(result, bool):
                raise ValueError("result")
            x = "AT+QLW%s=%d,%d\r" % (_RSP[c], msgid, result)
        else:
            if result not in (1, 11, 12, 13, 14, 15) or isinstance(result, bool):
                raise ValueError("result")
            check_int(obj, -1, 65535, "id")
            check_int(inst, -1, 65535, "id")
            check_int(res, -1, 65535, "id")
            check_int(index, 0, 65535, "index")
            t = "" if value is None else _text(vtype, value)
            if t is None:  # long, opaque, or to be refused: values.parts' way, in pieces
                x = (msgid, result, obj, inst, res, vtype, value, index)
            else:
                q = '"' if value is None or vtype == 1 else ""
                x = "AT+QLW%s=%d,%d,%d,%d,%d,%d,%d,%s%s%s,%d\r" % (
                    _RSP[c], msgid, result, obj, inst, res, vtype or 1, len(t), q, t, q, index)
    except ValueError as e:
        x = e
    if c == 3 or m._reinit or not isinstance(x, str):
        return _send(m, c, x)
    # the engine's coroutine itself: it checks the deferred <err> (one coroutine)
    return m.at.cmd(x, None, m.timeouts[0], _RSPD[c], m.timeouts[1], err=_RSPN[c])


async def _send(m, c, x):
    # one small coroutine per answer
    if isinstance(x, Exception):
        raise x
    if isinstance(x, tuple):  # (msgid, result, obj, inst, res, vtype, value, index)
        from .values import parts, cmdv

        ps = [(0, "", '"')] if x[6] is None else parts(x[5], x[6])
        n = len(ps) - 1
        for ln, v, q in ps:
            await m._d(cmdv("AT+QLW%s=%d,%d,%d,%d,%d,%d,%d," % (
                (_RSP[c],) + x[:5] + (x[5] or 1, ln)), v, q, ",%d" % (x[7] + n)))
            n -= 1
        return
    if m._reinit:
        await m._init()
    while True:
        try:
            return await m.at.cmd(x, None, m.timeouts[0], _RSPD[c], m.timeouts[1],
                                  err=_RSPN[c])
        except CommandError as e:
            if e.code != -1 or c != 3:
                raise
        log(30, "bc66", "AT+QLWWRRSP refused: AT+QLWRRSP from now on")
        c = m._wr = 4
        x = "AT+QLWRRSP" + x[11:]
