"""Every way the node is stopped ends the one orderly way (firmware/app.py run_until_stopped):
on the QEMU board 20 start/Ctrl-C cycles without a fault, through ``tools.board.qemu`` and
``make demo SERVER=coap://...`` a terminal's Ctrl-C (SIGINT to the whole process group) or
SIGTERM de-registers every time without a traceback; what the demo cannot run on gets one
clear line and a non-zero exit."""
import re
import signal
import subprocess
import sys
import threading

import pytest
from aiocoap import ACK
from aiocoap.numbers.codes import Code

from coap_fixtures import ScriptedServer
from mcu_fixtures import need_mcu
from procgroup import Proc
from tools.demo import local as demo
from tools.board import nodeproc, vendor
from tools import wakaama
from tools.board.nodeproc import default_config

ROOT = nodeproc.ROOT
MAKE = ["make", "--no-print-directory", "-C", ROOT]


def test_qemu_board_twenty_start_and_ctrl_c_shutdowns_without_a_fault(sim_factory, tmp_path):
    # one QEMU boot; main.py started 20 times on it, each after a soft reset (a fresh heap,
    # the RAM disk kept, as a board restarts its program) and stopped by Ctrl-C at a
    # different moment each time after it registered
    import json
    from tools.board import qemu
    need_mcu()
    sim = sim_factory(time_scale=0.05, attach_s=0.2)
    cfg = default_config("/state", report_interval_s=1)
    with qemu.Board(uart=sim.device) as board:
        board.install(json.dumps(cfg).encode())
        for i in range(20):
            lines = []
            registered = threading.Event()

            def out(line):
                lines.append(line)
                if "node: registered" in line:
                    registered.set()
            result = []
            n = len(sim.commands)
            t = threading.Thread(target=lambda: result.append(
                _run_node(board, out)), daemon=True)
            t.start()
            registered.wait(120)
            assert registered.is_set(), "run %d: not registered, %r:\n%s" % (
                i, result, "\n".join(lines))
            # Ctrl-C anywhere from right at registration to a report cycle later
            threading.Event().wait(0.037 * i)
            board.interrupt()
            t.join(120)
            assert result, "run %d: no end after Ctrl-C:\n%s" % (i, "\n".join(lines[-20:]))
            assert result[0] == 0, "run %d: %r\n%s" % (i, result[0], "\n".join(lines[-20:]))
            assert "AT+QLWDEREG" in sim.commands[n:], "run %d: %r\n%s" % (
                i, sim.commands[n:][-12:], "\n".join(lines[-30:]))
            assert any("app: stopped (exit 0)" in x for x in lines), lines[-10:]
            sim.wait_for(lambda: sim.status in (0, 4), 10)


def _run_node(board, out):
    from tools.board.qemu import BoardError
    try:
        return board.run_node(out, timeout=120, soft_reset=True)
    except BoardError as e:
        return str(e)
    except Exception as e:  # the raw REPL itself (mpremote): reported, not lost in a thread
        out("%s: %s" % (type(e).__name__, e))
        return repr(e)


def _node_config(tmp_path, sim, state):
    import json
    p = tmp_path / "cfg.json"
    p.write_text(json.dumps(default_config(state, report_interval_s=1)))
    return str(p)


@pytest.mark.parametrize("how", ["ctrl_c", "sigterm"])
def test_tools_qemu_stops_the_node_orderly(sim_factory, tmp_path, how):
    from tools.board import mcu
    need_mcu()
    mcu.firmware()  # built (or found) before the clock of the waits below starts
    sim = sim_factory(time_scale=0.05, attach_s=0.2)
    p = Proc([sys.executable, "-m", "tools.board.qemu", "--uart", sim.device,
              "--config", _node_config(tmp_path, sim, "/state")])
    try:
        p.wait_line(r"node: registered")
        if how == "ctrl_c":
            p.ctrl_c()  # tools.board.qemu and, without its own group, QEMU too
        else:
            p.p.send_signal(signal.SIGTERM)
        assert p.wait() == 0, p.text
    finally:
        p.kill()
    assert "AT+QLWDEREG" in sim.commands, sim.commands[-10:]
    assert "Traceback" not in p.text, p.text
    assert re.search(r"app: stopping: interrupted", p.text), p.text


def _answer_until_deleted(srv, timeout=60):
    # updates answered 2.04; the DELETE /rd/5 of a de-registration answered 2.02 -> True
    while True:
        try:
            m = srv.recv(timeout)
        except OSError:
            return False
        r = None
        if m.code == Code.DELETE:
            r = Code.DELETED
        elif m.code == Code.POST:
            r = Code.CHANGED
        if r is not None:
            from aiocoap import Message
            a = Message(code=r)
            a.mtype, a.mid, a.token = ACK, m.mid, m.token
            srv.send(a)
        if m.code == Code.DELETE:
            return True


