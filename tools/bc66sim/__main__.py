"""python -m tools.bc66sim: run the simulated BC66 on a pty (or TCP) until stopped."""
import argparse
import signal
import sys
import threading

from .sim import Simulator


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m tools.bc66sim",
                                 description="Simulated Quectel BC66 (LwM2M AT commands).")
    ap.add_argument("--tcp", type=int, metavar="PORT",
                    help="listen on 127.0.0.1:PORT instead of a pty (0 = any free port)")
    ap.add_argument("--nvram", metavar="FILE", help="NVRAM file (JSON), kept across runs")
    ap.add_argument("--transcript", metavar="FILE", help="append the transcript to FILE")
    ap.add_argument("--baud", type=int, help="pace the output at this baud rate (10 bits/byte)")
    ap.add_argument("--attach-s", type=float, default=2.0, help="network attach time (s)")
    ap.add_argument("--latency-ms", type=float, default=0, help="delay before each response")
    ap.add_argument("--seed", type=int, default=0, help="seed for message ids and faults")
    ap.add_argument("--sleep-after-s", type=float, default=None,
                    help="with AT+QSCLK=1, deep sleep after this much UART silence")
    ap.add_argument("--time-scale", type=float, default=1.0,
                    help="real seconds per module second (0.1 = 10x faster)")
    ap.add_argument("--echo", action="store_true", help="echo on at boot (default off)")
    ap.add_argument("--imei", default="867997030052996")
    ap.add_argument("--ip", default="100.88.40.249")
    ap.add_argument("--response-timeout-s", type=float, default=30.0)
    ap.add_argument("--pins", metavar="FILE",
                    help="control-line file the firmware writes (PSM_EINT, RESET, PWRKEY)")
    ap.add_argument("--readings", default="strict", metavar="R",
                    help="strict (default) or lenient, then name=strict|lenient,... to set "
                    "single readings (see docs/simulator.md)")
    ap.add_argument("--coap", action="store_true",
                    help="a real LwM2M 1.0 client over CoAP/UDP to the AT+QLWCONFIG server")
    ap.add_argument("--off", action="store_true",
                    help="start powered off: silent, VDD_EXT low, until a PWRKEY pulse (--pins)")
    ap.add_argument("--quiet", action="store_true", help="do not print the transcript")
    a = ap.parse_args(argv)
    readings = {}
    for item in a.readings.split(","):
        name, _, value = item.partition("=")
        readings.update({"base": name} if not value else {name: value})
    sim = Simulator(nvram=a.nvram, transcript=a.transcript, attach_s=a.attach_s,
                    time_scale=a.time_scale, seed=a.seed, sleep_after_s=a.sleep_after_s,
                    latency_ms=a.latency_ms, echo=a.echo, baud=a.baud, imei=a.imei, ip=a.ip,
                    response_timeout_s=a.response_timeout_s, readings=readings, coap=a.coap,
                    off=a.off)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *x: stop.set())
    signal.signal(signal.SIGINT, lambda *x: stop.set())
    sim.start(tcp_port=a.tcp)
    if a.pins:
        sim.watch_pins(a.pins)
    print(sim.device, flush=True)
    shown = 0
    try:
        while not stop.wait(0.2):
            if not a.quiet:
                lines = sim.transcript.lines
                for line in lines[shown:]:
                    print(line, file=sys.stderr, flush=True)
                shown = len(lines)
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
