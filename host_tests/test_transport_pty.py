"""The unix serial path end to end: a pty opened by CPython plays the module, a tiny
MicroPython script drives it with bc66.transport.open_serial + ATEngine (raw termios,
VMIN=0/VTIME=0), on the 48 KB heap with lib/bc66 compiled by mpy-cross."""
import os
import select
import subprocess
import sys
import threading

from conftest import MICROPYTHON, ROOT, run_mp
from tools.board.build_mpy import HOST

SCRIPT = r"""
import sys, asyncio
from bc66.transport import open_serial
from bc66.at import ATEngine

async def main():
    p = open_serial(sys.argv[1], 115200)
    urcs = []
    e = ATEngine(p, urcs.append)
    e.start()
    print("R", await e.cmd("AT+QLWSTATUS?", "+QLWSTATUS", 2000))
    print("D", await e.cmd("AT+QLWREG", None, 2000, "+QLWREG:", 2000))
    await asyncio.sleep_ms(100)
    print("U", urcs, e.stats["lines"])
    await e.stop()
    p.close()

asyncio.run(main())
"""


def _modem(fd, log, stop):
    """Answer the two commands like the note's 5.6/4.2.3, with a URC split across writes."""
    buf = b""
    replies = {
        b"AT+QLWSTATUS?": [b'\r\n+QLWURC: "pi', b'ng",0\r\n\r\n+QLWSTATUS: 2\r\n\r\nOK\r\n'],
        b"AT+QLWREG": [b"\r\nOK\r\n", b"\r\n+QLWURC: \"bs_finished\"\r\n\r\n+QLWREG: 0\r\n"],
    }
    while not stop.is_set():
        r, _, _ = select.select([fd], [], [], 0.05)
        if not r:
            continue
        try:
            buf += os.read(fd, 256)
        except OSError:
            return
        while b"\r" in buf:
            cmd, buf = buf.split(b"\r", 1)
            log.append(cmd)
            for part in replies.get(cmd, [b"\r\nERROR\r\n"]):
                os.write(fd, part)


def _build_mpy(out):
    mpy_cross = os.path.join(os.path.dirname(sys.executable), "mpy-cross")
    os.makedirs(os.path.join(out, "bc66"), exist_ok=True)
    src = os.path.join(ROOT, "lib", "bc66")
    for f in os.listdir(src):
        if f.endswith(".py"):
            subprocess.run([mpy_cross, "-march=" + HOST,  # lines.py, urc.py: viper code
                            "-o", os.path.join(out, "bc66", f[:-3] + ".mpy"),
                            os.path.join(src, f)], check=True)


def test_serial_round_trip_over_pty(tmp_path):
    _build_mpy(str(tmp_path))
    script = tmp_path / "pty_client.py"
    script.write_text(SCRIPT)
    master, slave = os.openpty()
    path = os.ttyname(slave)
    log, stop = [], threading.Event()
    t = threading.Thread(target=_modem, args=(master, log, stop), daemon=True)
    t.start()
    env = dict(os.environ, MICROPYPATH=".frozen:" + str(tmp_path))
    try:
        p = run_mp([str(script), path], timeout=60, env=env)
    finally:
        stop.set()
        t.join(2)
        os.close(slave)
        os.close(master)
    out = p.stdout
    assert p.returncode == 0, (out, p.stderr)
    assert "R ['+QLWSTATUS: 2']" in out, out
    assert "D ([], '+QLWREG: 0')" in out, out
    assert """U ['+QLWURC: "ping",0', '+QLWURC: "bs_finished"']""" in out, out
    assert log == [b"AT+QLWSTATUS?", b"AT+QLWREG"]
    assert os.path.exists(MICROPYTHON)
