"""Issue 17 item 4, end to end (firmware on the unix port, simulated BC66): the node obeys
what the module reports and needs: the lifetime it reports drives the duty plan, the
configured binding is applied whatever the module registered with, AT+QLWCFG settings get
the reboot that applies them, uplinks wait while the network is lost."""
import re

import pytest


def test_configured_binding_U_is_applied_over_the_modules_UQ(node_factory):
    """The simulator registers in UQ (the note's 5.3 shows a module in UQ); a configured
    "U" must be applied (AT+QLWUPDATE=1,0) and the server reads U back from 1/0/7."""
    sim, fw = node_factory(binding="U")
    fw.wait_log(r"binding U$", timeout=10)
    c = sim.commands
    assert c.index("AT+QLWUPDATE=1,0") > c.index("AT+QLWREG")
    sim.wait_for(lambda: sim.modem.binding == "U", 5)
    r = sim.server.read("1/0/7", timeout=5)
    assert r.result == 1 and r.value == "U", r


def test_configured_binding_UQ_is_applied_and_read_back(node_factory):
    sim, fw = node_factory(binding="UQ")
    fw.wait_log(r"binding UQ$", timeout=10)
    assert sim.commands.index("AT+QLWUPDATE=1,1") > sim.commands.index("AT+QLWREG")
    assert sim.server.read("1/0/7", timeout=5).value == "UQ"


def test_access_mode_1_gets_the_reboot_that_applies_it(node_factory):
    """Note 4.2.2: AT+QLWCFG settings take effect after rebooting. The node reboots the
    module (AT+QRST=1), waits for its boot, reads the settings back, and the module then
    buffers server requests (access_mode 1): answered through AT+QLWRD."""
    sim, fw = node_factory(qlwcfg={"access_mode": 1})
    c = sim.commands
    w = c.index('AT+QLWCFG="access_mode",1')
    assert c.index("AT+QRST=1") > w
    assert "AT+QLWCFG?" in c[c.index("AT+QRST=1"):]  # re-checked after the boot
    assert c.index("AT+QLWREG") > c.index("AT+QRST=1")
    assert sim.modem.cfg("access_mode") == [1]  # in effect, not only saved
    fw.wait_log(r"rebooting the module to apply them", timeout=5)
    r = sim.server.read("3303/0/5701", timeout=10)
    assert r.result == 1 and r.value == "Cel"
    assert "AT+QLWRD" in sim.commands
    assert sim.commands.count("AT+QRST=1") == 1  # once: the settings were kept


def test_settings_the_module_does_not_keep_are_a_typed_error_not_a_reboot_loop(node_factory):
    """A module that forgets the settings over its reboot: one reboot, then
    SettingsNotKept (backed off and retried), never a loop of reboots."""
    def forgetful(sim):
        real = sim.modem.lw_boot

        def boot(cold):
            sim.nvram.data["cfg"]["auto_ack"] = [0]
            real(cold)
        sim.modem.lw_boot = boot
    sim, fw = node_factory(qlwcfg={"auto_ack": 1}, wait_registered=False, before=forgetful)
    fw.wait_log(r"AT\+QLWCFG auto_ack not kept after the reboot", timeout=30)
    n = sim.commands.count("AT+QRST=1")
    fw.wait_log(r"retry in", timeout=10)
    assert n >= 1 and sim.commands.count("AT+QRST=1") <= 2 * len(
        [x for x in fw.lines if "retry in" in x]), sim.commands.count("AT+QRST=1")


def test_uplinks_wait_while_the_network_is_lost_and_go_when_it_is_back(node_factory):
    sim, fw = node_factory(report_interval_s=1)
    fw.wait_log(r"uplink #\d+ acknowledged", timeout=15)
    sim.faults.network_lost()
    fw.wait_log(r"network lost", timeout=5)
    i = len(sim.commands)
    n = len(fw.lines)
    fw.wait_log(r"reading #\d+ queued", timeout=10, start=n)
    fw.wait_log(r"reading #\d+ queued", timeout=10, start=len(fw.lines))
    lost = [int(m.group(1)) for m in (re.search(r"reading #(\d+) queued", x)
                                      for x in fw.lines[n:]) if m]
    assert len(lost) >= 2
    # nothing was sent while the module said the network is gone
    assert not [x for x in sim.commands[i:] if x.startswith("AT+QLWNOTIFY=19")], sim.commands[i:]
    sim.faults.network_resumed()
    fw.wait_log(r"network resumed", timeout=5)
    for seq in lost:
        fw.wait_log(r"uplink #%d acknowledged" % seq, timeout=15)
    acked = {int(bytes(x.value).split(b",")[0]) for x in sim.notifications
             if x.path == "19/0/0" and x.acked}
    assert set(lost) <= acked


