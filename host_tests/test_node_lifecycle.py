"""The node's registration lifecycle through the simulated BC66, firmware run as users run it."""
import json
import os
import subprocess

from tools.board.nodeproc import Firmware, default_config


# what a Ctrl-C's shutdown sends (app.App.shutdown): sync, init, status, de-register, power off
SHUTDOWN_COMMANDS = {"AT", "ATE0", "AT+CMEE=1", "AT+QLWSTATUS?", "AT+QLWDEREG", "AT+QPOWD=0"}


def regs_after(sim, i):
    return [c for c in sim.commands[i:] if c == "AT+QLWREG"]


def test_bringup_sequence_and_config_written_once(node_factory):
    sim, fw = node_factory()
    cmds = sim.commands
    assert cmds.index("ATE0") < cmds.index("AT+CMEE=1") < cmds.index("AT+QLWREG")
    assert any(c.startswith("AT+CEREG?") for c in cmds)
    assert "AT+CGSN=1" in cmds
    assert cmds.index("AT+QSCLK=0") < cmds.index("AT+QLWREG")  # sleep setting made explicit
    cfg = [c for c in cmds if c.startswith("AT+QLWCONFIG=")]
    assert len(cfg) == 1 and '"urn:imei:867997030052996"' in cfg[0]
    # a second start against the same module NVRAM writes nothing that is already there
    i = len(sim.commands)
    assert fw.interrupt() == 0, fw.lines[-10:]
    assert sim.commands[-1] == "AT+QLWDEREG", (sim.commands[-5:], fw.lines[-40:])
    # from the shutdown's first AT on, only the shutdown's commands: no task outlived its
    # cancel (one did, sending AT+CSQ: sched.Sleeper erased the cancel, mpt_sched)
    later = sim.commands[i:]
    assert set(later[later.index("AT"):]) <= SHUTDOWN_COMMANDS, (later, fw.lines[-40:])
    # deregistered: 4, which the lenient reading turns into 0 a module-second (50 ms) later
    sim.wait_for(lambda: sim.status in (4, 0), 5)
    n = len(sim.commands)
    fw2 = Firmware(sim.device, fw.workdir, config=json.load(open(fw.cfg_path))).start()
    try:
        sim.wait_status(2, timeout=30)
        later = sim.commands[n:]
        assert "AT+QLWCONFIG?" in later
        assert not [c for c in later if c.startswith(("AT+QLWCONFIG=", "AT+QLWCFG=", "AT+QLWADDOBJ="))]
    finally:
        fw2.kill()


def test_module_reboot_is_detected_and_node_registers_again(node):
    sim, fw = node
    i = len(sim.commands)
    sim.reboot()
    fw.wait_log(r"module rebooted", timeout=5)
    sim.wait_for(lambda: regs_after(sim, i) and sim.status == 2, 30)
    assert sim.server.read("3303/0/5700", timeout=5).result == 1
    assert "ATE0" in sim.commands[i:]  # echo state is not trusted after a reboot


def test_network_lost_and_resumed(node):
    sim, fw = node
    sim.faults.network_lost()
    fw.wait_log(r"network lost", timeout=5)
    sim.faults.network_resumed()
    fw.wait_log(r"network resumed", timeout=5)
    assert sim.server.read("3303/0/5701", timeout=5).value == "Cel"


def test_registration_failures_back_off_then_succeed(node_factory):
    sim, fw = node_factory(wait_registered=False)
    sim.faults.fail_registration(2)
    sim.wait_status(2, timeout=40)
    assert len(regs_after(sim, 0)) == 3
    retries = [x for x in fw.lines if "retry in" in x]
    assert len(retries) == 2


def test_auto_registration_no_second_register(node_factory):
    sim, fw = node_factory(qlwcfg={"auto_reg": 1})
    assert sim.nvram.data["cfg"]["auto_reg"] in (1, [1], (1,))
    i, n = len(sim.commands), len(fw.lines)
    sim.reboot()  # auto_reg takes effect after a reboot: the module registers on its own
    sim.wait_for(lambda: sim.status == 2, 30)
    fw.wait_log(r"registered", timeout=10, start=n)  # from the reboot on, not a guessed line
    sim.wait_for(lambda: any(c == "AT+QLWSTATUS?" for c in sim.commands[i:]), 10)
    # the node either saw the module register by itself or got error 33: never a failure
    assert not [x for x in fw.lines if "retry in" in x]
    assert sim.server.read("3303/0/5700", timeout=5).result == 1


def test_disable_waits_then_registers_again(node):
    sim, fw = node
    sim.server.disable(timeout_s=40)  # 40 module-s = 2 s at time_scale 0.05
    fw.wait_log(r"disabled us for", timeout=5)
    sim.wait_for(lambda: sim.status == 2, 30)
    assert sim.server.read("3303/0/5700", timeout=5).result == 1


def test_factory_reset_and_bootstrap_trigger(node):
    sim, fw = node
    sim.server.factory_reset()
    fw.wait_log(r"factory reset", timeout=5)
    sim.wait_for(lambda: sim.status == 2, 30)
    assert sim.server.read("3303/0/5700", timeout=5).result == 1
    sim.server.bootstrap_request_trigger()
    fw.wait_log(r"bootstrap requested", timeout=5)
    sim.wait_for(lambda: sim.status == 2, 30)
    assert sim.server.read("3303/0/5700", timeout=5).result == 1


def test_config_error_names_field_and_hides_psk(tmp_path):
    from tools.board.nodeproc import micropython, build, MPY, ROOT
    build()
    cfg = default_config(str(tmp_path / "state"))
    cfg.update(security="psk", psk_id="node-1", psk="0123456789ABCDEF0123456789ABCDEF",
               lifetime=5)
    p = tmp_path / "c.json"
    p.write_text(json.dumps(cfg))
    env = dict(os.environ, MICROPYPATH=":".join([".frozen", MPY + "/lib", MPY + "/firmware", MPY]))
    r = subprocess.run([micropython(), os.path.join(ROOT, "firmware", "main.py"), "--port",
                        "/dev/null", "--config", str(p)], capture_output=True, text=True,
                       timeout=30, env=env)
    out = r.stdout + r.stderr
    assert r.returncode == 2, out
    assert "lifetime" in out and "20" in out
    assert "0123456789ABCDEF" not in out


def test_queue_mode_binding_and_lifetime_updates(node_factory):
    sim, fw = node_factory(binding="UQ")
    fw.wait_log(r"binding UQ", timeout=10)
    c = sim.commands
    assert c.index("AT+QLWUPDATE=1,1") > c.index("AT+QLWREG")
    assert sim.modem.binding == "UQ"
