"""Bad input ends the firmware with one line naming the cause and a non-zero exit, never a
traceback (issue 8 item 6): oversized or deeply nested configs, a --port that cannot be
opened. The firmware runs as users run it: micropython firmware/main.py --port --config."""
import json
import os
import socket
import subprocess

import pytest

from tools.board.nodeproc import MPY, ROOT, build, default_config, micropython


def run_fw(tmp_path, port, cfg_text):
    build()
    p = tmp_path / "config.json"
    if isinstance(cfg_text, bytes):
        p.write_bytes(cfg_text)
    else:
        p.write_text(cfg_text)
    env = dict(os.environ, MICROPYPATH=":".join([".frozen", MPY + "/lib", MPY + "/firmware", MPY]))
    r = subprocess.run([micropython(), "-X", "heapsize=256K",
                        os.path.join(ROOT, "firmware", "main.py"), "--port", port,
                        "--config", str(p)], capture_output=True, text=True, timeout=60,
                       env=env, cwd=str(tmp_path))
    lines = (r.stdout + r.stderr).strip().splitlines()
    return r.returncode, lines


def good_config(tmp_path):
    return json.dumps(default_config(str(tmp_path / "state")))


def nested(depth):
    return '{"server": {"host": "h"}, "x": %s%s}' % ("[" * depth, "]" * depth)


CONFIGS = {  # case -> (config text, what the one line ends with)
    "1 MB host string": (json.dumps({"server": {"host": "h" * (1 << 20)}}),
                         "config.json: is larger than 8192 bytes"),
    "1 MB of padding": (json.dumps({"server": {"host": "h"}, "pad": "x" * (1 << 20)}),
                        "config.json: is larger than 8192 bytes"),
    "nested 5000 deep": (nested(5000), "config.json: is larger than 8192 bytes"),
    "nested 4000 deep (8 KB)": (nested(4000), "config.json: is nested deeper than 8 levels"),
    "nested 9 deep": (nested(8), "config.json: is nested deeper than 8 levels"),
    "nested 8 deep (parsed)": (nested(7), "app: config: x: unknown key"),
    '"[" in strings is not nesting': (json.dumps({"server": {"host": "h"}, "x": "[" * 50}),
                                      "app: config: x: unknown key"),
    # issue 21 item 1: not UTF-8 is one line and exit 2, not a UnicodeError traceback
    "latin-1 host": (b'{"server":{"host":"caf\xe9"}}', "config.json: is not UTF-8 text"),
    "UTF-16 with BOM": ('{"server":{"host":"h"}}'.encode("utf-16"),
                        "config.json: is UTF-16 text, not UTF-8"),
}


@pytest.mark.parametrize("case", sorted(CONFIGS))
def test_oversized_or_deep_config_is_one_line(tmp_path, case):
    text, tail = CONFIGS[case]
    code, lines = run_fw(tmp_path, "/dev/null", text)
    assert code == 2 and len(lines) == 1, lines[-20:]
    assert lines[0].endswith(tail), lines


def refused_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    return port


@pytest.mark.parametrize("port,cause", [
    ("/dev/null", "not a serial device (not a tty)"),
    ("{tmp}/no-such-device", "no such device"),
    ("{tmp}", "is a directory, not a serial device"),
    ("tcp:127.0.0.1:{refused}", "connection refused"),
    ("tcp:127.0.0.1:99999", "must be tcp:HOST:PORT with PORT 1..65535"),
    ("tcp:localhost", "must be tcp:HOST:PORT with PORT 1..65535"),
])
def test_bad_port_is_one_line(tmp_path, port, cause):
    dev = port.format(tmp=tmp_path, refused=refused_port() if "refused" in port else 0)
    code, lines = run_fw(tmp_path, dev, good_config(tmp_path))
    assert code == 1 and len(lines) == 1, lines[-20:]
    assert lines[0].endswith("app: port %s: %s" % (dev, cause)), lines
