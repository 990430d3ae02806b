"""pytest fixtures for the simulated BC66 (tools/bc66sim).

`sim`: a started fast Simulator (time_scale=0.01, attach after 0.2 module-s, seed 0),
stopped after the test. `sim_factory(**kw)`: start Simulators with other options
(defaults as for `sim`; pass tcp_port=0 for a TCP listener); all are stopped at teardown.
`sim_client`: an ATClient on `sim` once attached, with all the boot output read (ATClient.settle:
every byte the module sent, not a guessed quiet period).
"""
import pytest

from tools.bc66sim import Simulator
from tools.bc66sim.client import ATClient

# every reading strict (tools/bc66sim/readings.py) but the two that only change how lines
# look to these byte-exact tests; test_sim_readings.py covers those two
FAST = dict(time_scale=0.01, attach_s=0.2, seed=0,
            readings={"boot_echo": "lenient", "error_prefix": "lenient"})


@pytest.fixture
def sim_factory(tmp_path):
    sims = []

    def make(tcp_port=None, **kw):
        opts = dict(FAST)
        opts.update(kw)
        s = Simulator(**opts)
        sims.append(s)
        return s.start(tcp_port=tcp_port)

    yield make
    for s in sims:
        s.stop()


@pytest.fixture
def sim(sim_factory):
    return sim_factory()


@pytest.fixture
def sim_client(sim):
    c = ATClient(sim.device)
    sim.wait_for(lambda: sim.attached, 5)
    c.settle(sim)
    yield c
    c.close()


CFG = 'AT+QLWCONFIG=0,"leshan.eclipse.org",5683,"urn:imei:866971030000717",%d,3'


def register(c, lifetime=900):
    """Configure plain UDP and register through the ATClient ``c`` (asserting each step)."""
    assert c.cmd(CFG % lifetime) == ["OK"]
    assert c.cmd("AT+QLWREG") == ["OK"]
    assert c.wait_line("+QLWREG") == "+QLWREG: 0"


def attached_client(sim_factory, **kw):
    """Start a Simulator with ``kw``; -> (sim, ATClient) once attached, boot output read."""
    sim = sim_factory(**kw)
    c = ATClient(sim.device)
    sim.wait_for(lambda: sim.attached)
    c.settle(sim)
    return sim, c
