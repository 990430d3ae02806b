"""A start that always registers (issue 8 item 2), as a table: the node starts while the
module is in each state of AT+QLWSTATUS? (0-7) x the module's NVRAM holding the config's
settings or others x recovery_mode 0/1 x auto_reg 0/1 (64 cases). From each, the node ends
registered with the configured settings within a bound, and never repeats a command that
failed the same way without something changing in between.

How the module gets into each state (through the AT commands a previous run of the node, or
the module itself, would have sent; the simulator's NVRAM file gives the server settings):
  0 fresh boot, no auto-registration      4 registered, then AT+QLWDEREG done
  1 AT+QLWREG still in progress           5 "Invalid": the note names it but nothing in it
  2 registered                              leads there, so the test sets it directly
  3 AT+QLWDEREG still in progress          6 woken from deep sleep, AT+QLWRECOVER in progress
                                            7 woken from deep sleep with recovery_mode 1
The module's effective settings are the ones that get it there (recovery_mode 1, auto_reg
0); its NVRAM then holds the case's values, as after AT+QLWCFG without a reboot since.
"""
import itertools
import json
import re

import pytest

from tools.bc66sim.client import ATClient

SLOW = 40  # module-s for a step the node must meet half-way (2 s real at time_scale 0.05)
BOUND_S = 20  # real seconds from the node's start to registered with the configured settings
OTHER = [0, "other.example.net", 5684, "urn:imei:1", 600, 3, None, None]
QUERIES = re.compile(r"^AT(\+\w+\?|\+CGSN=1|\+CGPADDR=1|\+CSQ|E0|\+CMEE=1|)$")
CASES = list(itertools.product(range(8), ("equal", "other"), (0, 1), (0, 1)))


def want_config(host="leshan.example.net"):
    # what the node writes for the default test config (tools.board.nodeproc.default_config)
    return [0, host, 5683, "urn:imei:867997030052996", 300, 3, None, None]


def prepare(sim, status, rm_nv, ar_nv):
    """Drive the simulated module into ``status`` (see the module docstring), then give its
    NVRAM the case's recovery_mode / auto_reg."""
    sim.wait_for(lambda: sim.attached)
    c = ATClient(sim.device)
    try:
        c.settle(sim)
        assert c.cmd("ATE0")[-1] == "OK"
        assert c.cmd("AT+QLWSTATUS?") == ["+QLWSTATUS: 0", "OK"]
        if status == 1:
            sim.modem.reg_s = SLOW
        if status in (1, 2, 3, 4, 6, 7):
            assert c.cmd("AT+QLWREG") == ["OK"]
        if status in (2, 3, 4, 6, 7):
            assert c.wait_line("+QLWREG") == "+QLWREG: 0"
        if status in (3, 4):
            if status == 3:
                sim.modem.update_s = SLOW
            assert c.cmd("AT+QLWDEREG") == ["OK"]
            if status == 4:
                assert c.wait_line("+QLWDEREG") == "+QLWDEREG: 0"
        if status in (6, 7):
            sim.sleep_now()
            sim.wake()
            c.wait_line("+CPIN: READY")
            for _ in range(5):  # the first command after a wake is lost (note 3.5)
                try:
                    c.cmd("AT", 0.5)
                    break
                except TimeoutError:
                    pass
            assert c.cmd("ATE0")[-1] == "OK"
        if status == 6:
            sim.modem.update_s = SLOW
            assert c.cmd("AT+QLWRECOVER") == ["OK"]
        if status == 5:
            with sim.lock:
                sim.modem.state = 5
        assert c.cmd("AT+QLWSTATUS?") == ["+QLWSTATUS: %d" % status, "OK"]
    finally:
        c.close()
    with sim.lock:
        sim.nvram.data["cfg"].update(recovery_mode=[rm_nv], auto_reg=[ar_nv])
        sim.nvram.save()


DEFERRED_FAIL = re.compile(r"\+(QLW(?:REG|DEREG|UPDATE|ADDOBJ|DELOBJ|NOTIFY)): ([1-9]\d*)\b")


