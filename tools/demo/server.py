"""``make demo SERVER=...``: the simulated node against a real LwM2M server over CoAP/UDP.

``SERVER=wakaama`` builds the vendored Eclipse Wakaama ``lwm2mserver`` (tools/wakaama.py),
runs it on 127.0.0.1 and plays the demo's server session through its command line; each
step's verdict comes from what Wakaama printed. ``SERVER=coap://HOST:PORT`` registers the
simulated node with any LwM2M 1.0 server (a Leshan on your PC, your platform) and prints
every exchange until Ctrl-C, then de-registers.
"""
import os
import re
import struct
import sys
import time
from urllib.parse import urlparse

from tools.bc66sim import Simulator
from tools.demo.session import Session, stop_node
from tools.board.nodeproc import Firmware, default_config


def start_node(workdir, host, port, quiet, lifetime=60, board="unix"):
    """The simulator in CoAP mode and the firmware (on ``board``: unix or qemu) configured
    for host:port -> (sim, fw)."""
    sim = Simulator(attach_s=1.0, seed=7, coap=True, time_scale=0.1,
                    transcript=os.path.join(workdir, "bc66.log"), response_timeout_s=5.0)
    sim.start()
    state = "/state" if board == "qemu" else os.path.join(workdir, "state")
    cfg = default_config(state, lifetime=lifetime,
                         server={"host": host, "port": port}, report_interval_s=2)
    echo = None if quiet else (lambda line: print("      node | " + line))
    fw = Firmware(sim.device, workdir, config=cfg, echo=echo, board=board).start()
    return sim, fw


