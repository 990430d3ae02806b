"""Fault injection (reproducible from a seed), transcript, TCP listener, CLI, pacing."""
import os
import re
import subprocess
import sys
import time

import pytest

from tools.bc66sim.client import ATClient
from tools.bc66sim.modem import BANNER

from sim_fixtures import CFG, attached_client, register  # noqa: F401

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def mk(sim_factory):
    return lambda **kw: attached_client(sim_factory, **kw)


def run_byte_fault(mk, kind, seed, p=0.05):
    sim, c = mk()
    getattr(sim.faults, kind)(p=p, seed=seed)
    for _ in range(10):                 # wait for events, not for a guessed quiet time
        n = len(sim.commands)
        c.send("AT+QLWCFG?")
        sim.wait_for(lambda: len(sim.commands) > n)
    return c.settle(sim)                # every byte the simulator sent, damage included


@pytest.mark.parametrize("kind", ["drop_bytes", "corrupt_bytes", "duplicate_bytes"])
def test_byte_faults_reproduce_from_seed(mk, kind):
    clean = run_byte_fault(mk, kind, 0, p=0.0)
    a = run_byte_fault(mk, kind, 7)
    b = run_byte_fault(mk, kind, 7)
    c = run_byte_fault(mk, kind, 8)
    assert a == b                       # same seed, same damage
    assert a != c and a != clean
    if kind == "drop_bytes":
        assert len(a) < len(clean)
    elif kind == "duplicate_bytes":
        assert len(a) > len(clean)
    else:
        assert len(a) == len(clean)


def test_input_faults(mk):
    sim, c = mk()
    sim.faults.drop_bytes(p=1.0, direction="in")
    c.send("AT")
    assert c.drain(0.05) == b""
    sim.faults.clear()
    assert c.cmd("AT") == ["OK"]


def test_split_lines_delivers_in_pieces(mk):
    sim, c = mk()
    sim.faults.split_lines(p=1.0, seed=3, gap_ms=30)
    c.send("AT+QLWCFG?")
    end = time.monotonic() + 3                # wait for the first piece and for the end,
    first = b""                               # not for a guessed pause
    while not first and time.monotonic() < end:
        first = c.drain(0.01, 0.2)            # the first piece: up to its 30 ms gap
    rest = b""
    while not (first + rest).endswith(b"\r\nOK\r\n") and time.monotonic() < end:
        rest += c.drain(0.05)
    assert first and rest
    whole = first + rest
    assert whole.endswith(b"\r\nOK\r\n") and whole.count(b"+QLWCFG:") == 8


def test_overlong_garbage_then_normal_service(mk):
    sim, c = mk()
    sim.faults.overlong_line(3000, seed=1)
    junk = c.read_exact(3004, 1)
    assert len(junk) == 3004 and b"\n" not in junk[2:-2]
    assert c.cmd("AT") == ["OK"]


def test_delay_omit_error(mk):
    sim, c = mk()
    sim.faults.delay("AT+CSQ", 300)
    t0 = time.monotonic()
    assert c.cmd("AT+CSQ") == ["+CSQ: 24,0", "OK"]
    assert time.monotonic() - t0 >= 0.28
    sim.faults.omit("AT+CGSN")
    c.send("AT+CGSN=1")
    assert c.drain(0.05) == b""
    assert c.cmd("AT+CGSN=1") == ["+CGSN: 867997030052996", "OK"]
    sim.faults.error("AT+QLWSTATUS?", code=1)
    assert c.cmd("AT+QLWSTATUS?") == ["+CME ERROR: 1"]
    sim.faults.error("AT+QLWSTATUS?")
    assert c.cmd("AT+QLWSTATUS?") == ["ERROR"]
    assert c.cmd("AT+QLWSTATUS?") == ["+QLWSTATUS: 0", "OK"]


def test_omit_keeps_the_deferred_result(mk):
    sim, c = mk()
    assert c.cmd(CFG % 900) == ["OK"]
    sim.faults.omit("AT+QLWREG")
    c.send("AT+QLWREG")
    assert c.wait_line(lambda s: True) == "+QLWREG: 0"


def test_random_command_errors_reproduce(mk):
    def run(seed):
        sim, c = mk()
        sim.faults.error("AT", code=3, once=False, p=0.3, seed=seed)
        return [c.cmd("AT")[0] for _ in range(30)]
    a, b, other = run(5), run(5), run(6)
    assert a == b and a != other
    assert 0 < a.count("+CME ERROR: 3") < 30


@pytest.mark.parametrize("when", ["before", "mid", "after"])
def test_reboot_on_command(mk, when):
    sim, c = mk()
    sim.faults.reboot(after_cmd="AT+QLWCFG?", when=when)
    c.send("AT+QLWCFG?")
    data = c.drain(0.1)
    assert b"Leaving the BROM" in data
    head = data.split(b"\r\nF1: ")[0]
    if when == "before":
        assert head == b""
    elif when == "mid":
        assert head and not head.endswith(b"OK\r\n")
    else:
        assert head.endswith(b"\r\nOK\r\n")
    assert sim.reboots == 1
    sim.faults.reboot()                 # spontaneous, right now
    assert sim.reboots == 2


