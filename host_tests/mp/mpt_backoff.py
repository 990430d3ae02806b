# lwm2m.backoff on the unix port: growth, cap, jitter bounds, seeded determinism, and
# persistence through a State so a boot loop keeps backing off.
import os
import random
from lwm2m import store, backoff
from lwm2m.backoff import Backoff
from lwm2m.store import State

D = "/tmp/mpt_backoff"


def path(name):
    store.makedirs(D)
    p = D + "/" + name
    for f in (p, p + ".tmp"):
        try:
            os.remove(f)
        except OSError:
            pass
    return p


def test_exponential_capped_without_jitter():
    b = Backoff(1, 10, factor=2, jitter=0)
    assert [b.next_delay_s() for _ in range(6)] == [1, 2, 4, 8, 10, 10]
    assert b.failures == 6 and b.attempts == 6
    b.reset()
    assert b.failures == 0 and b.next_delay_s() == 1 and b.attempts == 8
    b = Backoff(3, 50, factor=1.5, jitter=0)
    assert [b.next_delay_s() for _ in range(3)] == [3, 4.5, 6.75]


def test_jitter_bounds_and_seeded_determinism():
    for j in (0.5, 1):
        random.seed(7)
        b = Backoff(2, 100, jitter=j)
        seq = []
        for n in range(1, 12):
            d = b.next_delay_s()
            step = b.step_s(n)
            assert step * (1 - j) <= d <= step, (n, d, step)
            seq.append(d)
        random.seed(7)
        b = Backoff(2, 100, jitter=j)
        assert [b.next_delay_s() for _ in range(11)] == seq
    assert len(set(seq)) > 5                 # jitter spreads the delays


def test_huge_failure_count_and_bad_params():
    b = Backoff(1, 3600, jitter=0)
    assert b.step_s(10 ** 6) == 3600 and Backoff(1, 9, factor=1).step_s(10 ** 6) == 1
    for args in ((0, 10), (10, 5), (1, 86401), (1, 10, 0.5), (1, 10, 2, 1.5)):
        try:
            Backoff(*args)
            raise AssertionError(args)
        except ValueError:
            pass


def test_boot_loop_keeps_backing_off():
    p = path("bl.json")
    delays = []
    for boot in range(8):                    # each "boot" fails once, then reboots
        b = Backoff(1, 1000, jitter=0, state=State(p))
        assert b.failures == boot
        delays.append(b.next_delay_s(OSError(110)))
    assert delays == [1, 2, 4, 8, 16, 32, 64, 128]
    st = State(p)
    b = Backoff(1, 1000, state=st)
    assert b.last_error == "OSError: [Errno 110] ETIMEDOUT" and b.failures == 8
    b.reset()
    assert st.get("backoff") is None and Backoff(1, 1000, state=State(p)).failures == 0
    w = st.writes
    b.reset()                                # success again: no flash write
    assert st.writes == w


def test_remaining_after_restart():
    p = path("rem.json")
    b = Backoff(100, 1000, jitter=0, state=State(p))
    assert b.remaining_s() == 0
    b.next_delay_s("timeout " * 20)
    assert 99 < b.remaining_s() <= 100 and len(b.last_error) == 60
    b2 = Backoff(100, 1000, state=State(p))  # restart, wall clock set: not_before
    assert 98 < b2.remaining_s() <= 100
    wt = backoff.wall_time
    backoff.wall_time = lambda: None         # restart without a clock: the whole delay
    try:
        assert Backoff(100, 1000, state=State(p)).remaining_s() == 100
    finally:
        backoff.wall_time = wt
    st = State(p)
    st.set("backoff", {"f": 1, "e": None, "d": 5, "nb": wt() + 10 ** 6})  # clock went back
    assert Backoff(5, 60, state=st).remaining_s() == 60
    st.set("backoff", {"f": 1, "e": None, "d": 5, "nb": wt() - 10})       # already over
    assert Backoff(5, 60, state=st).remaining_s() == 0


def test_independent_keys_share_one_state():
    st = State(path("keys.json"))
    reg = Backoff(1, 10, jitter=0, state=st, key="reg")
    net = Backoff(1, 10, jitter=0, state=st, key="net")
    reg.next_delay_s()
    reg.next_delay_s()
    net.next_delay_s()
    st2 = State(st.path)
    assert st2.get("reg")["f"] == 2 and st2.get("net")["f"] == 1
