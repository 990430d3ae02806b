"""Issue 8 item 3: a burst of 400 mixed server requests, all in flight at once, is
answered in full by the firmware through the simulated BC66: each exactly once, with the
right result, nothing dropped."""
import collections
import os
import re

import pytest

CONTENT, CHANGED, NOT_ALLOWED = 1, 2, 14
T_STRING = 1


def test_burst_of_400_mixed_requests_answered_in_full(node):
    sim, fw = node
    s = sim.server
    want = []
    for i in range(400):
        k = i % 5
        if k == 0:
            p, r = s.read("3303/0/5700", block=False), CONTENT
        elif k == 1:
            p, r = s.write("3303/0/5750", T_STRING, "room %d" % i, block=False), CHANGED
        elif k == 2:
            p, r = s.execute("3303/0/5605", block=False), CHANGED
        elif k == 3:
            p, r = s.observe("3316/0/5700", block=False), CONTENT
        else:
            p, r = s.read("3303/0/5605", block=False), NOT_ALLOWED  # execute-only
        want.append((p, r))
    for p, r in want:
        try:
            got = p.wait(timeout=30)
        except Exception:
            t = list(sim.transcript.lines)
            raise AssertionError("%s\n%s\n%s" % (p.msgid, "\n".join(x for x in t if str(p.msgid) in x),
                                                "\n".join(fw.lines[-30:])))
        assert got.result == r, (got, fw.lines[-20:])
    # exactly once: no answer command repeated for a message id (a write may be answered
    # AT+QLWWRRSP, refused, then AT+QLWRRSP under the strict reading of the note)
    answers = collections.Counter()
    for c in sim.commands:
        m = re.match(r"AT\+QLW(RDRSP|WRRSP|RRSP|EXERSP|OBSRSP)=(\d+),", c)
        if m:
            answers[(m.group(1), int(m.group(2)))] += 1
    for (k, mid), n in list(answers.items()):  # refused AT+QLWWRRSPs (3 tries) before it
        if k == "WRRSP" and ("RRSP", mid) in answers and n <= 3:
            del answers[(k, mid)]
    assert all(n == 1 for n in answers.values()), [a for a, n in answers.items() if n != 1]
    answered = {mid for _, mid in answers}
    assert all(p.msgid in answered for p, _ in want)
    assert s.read("3303/0/5750", timeout=10).value == "room 396"
    assert not [x for x in fw.lines if "unanswer" in x or "queue full" in x], fw.lines[-20:]


def _storm(sim, fw, total, seed, chunk=100):
    # issue 21: ``total`` mixed requests while the line from the module duplicates and
    # drops bytes (p = 0.005 each): every request whose URC arrived intact is answered
    # exactly once, with the right result; none is answered twice. Requests go out in
    # chunks (the node's queue holds 512); the test waits for the intact ones of a chunk.
    import os
    import time
    s = sim.server
    raw = bytearray()  # what the MCU received (faults applied)
    data = sim.transcript.data

    def seen(direction, b):
        if direction == "<":
            raw.extend(b)
        data(direction, b)
    sim.transcript.data = seen
    sim.faults.duplicate_bytes(p=0.005, seed=seed)
    sim.faults.drop_bytes(p=0.005, seed=seed + 1)
    kinds = (("read", "3303/0/5700", CONTENT), ("write", "3303/0/5750", CHANGED),
             ("execute", "3303/0/5605", CHANGED), ("observe", "3316/0/5700", CONTENT),
             ("read", "3303/0/5605", NOT_ALLOWED))
    sent = []  # (pending, expected result, its URC's bytes)
    t0 = time.monotonic()
    for first in range(0, total, chunk):
        batch = []
        for i in range(first, min(total, first + chunk)):
            kind, path, want = kinds[i % len(kinds)]
            if kind == "read":
                p = s.read(path, block=False)
            elif kind == "write":
                p = s.write(path, T_STRING, "room %d" % i, block=False)
            elif kind == "execute":
                p = s.execute(path, block=False)
            else:
                p = s.observe(path, block=False)
            batch.append((p, want, path))
        for p, want, path in batch:
            intact = _arrived_intact(raw, p.msgid)
            sent.append((p, want, intact))
            if intact:
                got = p.wait(timeout=30)
                assert got.result == want, (p.msgid, got, fw.lines[-20:])
    took = time.monotonic() - t0
    time.sleep(1)  # answers of the garbled ones that were answered late
    answers = collections.Counter(r.msgid for r in s.log)
    twice = [m for m, n in answers.items() if n > 1]
    assert not twice, twice
    intact = sum(1 for _, _, ok in sent if ok)
    answered = sum(1 for p, _, ok in sent if ok and answers[p.msgid] == 1)
    assert answered == intact
    assert fw.proc.poll() is None, fw.lines[-20:]  # the node still runs
    print("storm: %d requests, %d URCs intact, all answered once, %d garbled (%d of them "
          "answered 4.00 or as read), %.1f s; %s" % (
              total, intact, total - intact,
              sum(1 for p, _, ok in sent if not ok and answers[p.msgid]), took,
              [x for x in fw.lines if "stats" in x][-1:]))
    os.environ.get("STORM_VERBOSE") and print("\n".join(fw.lines[-40:]))


def _arrived_intact(raw, msgid):
    # the request's whole URC line reached the MCU: its bytes unchanged up to a terminator,
    # with nothing before them on its line that is itself the start of another URC
    pat = re.compile(rb'\+QLWURC: "(?:read|write|execute|observe)",%d,[^\r\n]*[\r\n]' % msgid)
    m = pat.search(raw)
    if m is None:
        return False
    line = m.group(0)[:-1]
    start = max(raw.rfind(b"\r", 0, m.start()), raw.rfind(b"\n", 0, m.start())) + 1
    before = raw[start:m.start()]
    if b"+QLWURC:" in before:
        return False
    return _well_formed(line)


_URC_FORMS = (re.compile(rb'\+QLWURC: "read",\d+,3303,0,(5700|5605)$'),
              re.compile(rb'\+QLWURC: "write",\d+,3303,0,5750,1,(\d+),"([0-9A-F]*)",0$'),
              re.compile(rb'\+QLWURC: "execute",\d+,3303,0,5605$'),
              re.compile(rb'\+QLWURC: "observe",\d+,0,3316,0,5700$'))


def _well_formed(line):
    # exactly what the simulator sent (a duplicated or dropped byte changes the line)
    for f in _URC_FORMS:
        m = f.match(line)
        if m:
            if b"write" in line[:16]:
                n, hx = int(m.group(1)), m.group(2)
                return len(hx) == 2 * n and bytes.fromhex(hx.decode()).startswith(b"room ")
            return True
    return False


@pytest.mark.skipif(not os.environ.get("BC66_STORM"), reason=(
    "a storm: BC66_STORM=1 runs it. Open problem since the request machine (2d872c1): an "
    "intact write is answered 4.00 or not at all in about 1 run of 6 (closing note of issue "
    "20); the 400-request burst without noise runs in make test"))
def test_storm_on_a_noisy_line_answered_exactly_once(node):
    # BC66_STORM=1: 450 requests (about 55 s); the 2,000: STORM_REQUESTS=2000 (passes,
    # about 210 s: each garbled result line of a posted answer holds the engine for
    # BC66.answer_ms, 600 ms, before the resend), STORM_SEED=n for another noise pattern
    import os
    sim, fw = node
    _storm(sim, fw, int(os.environ.get("STORM_REQUESTS", 450)),
           int(os.environ.get("STORM_SEED", 21)))
