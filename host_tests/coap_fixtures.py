"""Fixtures for the CoAP tests: a scripted LwM2M server (``ScriptedServer``), a lossy UDP
relay (``udp_proxy``), and for the tests against Eclipse Wakaama's ``lwm2mserver``
(tools/wakaama.py) the firmware on the unix port behind the simulated BC66 in CoAP mode
(``coap_node``, ``waka_factory``). All on 127.0.0.1. The Wakaama tests skip where the
vendored sources are absent; required in CI."""
import socket
import time

import pytest
from aiocoap import ACK, CON, Message
from aiocoap.numbers.codes import Code

from tools.board import vendor
from tools import wakaama
from tools.bc66sim import Simulator
from tools.board.nodeproc import Firmware, default_config

REGISTERED = r"New client #(\d+) registered"


def need_wakaama():
    """Build lwm2mserver once -> its path; skip (fail in CI) when it cannot be built."""
    why = wakaama.available()
    if why:
        vendor.missing(why)
    return wakaama.build()


@pytest.fixture
def waka_factory(tmp_path):
    """make(port=None) -> a started Wakaama on a free UDP port (or ``port``)."""
    need_wakaama()
    made = []

    def make(port=None):
        w = wakaama.Wakaama(port or wakaama.free_udp_port()).start()
        made.append(w)
        return w

    yield make
    for w in made:
        w.stop()


@pytest.fixture
def coap_node(tmp_path):
    """start(port, sim_opts=None, **config) -> (sim, fw): the firmware against a simulated
    BC66 whose LwM2M client talks CoAP to 127.0.0.1:port."""
    made = []

    def start(port, sim_opts=None, **over):
        opts = dict(time_scale=0.05, attach_s=0.5, seed=3, response_timeout_s=20.0, coap=True,
                    transcript=str(tmp_path / "bc66.log"))
        opts.update(sim_opts or {})
        sim = Simulator(**opts).start()
        made.append(sim)
        over.setdefault("server", {"host": "127.0.0.1", "port": port})
        over.setdefault("report_interval_s", 1)
        cfg = default_config(str(tmp_path / "state"), **over)
        fw = Firmware(sim.device, str(tmp_path / "node"), config=cfg).start()
        made.append(fw)
        return sim, fw

    yield start
    for x in reversed(made):
        x.stop()


def client_id(w, start=0, timeout=60):
    """Wait for Wakaama's registration line -> the client number it gave."""
    return int(w.wait_line(REGISTERED, timeout=timeout, start=start).group(1))


def ask(w, command, pattern, timeout=30):
    """Send one Wakaama command, wait for an output line matching ``pattern`` after it ->
    (match, the output since the command)."""
    mark = w.mark()
    w.command(command)
    m = w.wait_line(pattern, timeout=timeout, start=mark)
    return m, w.text(mark)


def node_log_tail(fw, n=30):
    return "\n".join(fw.lines[-n:])





class UdpProxy:
    """A UDP relay on 127.0.0.1 between the simulated module and the server that can lose
    datagrams: ``drop_up`` (module -> server) and ``drop_down`` (server -> module).
    ``up`` / ``down`` list every datagram seen, with ``True`` where it was dropped."""

    def __init__(self, server_port):
        import socket
        import threading
        self.server = ("127.0.0.1", server_port)
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind(("127.0.0.1", 0))
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.back.bind(("127.0.0.1", 0))
        self.port = self.front.getsockname()[1]
        self.client = None
        self.drop_up = self.drop_down = False
        self.up, self.down = [], []
        self._running = True
        for fn in (self._pump_up, self._pump_down):
            threading.Thread(target=fn, daemon=True).start()

    def _pump_up(self):
        while self._running:
            try:
                data, addr = self.front.recvfrom(65536)
                self.client = addr
                self.up.append((data, self.drop_up))
                if not self.drop_up:
                    self.back.sendto(data, self.server)
            except OSError:          # closed
                return

    def _pump_down(self):
        while self._running:
            try:
                data, _ = self.back.recvfrom(65536)
                self.down.append((data, self.drop_down))
                if not self.drop_down and self.client:
                    self.front.sendto(data, self.client)
            except OSError:
                return

    def close(self):
        self._running = False
        self.front.close()
        self.back.close()


@pytest.fixture
def udp_proxy():
    made = []

    def make(server_port):
        p = UdpProxy(server_port)
        made.append(p)
        return p

    yield make
    for p in made:
        p.close()


class ScriptedServer:
    """A UDP socket on 127.0.0.1 playing an LwM2M server, one datagram at a time."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.client = None
        self.mid = 1000
        self.updates = []

    def recv(self, timeout=30.0):
        self.sock.settimeout(timeout)
        data, self.client = self.sock.recvfrom(65536)
        return Message.decode(data, self.client)

    def send(self, msg):
        self.sock.sendto(msg.encode(), self.client)

    def accept_registration(self, timeout=30.0):
        """Wait for POST /rd, answer 2.01 with Location-Path rd/5 -> the request."""
        while True:
            m = self.recv(timeout)
            if m.code == Code.POST and tuple(m.opt.uri_path) == ("rd",):
                r = Message(code=Code.CREATED, location_path=("rd", "5"))
                r.mtype, r.mid, r.token = ACK, m.mid, m.token
                self.send(r)
                return m

    def answer_updates_until(self, done, timeout=60.0):
        """Answer the node's updates (POST /rd/5, 2.04), as a server does, until ``done()``
        is true -> the updates answered; TimeoutError after ``timeout`` s."""
        end = time.time() + timeout
        n = 0
        while not done():
            if time.time() > end:
                raise TimeoutError("still waiting after %d updates answered" % n)
            try:
                m = self.recv(0.2)
            except socket.timeout:
                continue
            if m.code == Code.POST and tuple(m.opt.uri_path) == ("rd", "5"):
                self.updates.append(m)
                n += 1
                r = Message(code=Code.CHANGED)
                r.mtype, r.mid, r.token = ACK, m.mid, m.token
                self.send(r)
        return n

    def request(self, code, path, payload=b"", accept=None, cf=None, query=(), raw=None):
        """One CON request -> its piggybacked answer (updates meanwhile are answered)."""
        if raw is None:
            self.mid += 1
            msg = Message(code=code, uri_path=tuple(path.strip("/").split("/")),
                          uri_query=query, payload=payload)
            msg.mtype, msg.mid, msg.token = CON, self.mid, self.mid.to_bytes(2, "big")
            if accept is not None:
                msg.opt.accept = accept
            if cf is not None:
                msg.opt.content_format = cf
            raw = msg.encode()
        self.sock.sendto(raw, self.client)
        want = Message.decode(raw).mid
        while True:
            m = self.recv()
            if m.mtype == ACK and m.mid == want:
                return m
            if m.code == Code.POST and tuple(m.opt.uri_path) == ("rd", "5"):
                self.updates.append(m)
                r = Message(code=Code.CHANGED)
                r.mtype, r.mid, r.token = ACK, m.mid, m.token
                self.send(r)

    def close(self):
        self.sock.close()

    def reply(self, req, code, **options):
        """Answer ``req`` (piggybacked on the ACK) with ``code`` and options."""
        r = Message(code=code, **options)
        r.mtype, r.mid, r.token = ACK, req.mid, req.token
        self.send(r)
