"""Fixtures that run the firmware as users run it: `micropython firmware/main.py --port
<sim pty> --config <file>`, against the simulated BC66."""
import os

import pytest

from tools.bc66sim import Simulator
from tools.board.nodeproc import Firmware, default_config
from tools.board.supervisor import Supervisor, duty_config


@pytest.fixture
def reading(request):
    """The simulator's readings (tools/bc66sim/readings.py) for node tests: "strict", or
    both values where conftest.E2E parametrizes it."""
    return getattr(request, "param", "strict")


@pytest.fixture
def node_factory(tmp_path, reading):
    """make(sim_opts=None, heap="512K", **config_overrides) -> (sim, fw), both started."""
    made = []

    def make(sim_opts=None, heap="512K", pins=False, wait_registered=True, before=None, **over):
        opts = dict(time_scale=0.05, attach_s=0.5, seed=3, response_timeout_s=5.0,
                    transcript=str(tmp_path / ("bc66-%d.log" % len(made))), readings=reading)
        opts.update(sim_opts or {})
        sim = Simulator(**opts).start()
        made.append(sim)
        work = str(tmp_path / ("node%d" % len(made)))
        cfg = default_config(os.path.join(work, "state"), **over)
        pin_file = None
        if pins:
            pin_file = str(tmp_path / "pins")
            sim.watch_pins(pin_file)
        if before is not None:
            before(sim)
        fw = Firmware(sim.device, work, config=cfg, heap=heap, pins=pin_file).start()
        made.append(fw)
        if wait_registered:
            try:
                sim.wait_status(2, timeout=30)
                # and the node done with its registration (the binding applied after it):
                # a fault injected before that would hit the node's own update
                fw.wait_log(r"node: registered", timeout=30)
            except TimeoutError:
                raise AssertionError("node did not register:\n" + "\n".join(fw.lines[-30:]))
        return sim, fw

    yield make
    for x in reversed(made):
        x.stop()


@pytest.fixture
def node(node_factory):
    """A registered node with the default demo config: (sim, fw)."""
    return node_factory()


@pytest.fixture
def duty(tmp_path):
    """make(sim_opts=None, **config) -> Supervisor on a fresh simulator."""
    sims = []

    def make(sim_opts=None, **over):
        opts = dict(time_scale=0.01, attach_s=1, sleep_after_s=600, seed=5,
                    transcript=str(tmp_path / "bc66.log"))
        opts.update(sim_opts or {})
        sim = Simulator(**opts).start()
        sims.append(sim)
        work = str(tmp_path / "node")
        return Supervisor(sim, work, config=duty_config(os.path.join(work, "state"), **over))

    yield make
    for s in sims:
        s.stop()