def test_duty_plan_follows_the_lifetime_the_module_reports(duty):
    """A bootstrap server sets 30 s against a configured 3000 s (note 5.3:
    +QLWURC: "lifetime_changed",30): the MCU sleeps within the 30 s registration, so
    every wake recovers it ("recovered",0), never "recovered",3 and a new bootstrap."""
    # module time at a quarter of real: the node wakes when the module's own update is due
    # (update_interval_s(30) after the last one), and the module's slack past it is
    # 30 - update_interval_s(30) = 15 module seconds; a firmware start on a loaded machine
    # must fit in it (at a tenth, 1.5 s real: a fresh-clone run at load 10 woke too late
    # and the registration had lapsed: "recovered",3)
    sup = duty(sim_opts={"time_scale": 0.25}, lifetime=3000,
               server={"host": "bs.example.net", "port": 5683, "bootstrap": True})
    sim = sup.sim
    sup.run(3)
    t = sim.transcript.lines
    assert any('"lifetime_changed",30' in x for x in t)
    assert not any('"recovered",3' in x for x in t), [x for x in t if "recovered" in x]
    assert sum(1 for x in t if '"recovered",0' in x) >= 2
    assert sim.commands.count("AT+QLWREG") == 1
    assert [s for s, ok in sim.reg_attempts if s == "bootstrap"] == ["bootstrap"]
    # 30 s lifetime: the module's own update is due after 15 s (4.2.1), so no sleep is
    # planned past it (the configured 3000 s would have allowed the full 60 s)
    assert all(c[1] <= 15000 for c in sup.cycles), [c[1] for c in sup.cycles]
    import json
    import os
    st = json.load(open(os.path.join(sup.workdir, "state", "state.json")))
    assert st["lifetime"] == 30  # carried across the MCU's sleeps


def test_notifications_wait_while_the_network_is_lost(node_factory):
    """Observed values are not notified while lwstatus says the network is gone; the
    change still due goes once it is back."""
    sim, fw = node_factory(report_interval_s=1)
    assert sim.server.observe("3303/0/5700", timeout=5).result == 1
    sim.wait_for(lambda: [x for x in sim.notifications if x.path == "3303/0/5700"], 15)
    sim.faults.network_lost()
    fw.wait_log(r"network lost", timeout=5)
    i = len(sim.commands)
    n = len(fw.lines)
    fw.wait_log(r"reading #\d+ queued", timeout=10, start=n)  # the value changed
    fw.wait_log(r"reading #\d+ queued", timeout=10, start=len(fw.lines))
    assert not [x for x in sim.commands[i:] if x.startswith("AT+QLWNOTIFY=3303")]
    k = len(sim.notifications)
    sim.faults.network_resumed()
    sim.wait_for(lambda: [x for x in sim.notifications[k:] if x.path == "3303/0/5700"], 15)


@pytest.mark.parametrize("fails", [True, False])
def test_registration_lost_during_the_binding_update_ends_its_wait(node_factory, fails):
    """Issue 21: the registration lost while the node applies its binding (an automatic
    update failed: "ping",4; the module registers again by itself, +QLWREG: 0, or fails
    to, +QLWREG: 1) drops the AT+QLWUPDATE in flight: its result never comes. +QLWREG
    ends the node's wait for it at once (it waited register_timeout_s, 120 s here); the
    node registers again (or finds the module registered) and applies the binding."""
    def before(sim):
        sim.modem.update_s = 4000  # the binding update's result: 200 s away, unless lost
    sim, fw = node_factory(binding="U", register_timeout_s=120, wait_registered=False,
                           backoff={"base_s": 1, "cap_s": 2}, before=before)
    sim.wait_for(lambda: "AT+QLWUPDATE=1,0" in sim.commands, 30)
    sim.modem.update_s = 0.1
    n = len(sim.commands)
    if fails:
        sim.faults.fail_registration(1)
    sim.faults.lose_registration()
    # not 120 s later: registered again, or the status read that finds the module so
    sim.wait_for(lambda: ("AT+QLWREG" if fails else "AT+QLWSTATUS?") in sim.commands[n:], 30)
    sim.wait_for(lambda: sim.commands.count("AT+QLWUPDATE=1,0") == 2, 30)
    fw.wait_log(r"binding U$", timeout=30)
    sim.wait_for(lambda: sim.modem.binding == "U", 5)
    assert sim.status == 2
    # one failure, one back-off (two before: the update's aborted wait, then +QLWREG: 1)
    retries = [x for x in fw.lines if "retry in" in x]
    assert len(retries) == (1 if fails else 0), retries
