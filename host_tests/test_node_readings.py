"""The node where a reading of the note matters (run under both values of every reading,
host_tests/conftest.py E2E): the firmware on the unix port against the simulated BC66."""
import json

from tools.board.nodeproc import Firmware


def test_new_server_settings_after_deregistration(node_factory, reading):
    """4.2.1 note 2: "LwM2M server information can be configured only when the LwM2M client
    status is 'Not Registered'": after AT+QLWDEREG the status may stay 4 (Deregistered,
    reading dereg_status) and the module refuse AT+QLWCONFIG= (config_in_4); the node
    restarted with other server settings must still get them written and register."""
    sim, fw = node_factory()
    assert fw.interrupt() == 0, fw.lines[-10:]
    assert sim.commands[-1] == "AT+QLWDEREG"
    sim.wait_for(lambda: sim.status in (0, 4), 5)
    cfg = json.load(open(fw.cfg_path))
    cfg["lifetime"] = 600
    fw2 = Firmware(sim.device, fw.workdir, config=cfg).start()
    try:
        sim.wait_status(2, timeout=30)
        assert sim.nvram.data["config"][4] == 600, fw2.lines[-15:]
        assert sim.server.read("3303/0/5701", timeout=5).value == "Cel"
    finally:
        fw2.kill()
