"""The note's back-off cases 1-4 (3.3) and auto-registration cases 1-3 (3.4), each seen
from the node: the firmware on the unix port against the simulated BC66."""
import json

import pytest


def regs(sim, start=0):
    return [c for c in sim.commands[start:] if c == "AT+QLWREG"]


def retries(fw):
    return [x for x in fw.lines if "retry in" in x]


@pytest.mark.parametrize("bootstrap", [True, False], ids=["case1-bootstrap", "case2-server"])
def test_backoff_cases_1_2_registration_gives_up(node_factory, bootstrap):
    """Cases 1 and 2: the module's own retries end in +QLWREG: 1 (bootstrap server, or the
    LwM2M server after a good bootstrap): the node backs off, then registers again."""
    sim, fw = node_factory(before=lambda s: s.faults.fail_registration(1), wait_registered=False,
                           server={"host": "bootp.example.net", "port": 5684 if bootstrap else 5683,
                                   "bootstrap": bootstrap})
    sim.wait_status(2, timeout=30)
    assert len(regs(sim)) == 2 and len(retries(fw)) == 1
    if bootstrap:
        fw.wait_log(r"bootstrap finished", timeout=5)
    assert sim.server.read("3303/0/5701", timeout=5).value == "Cel"


def test_backoff_case_3_failed_update_reregistration_fails(node):
    """Case 3: an update fails, the module registers again by itself and that fails too
    (+QLWREG: 1 nobody asked for): the node backs off and registers."""
    sim, fw = node
    n = len(sim.commands)
    sim.faults.fail_update(1)
    sim.faults.fail_registration(1)
    sim.server.update_trigger()
    fw.wait_log(r"update failed \(status 4\)", timeout=10)
    fw.wait_log(r"retry in", timeout=10)
    sim.wait_for(lambda: regs(sim, n) and sim.status == 2, 30)
    assert sim.server.read("3303/0/5701", timeout=5).value == "Cel"


def test_failed_binding_update_then_failed_reregistration_backs_off(node_factory):
    """Case 3 under the node's own update: the update that applies the configured binding
    right after the registration fails (ping 4), and the module's own re-registration
    fails too (+QLWREG: 1 nobody asked for): the node backs off and registers again."""
    def faults(sim):
        sim.faults.fail_update(1)  # the node's AT+QLWUPDATE=1,0 (the binding)
        sim.faults.fail_registration(1, after=1)  # the module's own re-registration
    sim, fw = node_factory(before=faults, wait_registered=False)
    fw.wait_log(r"update failed \(status 4\)", timeout=20)
    fw.wait_log(r"retry in", timeout=20)
    sim.wait_for(lambda: len(regs(sim)) >= 2 and sim.status == 2, 30)
    assert sim.server.read("3303/0/5701", timeout=5).value == "Cel"


def test_backoff_case_4_recovery_fails_after_deep_sleep(node_factory):
    """Case 4: the module wakes after the lifetime ran out, its recovery fails, its own
    re-registration fails: the node registers again after backing off."""
    sim, fw = node_factory(qlwcfg={"recovery_mode": 0})
    n = len(sim.commands)
    sim.sleep_now()
    with sim.lock:  # the registration's lifetime ran out while the module slept
        sim.modem._last_update -= 10 * 300 * sim.time_scale
    sim.faults.fail_registration(1)
    sim.wake()
    sim.wait_for(lambda: any('"recovered",3' in x for x in sim.transcript.lines), 10)
    sim.wait_for(lambda: regs(sim, n) and sim.status == 2, 40)
    assert sim.server.read("3303/0/5701", timeout=5).value == "Cel"


def _tmobile_nvram(path, auto_reg=1):
    # what a T-Mobile USIM makes the module compute on its first boot (note 3.4 case 1)
    with open(path, "w") as f:
        json.dump({"config": [1, "bootp.iot.t-mobile.com", 5584, "urn:imei:867997030052996", 900,
                              3, None, None],
                   "cfg": {"auto_reg": [auto_reg]}, "objects": [], "context": {}}, f)


def test_autoreg_case_1_module_registers_on_its_own(node_factory):
    """Case 1: a T-Mobile USIM's first boot: the module configures the T-Mobile bootstrap
    server itself and registers after attaching; a node configured for that server adds
    its objects and never sends AT+QLWREG or rewrites the configuration."""
    sim, fw = node_factory(sim_opts={"tmobile": True},
                           server={"host": "bootp.iot.t-mobile.com", "port": 5584, "bootstrap": True},
                           lifetime=900, security="psk", psk_id="urn:imei:867997030052996",
                           psk=_tmobile_psk(), qlwcfg={"auto_reg": 1})
    fw.wait_log(r"registered", timeout=10)
    assert any("T-Mobile USIM first boot" in x for x in sim.transcript.lines)
    assert regs(sim) == []
    assert not [c for c in sim.commands if c.startswith("AT+QLWCONFIG=")]
    sim.wait_for(lambda: any(c.startswith("AT+QLWADDOBJ=3303") for c in sim.commands), 10)
    assert _tmobile_psk() not in "".join(fw.lines)  # the PSK never reaches a log line


def _tmobile_psk():
    # the PSK the simulated module derives from its IMEI (867997030052996)
    v = int("052996") * 2654435761
    return "".join("%02X" % ((v >> (8 * (i % 4))) & 255) for i in range(32))


def test_autoreg_case_3_other_settings_cfun0_configure_cfun1(node_factory, tmp_path):
    """Case 3: auto-registered with settings the application does not want: AT+CFUN=0,
    configure, AT+CFUN=1 (the module then registers with the new settings)."""
    nv = str(tmp_path / "nvram.json")
    _tmobile_nvram(nv)
    sim, fw = node_factory(sim_opts={"nvram": nv}, qlwcfg={"auto_reg": 1}, wait_registered=False)
    fw.wait_log(r"note 3.4 case 3", timeout=20)
    sim.wait_for(lambda: "AT+CFUN=1" in sim.commands, 10)
    c = sim.commands
    i0, i1 = c.index("AT+CFUN=0"), c.index("AT+CFUN=1")
    assert any(x.startswith("AT+QLWCONFIG=0,\"leshan.example.net\"") for x in c[i0:i1])
    sim.wait_for(lambda: sim.status == 2 and sim.nvram.data["config"][1] == "leshan.example.net", 30)
    # the node's own "registered" (objects added): the module's registration alone is too early
    # for a server read
    case3 = next(i for i, x in enumerate(fw.lines) if "note 3.4 case 3" in x)
    fw.wait_log(r"node: registered", timeout=10, start=case3)
    assert sim.server.read("3303/0/5701", timeout=5).value == "Cel"
