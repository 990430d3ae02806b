"""Soak: wake-report-sleep cycles with random seeded faults; no reading is lost.

Each cycle is a fresh firmware process (the unix stand-in for an MCU deep-sleep wake).
Before every cycle a seeded draw decides whether to arm one fault for it (one cycle in
three); the fault is the next of a seeded shuffle bag of every kind, so each kind occurs
several times in any run, whatever the seed: the module reboots in the middle of a
notification or while the MCU sleeps, a report_ack is lost, the network drops, a
registration fails, or bytes are dropped on the UART. make test runs CYCLES cycles for
each of the fixed SEEDS (a test per seed: a failure names its seed, cycle and faults);
SOAK_CYCLES=1000 SOAK_SEEDS=1,2,3 runs the long soak (outside make test). At the end every
reading the node took is either acknowledged by the server (at least once; duplicates carry the
same sequence number) or still queued on flash, nothing was dropped from the queue, and
the node's heap in use did not grow from the first cycles to the last.
"""
import os
import random
import re

import pytest

from tools.bc66sim import Simulator
from tools.board.supervisor import Supervisor, duty_config

KINDS = ("reboot mid-notify", "lost ack", "network lost", "reboot + failed registration",
         "dropped bytes", "reboot while asleep")
CYCLES = int(os.environ.get("SOAK_CYCLES", "30"))
# 7: "+QLWADDOBJ: 19,0,,0" at cycle 340 of 400 (issue 21); SOAK_SEED (one) still works
SEEDS = [int(x) for x in (os.environ.get("SOAK_SEEDS") or os.environ.get("SOAK_SEED")
                          or "2026,7,21").split(",")]


@pytest.mark.parametrize("seed", SEEDS)
def test_soak_cycles_with_seeded_faults(tmp_path, seed):
    try:
        _soak(tmp_path, seed)
    except Exception as e:  # the seed with its failure, so it can be replayed
        raise AssertionError("SOAK_SEED=%d SOAK_CYCLES=%d: %s" % (seed, CYCLES, e)) from e


def _soak(tmp_path, seed):
    sim = Simulator(time_scale=0.01, attach_s=1, sleep_after_s=600, seed=seed,
                    transcript=str(tmp_path / "bc66.log"))
    sim.start()
    # the server observes the data object, as a real one does, and nothing else: a notify
    # a lost byte sends to another path is not acknowledged (issue 21: "=19" read as "=1")
    sim.server.observe_all = False
    sim.server.observed.add("19/0/0")
    work = str(tmp_path / "node")
    cfg = duty_config(os.path.join(work, "state"), backoff={"base_s": 5, "cap_s": 60})
    sup = Supervisor(sim, work, config=cfg)
    sup.sleep_cap_s = 0.05
    rng = random.Random(seed)
    armed = []
    at = {}  # cycle -> the fault armed before it
    bag = []
    net_down = [False]

    def between(i):
        sim.faults.clear()
        if net_down[0]:
            sim.faults.network_resumed()
            net_down[0] = False
        if rng.random() >= 0.33:
            return
        if not bag:
            bag.extend(KINDS)
            rng.shuffle(bag)
        kind = bag.pop()
        if kind == "reboot mid-notify":
            sim.faults.reboot(after_cmd="AT+QLWNOTIFY=19", when="mid")
        elif kind == "lost ack":
            sim.faults.lose_report_ack(1)
        elif kind == "network lost":
            sim.faults.network_lost()
            net_down[0] = True
        elif kind == "reboot + failed registration":
            sim.faults.fail_registration(1)
            sim.reboot()  # context gone: the next cycle has to register, and that fails
        elif kind == "dropped bytes":
            sim.faults.drop_bytes(p=0.004, seed=seed + i, direction="both")
        elif kind == "reboot while asleep":
            sim.reboot()
        armed.append(kind)
        at[i + 1] = kind  # armed before cycle i + 1, whose reading is #i + 2

    try:
        sup.run(CYCLES, between)
        sim.faults.clear()
        if net_down[0]:
            sim.faults.network_resumed()
        for _ in range(3):  # fault-free cycles to drain what is still queued
            sup.run(1)
    finally:
        sim.stop()

    taken, heaps = [], []
    for c in sup.cycles:
        for line in c[3]:
            m = re.search(r"reading #(\d+) queued", line)
            if m:
                taken.append(int(m.group(1)))
            m = re.search(r"stats heap=(\d+)", line)
            if m:
                heaps.append(int(m.group(1)))
    acked = set()
    for n in sim.notifications:
        if n.path == "19/0/0" and n.acked:
            acked.add(int(bytes(n.value).split(b",")[0]))
    qdir = os.path.join(work, "state", "q")
    queued = {int(f) for f in os.listdir(qdir) if f.isdigit()}
    assert len(taken) == len(sup.cycles) == CYCLES + 3
    assert len(set(taken)) == len(taken)  # every reading has its own sequence number
    assert taken == list(range(1, len(taken) + 1)), taken  # and no gaps across the wakes
    lost = set(taken) - acked - queued
    assert not lost, "readings lost: %s (faults armed before their cycles and the two "\
        "before: %s)" % (sorted(lost), ["#%d: %s" % (n, [at.get(n - 1 - k) for k in (2, 1, 0)])
                                        for n in sorted(lost)])
    assert not queued, "still queued after fault-free cycles: %s" % sorted(queued)
    # the queue writes its meta file only when it drops a record: none, or one saying 0
    meta_path = os.path.join(qdir, "meta")
    if os.path.exists(meta_path):
        meta = open(meta_path).read().replace(" ", "")
        assert '"dropped":0' in meta, meta
    assert len(armed) >= CYCLES // 5  # the faults really happened
    if len(armed) >= 2 * len(KINDS):
        assert set(armed) == set(KINDS), armed  # every kind of fault, at least twice
        assert min(armed.count(k) for k in KINDS) >= 2, armed
    first, last = max(heaps[:20]), max(heaps[-20:])
    assert last <= first + 4096, (first, last)
    # the figures of a long run (pytest -s prints them)
    # (a notify garbled into a path the module does not hold is refused, not recorded)
    garbled = [n.path for n in sim.notifications if n.path not in ("19/0/0", "3316/0/5700")]
    print("SOAK_SEED=%d cycles=%d readings=%d acked=%d lost=0 faults=%s notifies sent on "
          "another path=%s heap %d -> %d" % (
              seed, len(sup.cycles), len(taken), len(acked), {k: armed.count(k) for k in KINDS},
              garbled, first, last))