def test_ctrl_c_in_a_terminal_during_make_demo_server_deregisters_every_time():
    # 3 tries: Ctrl-C as the registration is answered, once the demo says registered, and
    # a while into serving (the node's report cycles going on)
    for i, after in enumerate((None, r"registered; waiting", r"uplink|19/0/0")):
        srv = ScriptedServer()
        p = Proc(MAKE + ["demo", "SERVER=coap://127.0.0.1:%d" % srv.port])
        try:
            srv.accept_registration(timeout=120)
            if after:  # the server answers the node's updates meanwhile, as servers do
                srv.answer_updates_until(lambda: any(re.search(after, x) for x in p.lines), 120)
            p.ctrl_c()
            assert _answer_until_deleted(srv), "try %d: no de-registration:\n%s" % (i, p.text)
            # make ends itself by the SIGINT it got once its child is done (as a shell's
            # 130); the demo's own verdict is its last line
            assert p.wait() == -signal.SIGINT, "try %d:\n%s" % (i, p.text)
        finally:
            p.kill()
            srv.close()
        assert "stopping: node stopped with exit code 0, AT+QLWDEREG sent" in p.text, p.text
        assert "Error" not in p.text, p.text  # make names a child that failed
        assert "Traceback" not in p.text, p.text


def test_make_demo_on_an_unknown_board_says_so_and_fails():
    r = subprocess.run(MAKE + ["demo", "BOARD=esp32_devkitc"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode != 0
    assert "PASSED" not in r.stdout
    ours = [x for x in r.stderr.splitlines() if x.startswith("demo:")]
    assert ours == ["demo: BOARD=esp32_devkitc: the demo runs the firmware on unix (the "
                    "default) or qemu; on a real board use make deploy / make run (README: "
                    "Flash a board)"], r.stderr
    assert "Traceback" not in r.stderr


def test_demo_without_the_vendored_sources_says_so_in_one_line(monkeypatch, tmp_path):
    gone = str(tmp_path / "no-shared" / "vendor")
    monkeypatch.setattr(vendor, "VENDOR", gone)
    monkeypatch.setattr(wakaama, "BINARY", str(tmp_path / "lwm2mserver"))
    with pytest.raises(SystemExit) as e:
        demo.main(["--server", "wakaama"])
    assert e.value.code == ("demo: SERVER=wakaama: vendored Wakaama/tinydtls sources not "
                            "found in %s" % gone)
    with pytest.raises(SystemExit) as e:
        demo.main(["--board", "qemu"])
    assert e.value.code == "demo: BOARD=qemu: no micropython*.tar.gz in %s" % gone


def test_ctrl_c_in_a_terminal_during_the_scripted_make_demo_stops_the_node_orderly():
    p = Proc(MAKE + ["demo"])
    try:
        p.wait_line(r"\[ 2\] read temperature")  # registered, the session under way
        p.ctrl_c()
        assert p.wait() == -signal.SIGINT, p.text  # make ends by the SIGINT it got
    finally:
        p.kill()
    assert "interrupted: node stopped with exit code 0, AT+QLWDEREG sent" in p.text, p.text
    assert "demo FAILED" in p.text and "Traceback" not in p.text, p.text


_IN_GC = r"""
import asyncio, gc
import app
junk = [bytearray(100) for i in range(20000)]  # every collection takes a while


async def work():
    print("collecting")
    while True:
        gc.collect()
        await asyncio.sleep_ms(0)


async def shutdown(code):
    print("shutdown saved %d" % len([bytearray(64) for i in range(100)]))

print("exit", app.run_until_stopped(work, shutdown))
"""


def test_ctrl_c_inside_a_garbage_collection_still_shuts_down(tmp_path):
    # the unix port: a Ctrl-C that lands inside a collection leaves it half done and the
    # heap locked ("memory allocation failed, heap is locked" from the next allocation on:
    # the shutdown did not run, exit 1 without AT+QLWDEREG; seen in test_node_lifecycle,
    # Ctrl-C during health's largest_free_block); run_until_stopped finishes the collection
    import os
    import time
    nodeproc.build()
    script = tmp_path / "in_gc.py"
    script.write_text(_IN_GC)
    env = dict(os.environ, MICROPYPATH=":".join(
        [".frozen", os.path.join(nodeproc.MPY, "lib"), os.path.join(nodeproc.MPY, "firmware"),
         nodeproc.MPY]))
    for i in range(3):
        p = subprocess.Popen([nodeproc.micropython(), "-X", "heapsize=16M", str(script)],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             env=env, cwd=str(tmp_path))
        try:
            assert p.stdout.readline().strip() == "collecting"
            time.sleep(0.1 * (i + 1))  # (collections take most of the time)
            p.send_signal(signal.SIGINT)
            out = p.communicate(timeout=60)[0]
        finally:
            p.kill()
        assert p.returncode == 0, out
        assert "shutdown saved 100" in out and "exit 0" in out, out


def _writer_for_reader(fifo):
    # -> a write end of ``fifo`` once the firmware has opened it for reading, else None:
    # a non-blocking open for writing fails (ENXIO) while no one reads. The firmware's
    # open() then returns and it waits in read() for data that never comes, still inside
    # the file's read (any kernel: no /proc/PID/wchan names needed)
    import errno
    import os
    try:
        return os.open(str(fifo), os.O_WRONLY | os.O_NONBLOCK)
    except OSError as e:
        if e.errno != errno.ENXIO:
            raise
        return None


@pytest.mark.parametrize("where", ["importing", "constructing App"])
def test_ctrl_c_while_the_firmware_starts_is_a_clean_stop(sim_factory, tmp_path, where):
    # a Ctrl-C in `mpremote run` / `make demo` right at the start: before the application
    # is imported (swupdate.boot reads pkg/boot.json, firmware/main.py) or while App() is
    # built (its State reads state/state.json). A FIFO there holds the firmware in open()
    # (reading it) until the Ctrl-C; it was a KeyboardInterrupt traceback and exit 1
    import os
    import time
    from tools.board.nodeproc import Firmware
    sim = sim_factory()
    work = tmp_path / "node"
    fifo = work / ("pkg/boot.json" if where == "importing" else "state/state.json")
    fifo.parent.mkdir(parents=True)
    os.mkfifo(str(fifo))
    fw = Firmware(sim.device, str(work), config=default_config(str(work / "state"))).start()
    writer = None
    try:
        end = time.monotonic() + 60
        while writer is None:  # the event: the firmware opened the FIFO to read it
            assert fw.proc.poll() is None and time.monotonic() < end, "\n".join(fw.lines)
            time.sleep(0.01)
            writer = _writer_for_reader(fifo)
        code = fw.interrupt(timeout=30)
    finally:
        fw.kill()
        if writer is not None:
            os.close(writer)
    out = "\n".join(fw.lines)
    assert code == 0, out  # as a Ctrl-C once the node runs (EXIT_STOPPED)
    assert "Traceback" not in out and "KeyboardInterrupt" not in out, out
    assert re.search(r"app: stopping: interrupted \(Ctrl-C\) while starting", out), out
    assert "app: stopped (exit 0)" in out, out
    assert sim.commands == [], sim.commands  # nothing sent to the module


def test_unix_firmware_takes_its_ctrl_c_as_a_byte_between_two_steps(sim_factory, tmp_path):
    # the unix port raises a SIGINT's KeyboardInterrupt from its signal handler, wherever
    # its C code is (a collection, asyncio's run queue: a shutdown that then failed or
    # hung 35 s, test_exits' make demo run); the tools send the firmware's Ctrl-C as a
    # 0x03 byte on its stdin instead (--stop stdin), read between two steps of its loop.
    # Here only the byte is sent (no signal at all): the node stops as on a Ctrl-C
    from tools.board.nodeproc import Firmware
    sim = sim_factory(time_scale=0.05, attach_s=0.2)
    fw = Firmware(sim.device, str(tmp_path / "node")).start()
    try:
        assert "--stop" in fw.cmd and fw.cmd[fw.cmd.index("--stop") + 1] == "stdin"
        fw.wait_log(r"node: registered", timeout=120)
        fw.proc.stdin.write("\x03")
        fw.proc.stdin.flush()
        code = fw.wait(fw.shutdown_bound_s())
    finally:
        fw.kill()
    out = "\n".join(fw.lines)
    assert code == 0, out
    assert "AT+QLWDEREG" in sim.commands, sim.commands[-10:]
    assert re.search(r"app: stopping: interrupted \(Ctrl-C\)", out), out
    assert "Traceback" not in out, out


def test_unix_firmware_stopped_by_a_signal_while_reading_its_stop_byte(sim_factory, tmp_path):
    # --stop stdin and a SIGINT all the same (a terminal's Ctrl-C straight at the process):
    # one orderly stop, the same as by the byte
    from tools.board.nodeproc import Firmware
    sim = sim_factory(time_scale=0.05, attach_s=0.2)
    fw = Firmware(sim.device, str(tmp_path / "node")).start()
    try:
        fw.wait_log(r"node: registered", timeout=120)
        fw.proc.send_signal(signal.SIGINT)
        code = fw.wait(fw.shutdown_bound_s())
    finally:
        fw.kill()
    out = "\n".join(fw.lines)
    assert code == 0, out
    assert "AT+QLWDEREG" in sim.commands, sim.commands[-10:]
    assert "Traceback" not in out and "Error" not in out, out
