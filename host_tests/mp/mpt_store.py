# lwm2m.store on the unix port: atomic State, bounded on-flash Queue, power cuts.
# Terse on purpose: this module and lwm2m.store both compile from source in 48 KB.
import os
from lwm2m import store
from lwm2m.store import State, Queue

D = "/tmp/mpt_store"


class Cut(Exception):
    pass


class FakeOS:  # os with a power cut at rename, or FAT's "rename onto existing fails"
    def __init__(self, fat=False):
        self.fat = fat

    def __getattr__(self, name):
        return getattr(os, name)

    def rename(self, a, b):
        if not self.fat:
            raise Cut
        if b in os.listdir(b.rsplit("/", 1)[0]):
            raise OSError(17)
        os.rename(a, b)


def fresh(name):
    d = D + "/" + name
    store.makedirs(d)
    for n in os.listdir(d):
        os.remove(d + "/" + n)
    return d


def put(path, data):
    with open(path, "w") as f:
        f.write(data)


def test_state_roundtrip_writes_only_on_change():
    p = fresh("s1") + "/state.json"
    s = State(p, defaults={"n": 0})
    assert s.get("n") == 0 and s.get("x", 5) == 5 and not s.save()
    s.set("n", 1)
    s.set("obs", ["3303/0/5700"])
    assert s.save() and not s.save() and s.writes == 1
    s.set("n", 1)
    s.set("obs", ["3303/0/5700"])
    assert not s.dirty and not s.save()
    s2 = State(p)
    assert s2.get("n") == 1 and s2.get("obs") == ["3303/0/5700"]
    s2.delete("n")
    assert s2.save() and State(p).get("n") is None


def test_state_fallbacks_and_fat_rename():
    p = fresh("s2") + "/state.json"
    put(p, '{"n": 1')                       # main corrupt, tmp good
    put(p + ".tmp", '{"n": 2}')
    assert State(p).get("n") == 2
    os.remove(p)                            # FAT: main removed, crash before rename
    assert State(p).get("n") == 2
    put(p, "garbage")
    put(p + ".tmp", "")
    assert State(p, defaults={"n": 9}).get("n") == 9
    store.os = FakeOS(fat=True)
    try:
        s = State(p)
        s.set("n", 3)
        s.save()
        s.set("n", 4)
        s.save()                            # rename onto an existing file: remove first
    finally:
        store.os = os
    assert State(p).get("n") == 4 and ".tmp" not in "".join(os.listdir(D + "/s2"))


class RTC:
    def __init__(self, size=2048):
        self.m = b""
        self.size = size

    def memory(self, data=None):
        if data is None:
            return self.m
        if len(data) > self.size:
            raise ValueError
        self.m = bytes(data)


def test_state_in_rtc_memory():
    p = fresh("s3") + "/state.json"
    rtc = RTC()
    s = State(p, rtc=rtc)
    s.set("f", 3)
    assert s.save() and rtc.m.startswith(b"LS1") and "state.json" not in os.listdir(D + "/s3")
    assert State(p, rtc=rtc).get("f") == 3
    s.save(flash=True)
    assert State(p, rtc=RTC()).get("f") == 3  # RTC lost (power cut): the file
    small = RTC(8)
    s = State(p, rtc=small)
    s.set("f", 4)
    s.save()                                # does not fit: file
    assert small.m == b"" and State(p).get("f") == 4


def test_queue_fifo_persists_and_seq_increases():
    d = fresh("q1")
    q = Queue(d, capacity=8)
    assert q.peek() is None and len(q) == 0
    a = q.put(b"\x00\xffraw")
    b = q.put({"t": 21.5})
    assert a < b and len(q) == 2 and q.peek() == (a, b"\x00\xffraw")
    q = Queue(d, capacity=8)                # restart
    assert q.seqs() == [a, b] and q.peek() == (a, b"\x00\xffraw")
    assert q.pop(a) and not q.pop(a) and q.peek() == (b, {"t": 21.5})
    assert q.pop(b) and len(q) == 0
    c = Queue(d, capacity=8).put([1, "x"])  # emptied, restarted: no reuse
    assert c > b
    try:
        q.put(b"x" * 2000)
        raise AssertionError
    except ValueError:
        pass