def failures(lines):
    """-> ([(index in the command list, command, error, status answers seen so far)], the
    commands) from the transcript: every command answered with an error (+CME ERROR, ERROR)
    or a failed deferred outcome (+QLWREG: 1, ...), in order."""
    out, cmds, statuses = [], [], 0
    for ln in lines:
        m = re.match(r"^\S+ > (.*?)(\\r)?$", ln)
        if m:
            cmds.append(m.group(1))
            continue
        if " < " not in ln:
            continue
        statuses += ln.count("+QLWSTATUS:")
        e = re.search(r"\+CME ERROR: \d+|\bERROR\b", ln)
        if e and cmds:
            out.append((len(cmds) - 1, cmds[-1], e.group(0), statuses))
        d = DEFERRED_FAIL.search(ln)
        if d:
            k = max((i for i, c in enumerate(cmds) if c.startswith("AT+" + d.group(1))),
                    default=None)
            if k is not None:
                out.append((k, cmds[k], d.group(0), statuses))
    return out, cmds


def assert_no_blind_repeat(lines):
    fails, cmds = failures(lines)
    answers = [x[x.index("+QLWSTATUS:"):x.index("+QLWSTATUS:") + 13]
               for x in lines if " < " in x and "+QLWSTATUS:" in x]
    for n, (i, cmd, err, s1) in enumerate(fails):
        nxt = [f for f in fails[n + 1:] if f[1] == cmd and f[2] == err and f[0] > i]
        if not nxt:
            continue
        j, s2 = nxt[0][0], nxt[0][3]
        between = [c for c in cmds[i + 1:j] if not QUERIES.match(c)]
        moved = len(set(answers[max(0, s1 - 1):s2])) > 1  # the module's state changed
        assert between or moved, "%s failed twice with %s, nothing changed in between: %s" % (
            cmd, err, cmds[i:j + 1])


@pytest.mark.parametrize("status,nv,rm,ar", CASES,
                         ids=["st%d-%s-rm%d-ar%d" % c for c in CASES])
def test_start_registers_from_every_state(node_factory, tmp_path, status, nv, rm, ar):
    nvram = str(tmp_path / "nvram.json")
    with open(nvram, "w") as f:  # effective at boot: what drives the module into `status`
        json.dump({"config": want_config() if nv == "equal" else OTHER,
                   "cfg": {"recovery_mode": [1], "auto_reg": [0]}, "objects": [],
                   "context": {}}, f)
    rm_nv, ar_nv = (rm, ar) if nv == "equal" else (1 - rm, 1 - ar)
    sim, fw = node_factory(sim_opts={"nvram": nvram}, wait_registered=False,
                           before=lambda s: prepare(s, status, rm_nv, ar_nv),
                           qlwcfg={"recovery_mode": rm, "auto_reg": ar})

    def done():
        d = sim.nvram.data
        return (sim.status == 2 and d["config"][:6] == want_config()[:6]
                and d["cfg"]["recovery_mode"] == [rm] and d["cfg"]["auto_reg"] == [ar]
                and any("node: registered" in x for x in fw.lines))
    try:
        sim.wait_for(done, BOUND_S)
    except TimeoutError:
        raise AssertionError("not registered with the configured settings in %d s:\n%s\n%s"
                             % (BOUND_S, "\n".join(sim.commands[-25:]), "\n".join(fw.lines[-20:])))
    assert_no_blind_repeat(list(sim.transcript.lines))


def test_blind_repeat_is_detected():
    # the loop: AT+QLWDEREG, +CME ERROR: 4, back off, the same again
    loop = ["1.000 > AT+QLWSTATUS?\\r", "1.001 < \\r\\n+QLWSTATUS: 7\\r\\n", "1.001 < \\r\\nOK\\r\\n",
            "1.002 > AT+QLWDEREG\\r", "1.003 < \\r\\n+CME ERROR: 4\\r\\n"]
    with pytest.raises(AssertionError, match="failed twice"):
        assert_no_blind_repeat(loop + loop)
    changed = loop + ["1.004 > AT+CFUN=0\\r", "1.005 < \\r\\nOK\\r\\n"] + loop
    assert_no_blind_repeat(changed)
    moved = loop + [x.replace("STATUS: 7", "STATUS: 2") for x in loop]
    assert_no_blind_repeat(moved)
