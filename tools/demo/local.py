"""``make demo`` (``python -m tools.demo``): the node against the simulated BC66, and the
simulator's own server playing the session.

Starts the simulator, runs ``firmware/main.py`` against its pty, then plays the LwM2M
server: register, read, write, execute, observe, uplink on 19/0/0, downlink on 19/1/0,
deregister. Prints what the server did and what the node answered; exits 0 only if every
step got the right answer.
"""
import os
import shutil
import sys

from tools.bc66sim import Simulator
from tools.board.nodeproc import Firmware
from tools.demo.session import Session, stop_node


def run(workdir, quiet=False, readings="strict", board="unix", qemu_heap=None):
    sim = Simulator(attach_s=1.0, seed=7, transcript=os.path.join(workdir, "bc66.log"),
                    readings=readings,
                    response_timeout_s=5.0)
    sim.start()
    node_log = (lambda line: print("      node | " + line)) if not quiet else None
    fw = Firmware(sim.device, workdir, echo=node_log, board=board, qemu_heap=qemu_heap).start()
    s = Session(sim, fw)
    srv = sim.server
    print("bc66 demo: simulated BC66 on %s, firmware pid %d" % (sim.device, fw.proc.pid))
    try:
        s.step("node registers with the server",
               lambda: (sim.wait_status(2, timeout=40), "QLWSTATUS 2 (Registered)")[1])

        def read_temp():
            r = srv.read("3303/0/5700", timeout=5)
            return "%s, %s degC" % (s.expect(r, 1), r.value)
        s.step("read temperature 3303/0/5700", read_temp)

        def write_app_type():
            r = srv.write("3303/0/5750", 1, "greenhouse-3", timeout=5)
            s.expect(r, 2)
            back = srv.read("3303/0/5750", timeout=5)
            if back.value != "greenhouse-3":
                raise AssertionError("read back %r" % (back.value,))
            return "2.04 Changed, reads back %r" % back.value
        s.step("write application type 3303/0/5750", write_app_type)

        def write_readonly():
            return s.expect(srv.write("3303/0/5700", 4, 99.0, timeout=5), 14)
        s.step("write read-only 3303/0/5700 is refused", write_readonly)

        def reset_minmax():
            s.expect(srv.execute("3303/0/5605", timeout=5), 2)
            r = srv.read("3303/0/-1", timeout=5)
            vals = {res: v for (_, _, res, _, v) in r.values}
            if vals.get(5601) != vals.get(5602):
                raise AssertionError("min %r != max %r after reset" % (vals.get(5601), vals.get(5602)))
            return "2.04 Changed; min = max = %s" % vals.get(5601)
        s.step("execute reset min/max 3303/0/5605", reset_minmax)

        def observe():
            r = srv.observe("3303/0/5700", timeout=5)
            s.expect(r, 1)
            n0 = len(sim.notifications)
            sim.wait_for(lambda: sum(1 for n in sim.notifications[n0:]
                                     if n.path == "3303/0/5700") >= 2, timeout=30)
            got = [n for n in sim.notifications[n0:] if n.path == "3303/0/5700"]
            return "2.05 Content; %d notifications: %s" % (
                len(got), ", ".join("%s (%s)" % (n.value, "CON acked" if n.acked else
                                                  "CON" if n.con else "NON") for n in got[:3]))
        s.step("observe temperature, receive notifications", observe)

        def uplink():
            n0 = len(sim.notifications)
            n = sim.wait_for(lambda: next((x for x in sim.notifications[n0:]
                                           if x.path == "19/0/0"), None), timeout=30)
            return "19/0/0 <- %r (%s)" % (n.value, "CON" if n.con else "NON")
        s.step("uplink data on 19/0/0", uplink)

        def downlink():
            r = srv.write("19/1/0", 2, b"\x01\x02\x03", timeout=5)
            s.expect(r, 2)
            fw.wait_log(r"downlink 3 bytes: 010203", timeout=5)
            return "2.04 Changed; application got 010203"
        s.step("downlink write on 19/1/0", downlink)

        def cancel():
            return s.expect(srv.cancel_observe("3303/0/5700", timeout=5), 1)
        s.step("cancel observation", cancel)

        def deregister():
            code = fw.interrupt()
            if code != 0:
                raise AssertionError("firmware exit code %s" % code)
            if not any(c.startswith("AT+QLWDEREG") for c in sim.commands):
                raise AssertionError("no AT+QLWDEREG sent")
            return "AT+QLWDEREG sent, QLWSTATUS %d, firmware exited 0" % sim.status
        s.step("orderly shutdown deregisters", deregister)
    except KeyboardInterrupt:  # Ctrl-C (or SIGTERM) while the demo runs: the node stops orderly
        s.ok = False
        print("  interrupted: %s" % stop_node(fw, sim))
    finally:
        fw.kill()
        sim.stop()
    print("transcript of every byte: %s" % os.path.join(workdir, "bc66.log"))
    print("demo %s: %d steps" % ("PASSED" if s.ok else "FAILED", s.n))
    return s.ok


BOARDS = ("unix", "qemu")  # where the demo's firmware runs; a real board: make deploy/run


def check(board, server):
    """-> None, or the one line saying why the demo cannot run here."""
    if board not in BOARDS:
        return ("BOARD=%s: the demo runs the firmware on unix (the default) or qemu; on a "
                "real board use make deploy / make run (README: Flash a board)" % board)
    if board == "qemu":
        from tools.board import mcu
        why = mcu.tools_missing()
        if why:
            return "BOARD=qemu: " + why
    if server == "wakaama":
        from tools import wakaama
        why = None if os.path.exists(wakaama.BINARY) else wakaama.available()
        if why:
            return "SERVER=wakaama: " + why
    return None


def main(argv=None):
    import signal
    a = sys.argv if argv is None else ["demo"] + list(argv)
    board = a[a.index("--board") + 1] if "--board" in a[:-1] else "unix"
    server = a[a.index("--server") + 1] if "--server" in a[:-1] else None
    why = check(board, server)
    if why:
        raise SystemExit("demo: " + why)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM stops as Ctrl-C does
    workdir = os.path.join(os.getcwd(), "build", "demo")
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    if server:                          # make demo SERVER=wakaama | coap://host:port
        from tools.demo import server as demo_server
        sys.exit(0 if demo_server.main(server, workdir, "--quiet" in a, board) else 1)
    sys.exit(0 if run(workdir, "--quiet" in a, board=board) else 1)


if __name__ == "__main__":
    main()
