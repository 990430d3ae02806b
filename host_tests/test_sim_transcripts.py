"""Replays of every literal transcript in the note's chapter 5 (5.1 to 5.8), and the
chapter 4 examples, byte for byte on the module side.

Script lines: `> cmd` the MCU sends cmd; `< text` the module must send b"\\r\\n" text
b"\\r\\n" next (consecutive `<` lines are read as one block and compared exactly);
`~ cmd` the MCU sends cmd and nothing comes back (lost after a wake); `! action args`
acts on the simulator (server requests, message ids, sleep, wake).

The examples are the note's own words for the lenient side of several readings (float
<len> 4 for "88.88", AT+QLWWRRSP, no URC after AT+QLWUPDATE): they replay with every
reading lenient (tools/bc66sim/readings.py); test_sim_readings.py shows the strict side.
"""
import pytest

from tools.bc66sim.client import ATClient
from tools.bc66sim.modem import BANNER
from tools.bc66sim.nvram import NVRAM

PSK = "3083693CF1E6766A2408BFD88278249A2DB498B40A6BF6049300FD47DE325CFC"
TMO_CONFIG = ('AT+QLWCONFIG=1,"bootp.iot.t-mobile.com",5584,"urn:imei:867997030052996",900,0,'
              '"urn:imei:867997030052996","%s"' % PSK)
BS_URCS = """\
< +QLWURC: "lifetime_changed",30
< +QLWURC: "min_period_changed",1
< +QLWURC: "max_period_changed",3600
< +QLWURC: "binding_changed","UQ"
< +QLWURC: "bs_finished"
"""
BOOT = "\n".join("< " + x for x in BANNER) + "\n< RDY\n< +CFUN: 1\n< +CPIN: READY\n"
WAKE = "\n".join("< " + x for x in BANNER) + "\n< +CPIN: READY\n"


class Replayer:
    def __init__(self, sim, client):
        self.sim, self.c = sim, client
        self.pending = []

    def run(self, script, answered=True):
        lines = [x.rstrip() for x in script.strip("\n").splitlines()]
        lines = [x for x in lines if x and not x.startswith("#")]
        i = 0
        while i < len(lines):
            op, _, arg = lines[i].partition(" ")
            if op == "<":
                block = []
                while i < len(lines) and lines[i].startswith("< "):
                    block.append(lines[i][2:])
                    i += 1
                exp, got = self.c.expect(block, timeout=3.0)
                assert got == exp, "expected %r\n     got %r" % (exp, got)
                continue
            if op in (">", "~"):
                self.c.send(arg)
                if op == "~":
                    assert self.c.drain(0.05, 0.5) == b""
            elif op == "!":
                self.action(*arg.split())
            else:
                raise ValueError(lines[i])
            i += 1
        for p in self.pending if answered else ():
            r = p.wait(3.0)
            assert r.result in (1, 2), r

    def action(self, name, *a):
        srv = self.sim.server
        if name == "msgid":
            self.sim.set_next_msgid(int(a[0]))
        elif name in ("read", "execute", "observe"):
            fn = getattr(srv, name)
            self.pending.append(fn(a[0], msgid=int(a[1]), block=False))
        elif name == "write":
            self.pending.append(srv.write(a[0], int(a[1]), bytes.fromhex(a[2]),
                                          msgid=int(a[3]), block=False))
        elif name == "update_trigger":
            srv.update_trigger()
        elif name == "sleep":
            self.sim.sleep_now()
        elif name == "wake":
            self.sim.wake()
        else:
            raise ValueError(name)


def replay(sim, script, client=None, answered=True):
    c = client or ATClient(sim.device)
    try:
        Replayer(sim, c).run(script, answered)
    finally:
        if client is None:
            c.close()


@pytest.fixture
def sim_factory(sim_factory):
    """The note's examples: every reading at its lenient value."""
    def make(**kw):
        kw.setdefault("readings", "lenient")
        return sim_factory(**kw)
    return make


@pytest.fixture
def booted(sim_factory):
    """A started simulator whose boot output has been consumed (attached)."""
    def make(**kw):
        s = sim_factory(**kw)
        c = ATClient(s.device)
        s.wait_for(lambda: s.attached, 5)
        c.drain(0.02)
        return s, c
    return make


def test_5_1_auto_registration(tmp_path, sim_factory):
    nv = NVRAM(str(tmp_path / "nv.json"))
    nv["config"] = [0, "leshan.eclipse.org", 5683, "urn:imei:867997030052996", 900, 3, None, None]
    nv["cfg"]["auto_reg"] = [1]
    nv.save()
    sim = sim_factory(nvram=nv.path, ip="100.119.77.254")
    replay(sim, BOOT + """
< +IP: 100.119.77.254
< +QLWREG: 0
! msgid 38177
> AT+QLWUPDATE=0,1000
< +QLWUPDATE: 38177
< OK
< +QLWUPDATE: 0,38177
> AT+QLWDEREG
< OK
< +QLWDEREG: 0
""")


