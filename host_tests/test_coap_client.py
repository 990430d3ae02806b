"""The simulated BC66's CoAP client driven with AT commands (an ATClient plays the MCU)
against a scripted server: what AT+QLWUPDATE / QLWADDOBJ / QLWDELOBJ / QLWDEREG send, a
refused update, notifications (CON with the report's message id and the real ACK, NON),
the retransmission schedule of AT+QLWCFG="retransmit"/"retransmit_mode", a reset."""
import socket
import struct

from aiocoap import ACK, CON, NON, RST, Message
from aiocoap.numbers.codes import Code

from coap_fixtures import ScriptedServer
from sim_fixtures import attached_client


def start(sim_factory, srv, lifetime=60, cfg=(), **kw):
    """A registered module -> (sim, ATClient, the registration request). ``cfg``:
    AT+QLWCFG commands, in effect after the AT+QRST=1 that follows them."""
    sim, c = attached_client(sim_factory, coap=True, **kw)
    for line in cfg:
        assert c.cmd(line) == ["OK"]
    if cfg:
        boots = sim.modem.boots
        assert c.cmd("AT+QRST=1") == ["OK"]
        sim.wait_for(lambda: sim.modem.boots > boots and sim.attached)
        c.drain(0.05)
    assert c.cmd('AT+QLWCONFIG=0,"127.0.0.1",%d,"urn:imei:1",%d,3' % (srv.port, lifetime)) \
        == ["OK"]
    assert c.cmd("AT+QLWADDOBJ=3303,0,2,5700,5701") == ["OK"]
    assert c.wait_line("+QLWADDOBJ", timeout=20) == "+QLWADDOBJ: 0"
    assert c.cmd("AT+QLWREG") == ["OK"]
    reg = srv.accept_registration()
    assert c.wait_line("+QLWREG", timeout=20) == "+QLWREG: 0"
    return sim, c, reg


def next_to(srv, path, code=Code.POST):
    """The next request of ``code`` on ``path`` (automatic updates to others answered)."""
    while True:
        m = srv.recv()
        if m.code == code and "/".join(m.opt.uri_path) == path:
            return m
        srv.reply(m, Code.CHANGED)


def test_updates_carry_what_changed(sim_factory):
    srv = ScriptedServer()
    try:
        sim, c, reg = start(sim_factory, srv)
        assert "</3303/0>" in reg.payload.decode()
        # AT+QLWUPDATE=0,<lifetime> -> ?lt=, the status after the server's 2.04
        mid = int(c.cmd("AT+QLWUPDATE=0,200")[0].split(": ")[1])
        m = next_to(srv, "rd/5")
        assert m.opt.uri_query == ("lt=200",) and m.payload == b""
        srv.reply(m, Code.CHANGED)
        assert c.wait_line("+QLWUPDATE: 0", timeout=20) == "+QLWUPDATE: 0,%d" % mid
        # binding
        c.cmd("AT+QLWUPDATE=1,0")
        m = next_to(srv, "rd/5")
        assert m.opt.uri_query == ("b=U",)
        srv.reply(m, Code.CHANGED)
        assert c.wait_line("+QLWUPDATE: 0", timeout=20).startswith("+QLWUPDATE: 0,")
        # an object added / deleted: the update lists every object (note 5.7.2.3)
        c.cmd("AT+QLWADDOBJ=3316,0,1,5700")
        m = next_to(srv, "rd/5")
        assert int(m.opt.content_format) == 40
        assert m.payload.decode() == "</1/0>,</3/0>,</3303/0>,</3316/0>"
        srv.reply(m, Code.CHANGED)
        assert c.wait_line('+QLWURC: "ping"', timeout=20) == '+QLWURC: "ping",0'
        c.cmd("AT+QLWDELOBJ=3316")
        m = next_to(srv, "rd/5")
        assert m.payload.decode() == "</1/0>,</3/0>,</3303/0>"
        srv.reply(m, Code.CHANGED)
        assert c.wait_line('+QLWURC: "ping"', timeout=20) == '+QLWURC: "ping",0'
        # the server forgot us: 4.04 -> "ping",14 and the module registers again
        m = next_to(srv, "rd/5")
        srv.reply(m, Code.NOT_FOUND)
        assert c.wait_line('+QLWURC: "ping"', timeout=20) == '+QLWURC: "ping",14'
        srv.accept_registration()
        assert c.wait_line("+QLWREG", timeout=20) == "+QLWREG: 0"
        # de-registration deletes the registration the server made
        assert c.cmd("AT+QLWDEREG") == ["OK"]
        m = next_to(srv, "rd/5", Code.DELETE)
        srv.reply(m, Code.DELETED)
        assert c.wait_line("+QLWDEREG", timeout=20) == "+QLWDEREG: 0"
    finally:
        srv.close()


