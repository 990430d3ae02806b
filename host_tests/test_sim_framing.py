"""Line framing on the module side: a command split at any byte (hypothesis), CR or CRLF
terminators, overlong input lines; and the parameter parser."""
from hypothesis import given, settings, strategies as st

import sim_fixtures
from tools.bc66sim import Simulator
from tools.bc66sim.atparse import CmeError, split_args

CMDS = [b"AT", b"AT+QLWCFG?", b'AT+QLWCONFIG=0,"h",5683,"ep",900,3', b"AT+QLWSTATUS?",
        b"AT+CGSN=1", b"AT+NOPE", b"AT+QLWUPDATE=0,100"]


def offline():
    """A Simulator that is not started: responses land in sim._out synchronously."""
    return Simulator(time_scale=0.01, seed=0, readings=sim_fixtures.FAST["readings"])


def run(chunks):
    sim = offline()
    for ch in chunks:
        with sim.lock:
            sim.modem.feed(ch)
    out = bytes(sim._out)
    sim.stop()
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(CMDS), min_size=1, max_size=5),
       st.sampled_from([b"\r", b"\r\n", b"\n"]), st.data())
def test_any_split_gives_the_same_output(cmds, term, data):
    stream = b"".join(c + term for c in cmds)
    cuts = sorted(set(data.draw(st.lists(st.integers(1, len(stream) - 1), max_size=8))))
    chunks = [stream[a:b] for a, b in zip([0] + cuts, cuts + [len(stream)])]
    assert run(chunks) == run([stream])


def test_overlong_input_line_is_refused():
    out = run([b"A" * 5000, b"\rAT\r"])
    assert out == b"\r\nERROR\r\n\r\nOK\r\n"


def test_split_args_quotes_and_spaces():
    assert split_args('1,"a,b", 3 ,"",x') == ["1", "a,b", "3", "", "x"]
    a = split_args('"q",7')
    assert a[0].quoted and not a[1].quoted
    try:
        split_args('"open')
    except CmeError as e:
        assert e.code == 3
    else:
        raise AssertionError("unterminated quote accepted")