def test_5_2_registration_persistence_across_reboot(tmp_path, sim_factory):
    path = str(tmp_path / "nv.json")
    first = sim_factory(nvram=path)
    replay(first, BOOT + """
< +IP: 100.88.40.249
> AT+QLWCFG="auto_reg",1
< OK
> AT+QLWCFG="per_regstatus_feat",0
< OK
> AT+QLWCONFIG=0,"leshan.eclipse.org",5683,"urn:imei:866971030000717",900,3
< OK
> AT+QLWREG
< OK
< +QLWREG: 0
""")
    first.stop()
    sim = sim_factory(nvram=path, ip="100.118.64.171")
    replay(sim, BOOT + """
< +IP: 100.118.64.171
< +QLWURC: "ping",0
> AT+QLWDEREG
< OK
< +QLWDEREG: 0
""")


def test_5_3_manual_registration(booted):
    sim, c = booted(time_scale=0.1)
    replay(sim, """
> AT+CEREG?
< +CEREG: 0,1
< OK
> AT+CGPADDR=1
< +CGPADDR: 1,100.88.40.249
< OK
> %s
< OK
> AT+QLWREG
< OK
%s< +QLWREG: 0
! msgid 59797
> AT+QLWUPDATE=0,1000
< +QLWUPDATE: 59797
< OK
< +QLWUPDATE: 0,59797
> AT+QLWDEREG
< OK
< +QLWDEREG: 0
""" % (TMO_CONFIG, BS_URCS), c)


def test_5_4_custom_object_operations(booted):
    sim, c = booted(time_scale=0.2)
    replay(sim, """
> AT+CEREG?
< +CEREG: 0,1
< OK
> AT+CGPADDR=1
< +CGPADDR: 1,100.88.40.249
< OK
> AT+QLWCONFIG=0,220.180.239.212,8085,"Test_dev",30,3
< OK
> AT+QLWREG
< OK
< +QLWREG: 0
> AT+QLWADDOBJ=9,0,5,0,1,2,3,4
< OK
< +QLWADDOBJ: 0
< +QLWURC: "ping",0
> AT+QLWADDOBJ=19,0,4,0,1,2,3
< OK
< +QLWADDOBJ: 0
< +QLWURC: "ping",0
> AT+QLWADDOBJ=19,1,4,0,1,2,3
< OK
< +QLWADDOBJ: 0
< +QLWURC: "ping",0
> AT+QLWADDOBJ?
< +QLWADDOBJ: 9,0,5,0,1,2,3,4
< +QLWADDOBJ: 19,0,4,0,1,2,3
< +QLWADDOBJ: 19,1,4,0,1,2,3
< OK
! read 9/0/0 32191
< +QLWURC: "read",32191,9,0,0
> AT+QLWRDRSP=32191,1,9,0,0,1,7,"quectel",0
< OK
< +QLWRDRSP: 0
! write 9/0/3 2 31 32193
< +QLWURC: "write",32193,9,0,3,2,1,"31",0
> AT+QLWWRRSP=32193,2
< OK
< +QLWWRRSP: 0
! execute 9/0/4 32198
< +QLWURC: "execute",32198,9,0,4
> AT+QLWEXERSP=32198,2
< OK
< +QLWEXERSP: 0
! observe 9/0/0 32201
< +QLWURC: "observe",32201,0,9,0,0
> AT+QLWOBSRSP=32201,1,9,0,0,1,7,"quectel",0
< OK
< +QLWOBSRSP: 0
! msgid 34180
> AT+QLWNOTIFY=9,0,0,1,10,"0123456789",0,1
< OK
< +QLWURC: "report",34180
< +QLWNOTIFY: 0
< +QLWURC: "report_ack",0,34180
""", c)
    n = sim.notifications[-1]
    assert (n.path, n.value, n.con, n.msgid, n.acked) == ("9/0/0", "0123456789", True, 34180, True)
    assert [r.result for r in sim.server.log] == [1, 2, 2, 1]
    assert sim.server.log[0].values == [(9, 0, 0, 1, "quectel")]


def test_5_5_manual_recovery(booted):
    sim, c = booted(time_scale=0.2)
    replay(sim, """
> AT+CEREG?
< +CEREG: 0,1
< OK
> AT+CGPADDR=1
< +CGPADDR: 1,100.88.40.249
< OK
> AT+QLWCFG="recovery_mode",1
< OK
> %s
< OK
> AT+QLWREG
< OK
%s< +QLWREG: 0
! sleep
! wake
%s~ AT
> AT+QLWSTATUS?
< +QLWSTATUS: 7
< OK
> AT+QLWRECOVER
< OK
< +QLWURC: "recovered",0
""" % (TMO_CONFIG, BS_URCS, WAKE), c)
    assert sim.status == 2