def test_network_lost_and_resumed(mk):
    from tools.bc66sim import ServerError
    sim, c = mk()
    assert c.cmd("AT+QLWADDOBJ=19,0,1,0") == ["OK"]
    c.wait_line("+QLWADDOBJ: 0")
    register(c)
    sim.faults.network_lost()
    assert c.wait_line("+QLWURC") == '+QLWURC: "lwstatus",0'
    with pytest.raises(ServerError):
        sim.server.read("19/0/0")
    assert c.cmd('AT+QLWNOTIFY=19,0,0,1,1,"a",0,1') == ["OK"]
    assert c.wait_line('+QLWURC: "report_ack"', 3).startswith('+QLWURC: "report_ack",1,')
    sim.faults.network_resumed()
    assert c.wait_line("+QLWURC") == '+QLWURC: "lwstatus",1'
    assert c.cmd('AT+QLWNOTIFY=19,0,0,1,1,"a",0,1') == ["OK"]
    assert c.wait_line('+QLWURC: "report_ack"').startswith('+QLWURC: "report_ack",0,')


def test_random_ack_loss_reproduces(mk):
    def run(seed):
        sim, c = mk()
        assert c.cmd('AT+QLWCFG="retransmit",1,0') == ["OK"]
        assert c.cmd("AT+QLWADDOBJ=19,0,1,0") == ["OK"]  # (NVRAM: kept through the reboot)
        c.wait_line("+QLWADDOBJ: 0")
        sim.reboot()
        sim.wait_for(lambda: sim.attached)
        c.drain(0.02)
        register(c)
        sim.faults.lose_report_ack(p=0.5, seed=seed)
        out = []
        for _ in range(12):
            c.cmd('AT+QLWNOTIFY=19,0,0,1,1,"a",0,1')
            out.append(c.wait_line('+QLWURC: "report_ack"').split(",")[1])
        return out
    a, b = run(11), run(11)
    assert a == b and "0" in a and "1" in a


def test_transcript_file_masks_psk(tmp_path, mk):
    path = tmp_path / "t.log"
    sim, c = mk(transcript=str(path))
    psk = "3083693CF1E6766A2408BFD88278249A"
    assert c.cmd('AT+QLWCONFIG=1,"bootp",5584,"urn:imei:1",900,0,"urn:imei:1","%s"' % psk) \
        == ["OK"]
    assert psk in c.cmd("AT+QLWCONFIG?")[0]
    sim.stop()
    text = path.read_text()
    assert psk not in text and "urn:imei:1\",\"" not in text  # nor its identity
    assert text.count('"****","****"') == 2
    assert re.search(r'^\d+\.\d{3} > AT\+QLWCONFIG=1,"bootp".*"\*\*\*\*"\\r$', text, re.M)
    assert re.search(r'^\d+\.\d{3} < \\r\\n\+QLWCONFIG:1,"bootp".*\\r\\n$', text, re.M)
    assert re.search(r"^\d+\.\d{3} # cold boot", text, re.M)


def test_tcp_listener(sim_factory):
    sim = sim_factory(tcp_port=0)
    assert sim.tcp_port > 0 and sim.device == "tcp://127.0.0.1:%d" % sim.tcp_port
    c = ATClient(sim.device)
    sim.wait_for(lambda: sim.attached)
    c.drain(0.02)
    assert c.cmd("AT") == ["OK"]
    assert c.cmd("AT+CGSN=1") == ["+CGSN: 867997030052996", "OK"]
    c.close()


def test_baud_pacing(mk):
    sim, c = mk(baud=19200)                 # 1920 bytes/s
    t0 = time.monotonic()
    sim.faults.overlong_line(956)           # 960 bytes on the wire
    assert len(c.read_exact(960, 3)) == 960
    assert time.monotonic() - t0 >= 0.4


def test_idle_cpu_is_low(mk):
    sim, c = mk()
    t0 = os.times()
    time.sleep(0.5)
    t1 = os.times()
    assert (t1.user - t0.user) + (t1.system - t0.system) < 0.1


def test_cli_serves_on_tcp(tmp_path):
    p = subprocess.Popen([sys.executable, "-m", "tools.bc66sim", "--tcp", "0", "--attach-s",
                          "0.1", "--quiet", "--nvram", str(tmp_path / "nv.json"),
                          "--readings", "lenient"],
                         cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        dev = p.stdout.readline().strip()
        assert dev.startswith("tcp://127.0.0.1:")
        c = ATClient(dev)
        c.drain(0.3)                    # boot output, if the client was quick enough
        assert c.cmd("AT") == ["OK"]
        assert c.cmd("AT+QLWSTATUS?") == ["+QLWSTATUS: 0", "OK"]
        c.close()
    finally:
        p.terminate()
        p.wait(5)
    assert p.returncode == 0


def test_cli_pty_and_banner():
    p = subprocess.Popen([sys.executable, "-m", "tools.bc66sim", "--quiet", "--attach-s",
                          "0.1"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        dev = p.stdout.readline().strip()
        assert dev.startswith("/dev/")
        c = ATClient(dev)
        lines = [c.wait_line(lambda s: True) for _ in range(len(BANNER))]
        assert lines == BANNER
        assert c.cmd("AT") == ["AT", "OK"]     # default: every reading strict, echo on
        c.close()
    finally:
        p.terminate()
        p.wait(5)