def observe(srv, c, path="3303/0/5700"):
    srv.mid += 1
    o = Message(code=Code.GET, uri_path=tuple(path.split("/")), observe=0)
    o.mtype, o.mid, o.token = CON, srv.mid, b"\x0b\x5e"
    srv.send(o)
    urc = c.wait_line('+QLWURC: "observe"', timeout=20)
    mid = int(urc.split(",")[1])
    assert c.cmd("AT+QLWOBSRSP=%d,1,3303,0,5700,4,4,21.5,0" % mid) == ["OK"]
    assert c.wait_line("+QLWOBSRSP", timeout=20) == "+QLWOBSRSP: 0"
    while True:
        r = srv.recv()
        if r.mtype == ACK and r.mid == o.mid:
            break
        srv.reply(r, Code.CHANGED)
    assert r.code == Code.CONTENT and r.opt.observe == 0 and r.payload == b"21.5"
    return o


def notification(srv):
    while True:
        m = srv.recv()
        if m.code == Code.CONTENT:
            return m
        srv.reply(m, Code.CHANGED)


def test_notifications_con_non_and_reset(sim_factory):
    srv = ScriptedServer()
    try:
        sim, c, _ = start(sim_factory, srv)
        o = observe(srv, c)
        # CON: the message id is the report's, the ACK gives report_ack 0
        assert c.cmd('AT+QLWNOTIFY=3303,0,5700,4,4,22.5,0,1') == ["OK"]
        mid = int(c.wait_line('+QLWURC: "report"', timeout=20).split(",")[1])
        n = notification(srv)
        assert (n.mtype, n.mid, n.token, n.opt.observe, n.payload) == \
            (CON, mid, o.token, 1, b"22.5")
        ack = Message(code=Code.EMPTY)
        ack.mtype, ack.mid, ack.token = ACK, n.mid, b""
        srv.send(ack)
        assert c.wait_line('+QLWURC: "report_ack"', timeout=20) == '+QLWURC: "report_ack",0,%d' % mid
        # NON
        assert c.cmd('AT+QLWNOTIFY=3303,0,5700,4,4,23.5,0,0') == ["OK"]
        assert c.wait_line("+QLWNOTIFY", timeout=20) == "+QLWNOTIFY: 0"
        n = notification(srv)
        assert (n.mtype, n.opt.observe, n.payload) == (NON, 2, b"23.5")
        # a reset cancels the observation: report_ack 9 (Reset)
        c.cmd('AT+QLWNOTIFY=3303,0,5700,4,4,24.5,0,1')
        mid = int(c.wait_line('+QLWURC: "report"', timeout=20).split(",")[1])
        n = notification(srv)
        rst = Message(code=Code.EMPTY)
        rst.mtype, rst.mid, rst.token = RST, n.mid, b""
        srv.send(rst)
        assert c.wait_line('+QLWURC: "report_ack"', timeout=20) == '+QLWURC: "report_ack",9,%d' % mid
        assert (3303, 0, 5700) not in sim.network.observations
    finally:
        srv.close()


SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)    # Linux; Python does not name it


def _recv_sent_at(srv):
    """The next datagram -> (message, the kernel's arrival time in s): on loopback the time
    it was sent, however late this thread reads it (SO_TIMESTAMPNS)."""
    size = struct.calcsize("ll")
    srv.sock.settimeout(30)
    data, anc, _, srv.client = srv.sock.recvmsg(65536, socket.CMSG_SPACE(size))
    (sec, nsec), = [struct.unpack("ll", d[:size]) for lvl, typ, d in anc
                    if (lvl, typ) == (socket.SOL_SOCKET, SO_TIMESTAMPNS)]
    return Message.decode(data, srv.client), sec + nsec / 1e9


def transmissions(srv, c, sim):
    """Send one CON notification the server never acknowledges -> the gaps (s) between its
    transmissions, as sent."""
    observe(srv, c)
    srv.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    c.cmd('AT+QLWNOTIFY=3303,0,5700,4,4,22.5,0,1')
    mid = int(c.wait_line('+QLWURC: "report"', timeout=20).split(",")[1])
    times = []
    while True:
        m, sent = _recv_sent_at(srv)
        if m.mtype == CON and m.mid == mid:
            times.append(sent)
            if len(times) == 4:
                break
        elif m.code != Code.CONTENT:
            srv.reply(m, Code.CHANGED)
    assert c.wait_line('+QLWURC: "report_ack"', timeout=20) == \
        '+QLWURC: "report_ack",1,%d' % mid
    return [b - a for a, b in zip(times, times[1:])]


def test_retransmission_follows_qlwcfg(sim_factory):
    """retransmit 1 s, 3 times: mode 0 doubles the wait, mode 1 keeps it. A busy machine
    only makes a retransmission late, never early: each gap is at least its wait; mode 1's
    gaps stay below the 4 s (0.8 real s) that doubling would give at the third."""
    for mode, scale, waits in ((0, 0.1, (1, 2, 4)), (1, 0.2, (1, 1, 1))):
        srv = ScriptedServer()
        try:
            cfg = ('AT+QLWCFG="retransmit",1,3', 'AT+QLWCFG="retransmit_mode",%d' % mode)
            sim, c, _ = start(sim_factory, srv, cfg=cfg, time_scale=scale)
            assert sim.modem.cfg("retransmit") == [1, 3]
            gaps = [g / scale for g in transmissions(srv, c, sim)]    # module-seconds
            assert len(gaps) == 3
            assert all(g > 0.95 * w for g, w in zip(gaps, waits)), (mode, gaps)
            if mode == 1:
                assert max(gaps) < 4, gaps
        finally:
            srv.close()


def test_buffered_access_mode(sim_factory):
    # access_mode 1: a server request waits in the module's buffer for AT+QLWRD
    srv = ScriptedServer()
    try:
        sim, c, _ = start(sim_factory, srv, cfg=('AT+QLWCFG="access_mode",1',))
        srv.mid += 1
        get = Message(code=Code.GET, uri_path=("3303", "0", "5701"))
        get.mtype, get.mid, get.token = CON, srv.mid, b"\x42"
        srv.send(get)
        assert c.wait_line('+QLWURC: "buffer"', timeout=20) == '+QLWURC: "buffer"'
        lines = c.cmd("AT+QLWRD")
        assert lines[0].startswith('+QLWRD: 0,"read",') and lines[-1] == "OK"
        mid = int(lines[0].split(",")[2])
        assert lines[0].endswith(",3303,0,5701")
        assert c.cmd('AT+QLWRDRSP=%d,1,3303,0,5701,1,3,"Cel",0' % mid) == ["OK"]
        while True:
            r = srv.recv()
            if r.mtype == ACK and r.mid == get.mid:
                break
            srv.reply(r, Code.CHANGED)
        assert (r.code, r.payload) == (Code.CONTENT, b"Cel")
    finally:
        srv.close()