def test_5_6_register_to_leshan(booted):
    sim, c = booted(ip="100.97.37.69")
    replay(sim, """
> AT+QLWCONFIG=0,"leshan.eclipse.org",5683,"urn:imei:866971030000717",900,3
< OK
> AT+QLWCONFIG=0,"leshan.eclipse.org",5684,"urn:imei:867997030056338",900,0,"urn:imei:867997030056338","30313233343536373839"
< OK
> AT+CEREG?
< +CEREG: 0,1
< OK
> AT+CGPADDR?
< +CGPADDR: 1,100.97.37.69
< OK
> AT+QLWCONFIG=0,"leshan.eclipse.org",5684,"urn:imei:867997030056338",900,0,"urn:imei:867997030056338","30313233343536373839"
< OK
> AT+QLWREG
< OK
< +QLWREG: 0
> AT+QLWSTATUS?
< +QLWSTATUS: 2
< OK
""", c)


def test_5_7_1_server_update(booted):
    sim, c = booted()
    replay(sim, """
> AT+QLWCONFIG=0,"leshan.eclipse.org",5683,"urn:imei:866971030000717",900,3
< OK
> AT+QLWREG
< OK
< +QLWREG: 0
! update_trigger
< +QLWURC: "ping",0
""", c)


def test_5_7_2_1_lifetime_and_auto_update(booted):
    sim, c = booted(ip="100.97.37.69", time_scale=0.02)
    replay(sim, """
> AT+CEREG?
< +CEREG: 0,1
< OK
> AT+CGPADDR?
< +CGPADDR: 1,100.97.37.69
< OK
> AT+QLWCONFIG=0,"leshan.eclipse.org",5683,"urn:imei:866971030000717",30,3
< OK
> AT+QLWREG
< OK
< +QLWREG: 0
< +QLWURC: "ping",0
! msgid 35270
> AT+QLWUPDATE=0,200
< +QLWUPDATE: 35270
< OK
< +QLWUPDATE: 0,35270
""", c)
    assert sim.modem.lifetime == 200


def test_5_7_2_2_binding_update(booted):
    sim, c = booted()
    replay(sim, """
> AT+QLWCONFIG=0,"leshan.eclipse.org",5683,"urn:imei:866971030000717",900,3
< OK
> AT+QLWREG
< OK
< +QLWREG: 0
! msgid 38296
> AT+QLWUPDATE=1,0
< +QLWUPDATE: 38296
< OK
< +QLWUPDATE: 0,38296
""", c)
    assert sim.modem.binding == "U"


def test_5_7_2_3_object_list_update(booted):
    sim, c = booted(ip="100.97.37.69")
    replay(sim, """
> AT+CEREG?
< +CEREG: 0,1
< OK
> AT+CGPADDR?
< +CGPADDR: 1,100.97.37.69
< OK
> AT+QLWCONFIG=0,"leshan.eclipse.org",5683,"urn:imei:866971030000717",3000,3
< OK
> AT+QLWREG
< OK
< +QLWREG: 0
> AT+QLWADDOBJ=3303,0,3,5601,5602,5603
< OK
< +QLWADDOBJ: 0
< +QLWURC: "ping",0
""", c)


REG_3303 = """
> AT+QLWCONFIG=0,"leshan.eclipse.org",5683,"urn:imei:866971030000717",900,3
< OK
> AT+QLWREG
< OK
< +QLWREG: 0
> AT+QLWADDOBJ=3303,0,7,5601,5602,5603,5604,5605,5700,5701
< OK
< +QLWADDOBJ: 0
< +QLWURC: "ping",0
"""


def test_5_8_custom_object_on_leshan(booted):
    sim, c = booted()
    replay(sim, REG_3303 + """
! observe 3303/0/5601 16987
< +QLWURC: "observe",16987,0,3303,0,5601
> AT+QLWOBSRSP=16987,1,3303,0,5601,4,4,88.88,0
< OK
< +QLWOBSRSP: 0
! observe 3303/0 16988
< +QLWURC: "observe",16988,0,3303,0,-1
> AT+QLWOBSRSP=16988,1,3303,0,5601,4,4,88.88,0
< OK
< +QLWOBSRSP: 0
! msgid 17111
> AT+QLWNOTIFY=3303,0,5601,4,4,88.88,0,1
< OK
< +QLWURC: "report",17111
< +QLWNOTIFY: 0
< +QLWURC: "report_ack",0,17111
! read 3303/0/5601 17123
< +QLWURC: "read",17123,3303,0,5601
> AT+QLWRDRSP=17123,1,3303,0,5601,4,4,66.66,0
< OK
< +QLWRDRSP: 0
! execute 3303/0/5605 27452
< +QLWURC: "execute",27452,3303,0,5605
> AT+QLWEXERSP=27452,2
< OK
< +QLWEXERSP: 0
""", c)
    assert sim.server.log[0].values == [(3303, 0, 5601, 4, 88.88)]
    assert sim.server.log[2].value == 66.66