def test_queue_full_drops_oldest_counted():
    d = fresh("q2")
    q = Queue(d, capacity=3)
    seqs = [q.put(i) for i in range(5)]
    assert len(q) == 3 and q.dropped == 2 and q.peek() == (seqs[2], 2)
    q = Queue(d, capacity=2)                # restart with a smaller capacity
    assert q.dropped == 3 and q.seqs() == seqs[3:]
    assert Queue(d, capacity=2).dropped == 3


def test_queue_power_cut_loses_nothing_queued():
    d = fresh("q3")
    q = Queue(d, capacity=4)
    a = q.put(b"a")
    b = q.put(b"b")
    store.os = FakeOS()
    try:
        q.put(b"c")                         # cut between tmp write and rename
        raise AssertionError
    except Cut:
        pass
    finally:
        store.os = os
    put(d + "/%08d.tmp" % (b + 7), "\x00garbage")
    put(d + "/meta.tmp", "{garb")
    q = Queue(d, capacity=4)
    assert q.seqs() == [a, b] and q.peek() == (a, b"a")
    assert [n for n in os.listdir(d) if n.endswith(".tmp")] == []
    assert q.put(b"c") > b and q.dropped == 0
    put(d + "/%08d" % a, "?bad")            # a record corrupted on flash
    q = Queue(d, capacity=4)
    assert q.peek()[0] == b and q.dropped == 1 and Queue(d).dropped == 1


def test_queue_few_writes_and_bounded():
    d = fresh("q4")
    q = Queue(d, capacity=4)
    n = [0]
    w = store._write

    def counting(path, data):
        n[0] += 1
        w(path, data)
    store._write = counting
    try:
        for i in range(160):
            q.pop(q.put({"i": i}))
    finally:
        store._write = w
    assert n[0] == 160, n                   # 1 per put; a pop renames (the mark)
    assert os.listdir(d) == ["d00000160"] and len(q) == 0 and q.next_seq == 161


def test_queue_seq_gapless_across_wakes():
    d = fresh("q5")
    got = []
    for wake in range(40):                  # a duty cycle: start, put, deliver, sleep
        q = Queue(d, capacity=4)
        got.append(q.put([wake]))
        if wake % 3:                        # delivered (else it waits for the next wake)
            while q.peek():
                q.pop(q.peek()[0])
    assert got == list(range(1, 41)), got


def test_queue_truncated_meta_keeps_seq():
    d = fresh("q6")
    q = Queue(d, capacity=2)
    for i in range(3):                      # one drop: meta is written
        q.put(i)
    assert q.dropped == 1
    while q.peek():
        q.pop(q.peek()[0])
    put(d + "/meta", '{"dropp')             # truncated on flash, queue empty
    q = Queue(d, capacity=2)
    assert len(q) == 0 and q.put(b"x") == 4
    os.remove(d + "/meta")                  # no meta at all
    q.pop(4)
    assert Queue(d, capacity=2).next_seq == 5


def test_queue_power_cut_in_pop_and_put_no_gap():
    d = fresh("q7")
    q = Queue(d, capacity=4)
    a = q.put(b"a")
    store.os = FakeOS()
    try:
        q.pop(a)                            # cut at the rename to the mark
        raise AssertionError
    except Cut:
        pass
    finally:
        store.os = os
    q = Queue(d, capacity=4)                # the record is still queued: sent again
    assert q.seqs() == [a]
    assert q.pop(a) and Queue(d).next_seq == a + 1
    q = Queue(d, capacity=4)
    store.os = FakeOS()
    try:
        q.put(b"b")                         # cut: put() never returned a number
        raise AssertionError
    except Cut:
        pass
    finally:
        store.os = os
    assert Queue(d, capacity=4).put(b"b") == a + 1
    put(d + "/d%08d" % (a - 1), "")         # a cut between new mark and old mark's removal
    assert Queue(d).next_seq == a + 2 and "d%08d" % (a - 1) not in os.listdir(d)


def test_queue_old_meta_next_honoured():
    d = fresh("q8")
    put(d + "/meta", '{"next": 33, "dropped": 2}')  # written by older firmware
    q = Queue(d)
    assert q.put(b"x") == 33 and q.dropped == 2