def run_wakaama(workdir, quiet=False, board="unix"):
    """The server session against Wakaama -> True when every step passed."""
    from tools import wakaama
    w = wakaama.Wakaama(wakaama.free_udp_port()).start()
    sim, fw = start_node(workdir, "127.0.0.1", w.port, quiet, board=board)
    s = Session(sim, fw)
    print("bc66 demo against Eclipse Wakaama lwm2mserver on udp://127.0.0.1:%d, firmware on %s"
          % (w.port, board))
    c = [0]

    def ask(cmd, pattern, timeout=30):
        mark = w.mark()
        w.command(cmd % c[0])
        w.wait_line(pattern, timeout=timeout, start=mark)
        return mark

    def notified(path, number):
        # observe ``path`` until Wakaama prints its notification ``number``
        ask("observe %d " + path, r"Notify from client #%d %s number %d" % (c[0], path, number))

    try:
        def register():
            m = w.wait_line(r"New client #(\d+) registered", timeout=120)
            c[0] = int(m.group(1))
            objs = w.wait_line(r"objects: (.*)", start=0).group(1)
            return "client #%d, objects %s" % (c[0], objs.strip(", "))
        s.step("node registers with Wakaama", register)

        def read_temp():
            mark = ask("read %d /3303/0/5700", r"/3303/0/5700 : 2\.05")
            w.wait_line(r"ID: 5700 type: Resource Value", start=mark)
            i = w.lines.index(w.wait_line(r"data \(\d+ bytes\):", start=mark).string, mark)
            raw = bytes.fromhex(re.split(r"\s{3,}", w.lines[i + 1].strip())[0])
            value = struct.unpack(">d" if len(raw) == 8 else ">f", raw)[0]
            return "2.05 Content, TLV float %.2f degC" % value
        s.step("read temperature 3303/0/5700", read_temp)

        def read_instance():
            mark = ask("read %d /3303/0", r"/3303/0 : 2\.05")
            w.wait_line(r"ID: 5750 type", start=mark)
            return "2.05 Content, TLV with %d resources" % w.text(mark).count("type: Resource")
        s.step("read the instance 3303/0 (TLV)", read_instance)

        def write_text():
            ask("write %d /3303/0/5750 greenhouse-3", r"/3303/0/5750 : 2\.04")
            mark = ask("read %d /3303/0/5750", r"/3303/0/5750 : 2\.05")
            w.wait_line(r"greenhouse-3", start=mark)
            return "2.04 Changed, reads back 'greenhouse-3'"
        s.step("write application type (text)", write_text)

        def write_tlv():
            ask('write %d /3303/0 {"bn":"/3303/0/","e":[{"n":"5750","sv":"by-tlv"}]}',
                r"/3303/0 : 2\.04")
            mark = ask("read %d /3303/0/5750", r"/3303/0/5750 : 2\.05")
            w.wait_line(r"by-tlv", start=mark)
            return "2.04 Changed, reads back 'by-tlv'"
        s.step("write the instance 3303/0 (TLV)", write_tlv)

        s.step("execute reset min/max 3303/0/5605",
               lambda: ask("exec %d /3303/0/5605", r"/3303/0/5605 : 2\.04") and "2.04 Changed")

        def observe():
            notified("/3303/0/5700", 2)
            return "answer and 2 notifications printed by Wakaama"
        s.step("observe temperature, receive notifications", observe)

        s.step("cancel the observation",
               lambda: ask("cancel %d /3303/0/5700", r"/3303/0/5700 : ") and "cancelled")

        def uplink():
            sim.wait_for(lambda: any(n.path == "19/0/0" for n in sim.notifications), 30)
            notified("/19/0/0", 1)
            return "readings arrive as notifications of 19/0/0"
        s.step("uplink data on 19/0/0", uplink)

        def downlink():
            ask("write %d /19/1/0 abc", r"/19/1/0 : 2\.04")
            fw.wait_log(r"downlink 3 bytes: 616263", timeout=5)
            return "2.04 Changed; application got 616263"
        s.step("downlink write on 19/1/0", downlink)

        def lifetime():
            mark = ask("write %d /1/0/1 120", r"/1/0/1 : 2\.04")
            w.wait_line(r"lifetime: 120 sec", start=mark)
            return "the module updated its registration with lt=120"
        s.step("lifetime update (server writes 1/0/1)", lifetime)

        def settings():
            at = len(fw.lines)
            ask("write %d /32769/0/0 5", r"/32769/0/0 : 2\.04")
            fw.wait_log(r"settings: applied report_interval_s = 5", start=at, timeout=30)
            return "2.04 Changed; the node applied it at its next report cycle"
        s.step("settings: report interval 5 s (server writes 32769/0/0)", settings)

        def update():
            from tools import package, swpush
            _, data = package.build("1.1.0", os.path.join(workdir, "package"))
            state, result = swpush.push(w, c[0], data, "1.1.0")
            if (state, result) != (4, 2):
                raise AssertionError("Update State %d, Update Result %d" % (state, result))
            mark = w.mark()
            if fw.interrupt(timeout=20) != 0:
                raise AssertionError("firmware did not exit cleanly")
            fw.start()  # the next boot runs 1.1.0, on trial until it registers
            fw.wait_log(r"swupdate: update 1.1.0 confirmed", start=0, timeout=60)
            c[0] = int(w.wait_line(r"New client #(\d+) registered", start=mark).group(1))
            ask("read %d /32770/0/0", r"/32770/0/0 : 2\.05")
            w.wait_line(r"1\.1\.0", start=mark)
            return "%d bytes in %d writes to 9/0/2, installed, activated; after a restart " \
                "the node runs 1.1.0 (health 32770/0/0)" % (len(data), -(-len(data) // 512))
        if board == "unix":  # frozen modules (the whole QEMU firmware) are not replaced
            s.step("application update 1.1.0 through object 9", update)

        def deregister():
            mark = w.mark()
            if fw.interrupt(timeout=20) != 0:
                raise AssertionError("firmware did not exit cleanly")
            w.wait_line(r"Client #%d unregistered" % c[0], start=mark)
            return "Wakaama: client #%d unregistered" % c[0]
        s.step("orderly shutdown deregisters", deregister)
    except KeyboardInterrupt:  # Ctrl-C (or SIGTERM) during the session: the node stops orderly
        s.ok = False
        print("  interrupted: %s" % stop_node(fw, sim))
    finally:
        fw.kill()
        sim.stop()
        w.stop()
    print("transcript of every byte: %s" % os.path.join(workdir, "bc66.log"))
    print("demo against Wakaama %s: %d steps" % ("PASSED" if s.ok else "FAILED", s.n))
    return s.ok


def serve(workdir, url, stop=None, quiet=True, board="unix"):
    """Register with the server at ``url`` (coap://host:port) and print every exchange until
    Ctrl-C or SIGTERM (or ``stop``, a threading.Event, is set); de-register -> True if the
    node registered (or was stopped before it could) and stopped orderly."""
    u = urlparse(url)
    if u.scheme != "coap" or not u.hostname:
        raise SystemExit("SERVER must be wakaama or coap://HOST[:PORT] (coaps:// needs "
                         "DTLS, which the simulator does not have), not %r" % url)
    sim, fw = start_node(workdir, u.hostname, u.port or 5683, quiet, lifetime=120, board=board)
    sim.network.log = lambda text: print("  coap | " + text)
    print("bc66 demo: simulated node registering with %s (Ctrl-C to de-register and stop)"
          % url)
    registered = None  # not known yet (a Ctrl-C before the module registered)
    try:
        sim.wait_status(2, timeout=60)
        registered = True
        print("  registered; waiting for the server's requests")
        while not (stop and stop.wait(0.2)):
            if stop is None:
                time.sleep(0.2)
    except TimeoutError:
        registered = False
        print("  not registered within 60 s: is an LwM2M server listening on %s?" % url)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM (make passes it on): de-register, stop
        pass
    finally:
        print("  stopping: %s" % stop_node(fw, sim))
        fw.kill()
        sim.stop()
    return registered is not False and fw.proc.returncode == 0


def main(server, workdir, quiet=False, board="unix"):
    if server == "wakaama":
        return run_wakaama(workdir, quiet, board)
    return serve(workdir, server, board=board)


if __name__ == "__main__":
    sys.exit(0 if main(sys.argv[1], os.path.join(os.getcwd(), "build", "demo")) else 1)