def test_3_2_2_custom_object_example(booted):
    sim, c = booted()
    replay(sim, REG_3303 + """
> AT+QLWADDOBJ?
< +QLWADDOBJ: 3303,0,7,5601,5602,5603,5604,5605,5700,5701
< OK
""", c)


def test_4_2_2_qlwcfg_example(booted):
    sim, c = booted()
    script = """
> AT+QLWCFG?
< +QLWCFG: "auto_reg",0
< +QLWCFG: "per_regstatus_feat",0
< +QLWCFG: "rai_enable",0
< +QLWCFG: "retransmit",2,4
< +QLWCFG: "auto_ack",0
< +QLWCFG: "access_mode",0
< +QLWCFG: "recovery_mode",0
< +QLWCFG: "retransmit_mode",0
< OK
"""
    for s in ('"auto_reg",1', '"per_regstatus_feat",1', '"rai_enable",1', '"retransmit",4,3',
              '"auto_ack",1', '"access_mode",1', '"recovery_mode",1', '"retransmit_mode",1'):
        script += "> AT+QLWCFG=%s\n< OK\n" % s
    replay(sim, script, c)


def test_4_2_6_and_4_2_7_add_and_delete_objects(booted):
    sim, c = booted()
    script = ""
    for i in range(4):
        script += "> AT+QLWADDOBJ=3303,%d,3,5601,5602,5603\n< OK\n< +QLWADDOBJ: 0\n" % i
    script += "> AT+QLWADDOBJ?\n"
    script += "".join("< +QLWADDOBJ: 3303,%d,3,5601,5602,5603\n" % i for i in range(4))
    script += "< OK\n> AT+QLWADDOBJ=17,0,1,0\n< OK\n< +QLWADDOBJ: 0\n"
    script += "> AT+QLWDELOBJ=17\n< OK\n< +QLWDELOBJ: 0\n"
    replay(sim, script, c)


def test_4_2_8_to_4_2_11_response_examples(booted):
    sim, c = booted()
    replay(sim, """
> AT+QLWCONFIG=0,"leshan.eclipse.org",5683,"urn:imei:866971030000717",900,3
< OK
> AT+QLWADDOBJ=9,0,1,0
< OK
< +QLWADDOBJ: 0
> AT+QLWADDOBJ=15,0,1,5
< OK
< +QLWADDOBJ: 0
> AT+QLWREG
< OK
< +QLWREG: 0
! read 9/0/0 62953
< +QLWURC: "read",62953,9,0,0
> AT+QLWRDRSP=62953,1,9,0,0,1,5,"abcde",0
< OK
< +QLWRDRSP: 0
! write 9/0/0 2 5155454354454C 36560
< +QLWURC: "write",36560,9,0,0,2,7,"5155454354454C",0
> AT+QLWRRSP=36560,2
< OK
< +QLWRRSP: 0
! execute 15/0/5 39040
< +QLWURC: "execute",39040,15,0,5
> AT+QLWEXERSP=39040,2
< OK
< +QLWEXERSP: 0
! observe 9/0/0 624
< +QLWURC: "observe",624,0,9,0,0
> AT+QLWOBSRSP=624,1,9,0,0,1,5,"abcde",0
< OK
< +QLWOBSRSP: 0
""", c)


def test_4_2_13_buffered_read_example(booted):
    sim, c = booted()
    replay(sim, """
> AT+QLWCFG="access_mode",1
< OK
> AT+QLWCONFIG=0,"leshan.eclipse.org",5683,"urn:imei:866971030000717",900,3
< OK
> AT+QLWADDOBJ=9,0,1,0
< OK
< +QLWADDOBJ: 0
""", c)
    sim.reboot()                      # AT+QLWCFG takes effect after a reboot
    sim.wait_for(lambda: sim.attached, 5)
    c.drain(0.02)
    replay(sim, """
> AT+QLWREG
< OK
< +QLWREG: 0
! observe 9/0/0 36580
< +QLWURC: "buffer"
! observe 9/0/0 36581
! read 9/0/0 36582
! execute 9/0/0 36583
! observe 9/0/0 36584
> AT+QLWRD?
< +QLWRD: 5
< OK
> AT+QLWRD
< +QLWRD: 4,"observe",36580,0,9,0,0
< OK
> AT+QLWRD
< +QLWRD: 3,"observe",36581,0,9,0,0
< OK
""", c, answered=False)
    assert sorted(sim.server.pending) == [36580, 36581, 36582, 36583, 36584]
