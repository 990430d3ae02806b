# The minimal report cycle (tools/bench/cycle.py sends it to the QEMU board after a soft
# reset, with _RAI set on its first line): only what the application note requires of a
# wake from deep sleep, in plain synchronous MicroPython on the raw UART, to compare the
# node's cycle against. PSM_EINT low 120 ms; AT until OK (the first command after a wake
# may be lost); AT+QSCLK=0 (3.3 NOTE); AT+QLWSTATUS? and, at 7, AT+QLWRECOVER and its
# "recovered" URC (5.5); one reading as a CON notification on 19/0/0 (4.2.12) and its
# report_ack; AT+QSCLK=1. No config, no state, no queue, no error handling beyond retries.
# Prints "MIN <work us> <wait us> <total us> <hold us>" (ticks under -icount: 1 us =
# 1,000 instructions; wait = ticks spent polling an empty UART or holding the pin; hold:
# the PSM_EINT hold, where a board with light sleep sleeps).
import time

_t0 = time.ticks_us()
from boards import qemu as _bq  # noqa: E402

_ticks = time.ticks_us
_diff = time.ticks_diff
_u = _bq.CmsdkUart(_bq.UART1)
_buf = bytearray(1)
_line = bytearray()
_wait = [0]


def _readline(ms):
    # one line (without CR LF) or None after ms
    end = time.ticks_add(time.ticks_ms(), ms)
    while True:
        t = _ticks()
        while not _u.readinto(_buf):
            if time.ticks_diff(end, time.ticks_ms()) <= 0:
                _wait[0] += _diff(_ticks(), t)
                return None
        _wait[0] += _diff(_ticks(), t)
        c = _buf[0]
        if c == 10:
            s = bytes(_line).strip()
            _line[:] = b""
            if s:
                return s
        elif c != 13:
            _line.append(c)


def _send(cmd):
    b = cmd + b"\r\n"
    n = 0
    while n < len(b):
        n += _u.write(b[n:])


def _until(prefix, ms=5000):
    # lines until one starting with prefix -> it (None on timeout or ERROR)
    while True:
        s = _readline(ms)
        if s is None or s.endswith(b"ERROR"):
            return None
        if s.startswith(prefix):
            return s


def _cmd(cmd, prefix=b"OK", ms=5000):
    _send(cmd)
    return _until(prefix, ms)


_p = _bq.CmsdkUart(_bq.UART2)
for _c in b"PSM_EINT\n":
    _p.write(bytes((_c,)))
_t = _ticks()
time.sleep_ms(120)  # (a board with light sleep sleeps here: nothing due from the module)
_hold = _diff(_ticks(), _t)
_wait[0] += _hold
while _cmd(b"AT", ms=100) is None:
    pass
_cmd(b"AT+QSCLK=0")
_st = _cmd(b"AT+QLWSTATUS?", b"+QLWSTATUS:")
_until(b"OK")
if _st == b"+QLWSTATUS: 7":
    _cmd(b"AT+QLWRECOVER")
    _until(b'+QLWURC: "recovered"', 20000)
_v = b"%d,%d,%d,%d" % (1, 2150, 3300, 0)
_hex = b"".join(b"%02X" % c for c in _v)
_tail = b",0,1,%d" % _RAI if _RAI else b",0,1"  # noqa: F821 (set by the host)
_cmd(b'AT+QLWNOTIFY=19,0,0,2,%d,"%s"%s' % (len(_v), _hex, _tail))
_until(b'+QLWURC: "report_ack"', 20000)
_cmd(b"AT+QSCLK=1")
_t9 = _ticks()
print("MIN", _diff(_t9, _t0) - _wait[0], _wait[0], _diff(_t9, _t0), _hold)
