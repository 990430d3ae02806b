"""Sensors chosen by config, as users run the firmware (micropython firmware/main.py)
against the simulated BC66: each configured IPSO type is on the module and answers
reads; readings carry the network's time and gapless sequence numbers; an entry the port
cannot run ends the start with one line naming it (exit 2)."""
import time

from test_node_errors import run_fw

CONTENT = 1
SENSORS = [{"type": "temperature", "source": "sim"},
           {"type": "humidity", "source": "sim", "start": 55},
           {"type": "barometer", "source": "sim", "start": 1013, "name": "shed"},
           {"type": "generic", "source": "sim", "start": 7}]


def test_configured_sensors_on_the_server(node_factory):
    sim, fw = node_factory(sensors=SENSORS, objects=["bindata"])
    for path, near, units in (("3304/0/5700", 55, "%RH"), ("3315/0/5700", 1013, "hPa"),
                              ("3300/0/5700", 7, "")):
        r = sim.server.read(path, timeout=5)
        assert r.result == CONTENT and abs(r.value - near) < 5, (path, r.value)
        r = sim.server.read(path[:-4] + "5701", timeout=5)
        assert (r.result, r.value) == (CONTENT, units)
    assert sim.server.read("3315/0/5750", timeout=5).value == "shed"
    r = sim.server.read("3304/0/5518", timeout=5)        # the value's time, network clock
    assert r.result == CONTENT and abs(r.value - time.time()) < 120, r.value
    assert sim.server.read("3316/0/5700", timeout=5).result != CONTENT  # not configured
    def three_uplinks():
        up = [n for n in sim.notifications if n.path == "19/0/0"]
        return up[:3] if len(up) >= 3 else None
    ups = sim.wait_for(three_uplinks, 60)
    rows = [bytes(n.value).decode().split(",") for n in ups]
    assert [int(r[0]) for r in rows] == [int(rows[0][0]) + i for i in range(3)], rows
    assert all(r[2] == "n" and len(r) == 4 + len(SENSORS) for r in rows), rows


def test_sensor_entry_the_port_cannot_run_is_one_line(sim, tmp_path):
    import json
    for entry, tail in (
            ({"type": "digital_input", "source": "pin", "pin": 5},
             "sensors[0].pin: this port has no machine.Pin"),
            ({"type": "temperature", "source": "no_such_module"},
             "sensors[0].source: 'no_such_module' is no built-in source"),
            ({"type": "pressure", "source": "sim"}, "config: sensors[0].type: must be one of")):
        cfg = {"server": {"host": "h"}, "sensors": [entry], "state_dir": str(tmp_path / "s")}
        code, lines = run_fw(tmp_path, sim.device, json.dumps(cfg))
        assert code == 2 and len(lines) == 1 and tail in lines[0], lines[-10:]
