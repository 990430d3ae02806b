"""Issue 8 item 3: a burst of 400 mixed server requests, all in flight at once, is
answered in full by the firmware through the simulated BC66: each exactly once, with the
right result, nothing dropped."""
import collections
import re

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
