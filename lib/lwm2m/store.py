"""Persistent state and a bounded on-flash uplink queue."""
# Writes are atomic: data goes to <file>.tmp, then is renamed over <file> (atomic on
# LittleFS; on FAT, where rename onto an existing file may fail, the old file is removed
# first, and readers fall back to .tmp when the main file is missing or corrupt).
#
# Queue: one file per record named by its sequence number (q/00000042) plus a small
# "meta" file. Why not an append log: a log needs a head pointer rewritten on every pop,
# and compaction; one file per record makes put = one new file (write + rename) and
# pop = one remove, nothing already on flash is rewritten, and a power cut can only lose
# the record whose put() had not returned. "meta" holds the sequence high-water mark and
# the dropped counter. It is rewritten only every _RESERVE puts (a restart skips to the
# reserved mark, so sequence numbers stay strictly increasing, with gaps) and on a drop.
import json
import os
from micropython import const

_RESERVE = const(16)  # sequence numbers reserved per meta write
_MAX_RECORD = const(1024)  # bytes per record on flash
_RTC_MAGIC = b"LS1"


def _write(path, data):
    """Atomically replace ``path`` with ``data`` (str or bytes)."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    try:
        os.rename(tmp, path)
    except OSError:  # FAT: rename onto an existing file
        os.remove(path)
        os.rename(tmp, path)


def _remove(path):
    try:
        os.remove(path)
        return True
    except OSError:
        return False


def _load_json(path):
    # -> the JSON dict in path, else in path.tmp, else None
    for p in (path, path + ".tmp"):
        try:
            with open(p) as f:
                d = json.load(f)
            if isinstance(d, dict):
                return d
        except (OSError, ValueError):
            pass
    return None


def makedirs(path):
    cur = ""
    for part in path.split("/"):
        if part:
            cur += "/" + part if cur or path[0] == "/" else part
            try:
                os.mkdir(cur)
            except OSError:
                pass


class State:
    """A small JSON dict persisted atomically; ``save()`` writes only after a change."""
    # With rtc (an object with memory() / memory(bytes), like machine.RTC()) the state
    # lives in RTC memory: survives deep sleep and resets, not a power cut. The file is
    # used when RTC memory is empty, invalid or too small; save(flash=True) writes both.
    # Values must be JSON types; set() a new value, do not mutate one from get().

    def __init__(self, path, rtc=None, defaults=None):
        self.path = path
        self._rtc = rtc
        self._dirty = False
        d = None
        if rtc is not None:
            try:
                m = bytes(rtc.memory())
                if m.startswith(_RTC_MAGIC):
                    d = json.loads(m[len(_RTC_MAGIC):])
            except (OSError, ValueError):
                d = None
        if not isinstance(d, dict):
            d = _load_json(path)
        self._d = d if d is not None else dict(defaults or {})
        self.writes = 0  # flash/RTC writes done by this object

    def get(self, key, default=None):
        return self._d.get(key, default)

    def set(self, key, value):
        """Set ``key``; marks the state dirty only if the value changed."""
        if key not in self._d or self._d[key] != value:
            self._d[key] = value
            self._dirty = True

    def delete(self, key):
        if key in self._d:
            del self._d[key]
            self._dirty = True

    @property
    def dirty(self):
        return self._dirty

    def save(self, flash=False):
        """Persist if changed (or ``flash`` forces the file); return True if written."""
        if not self._dirty and not flash:
            return False
        data = json.dumps(self._d)
        done = False
        if self._rtc is not None:
            try:
                self._rtc.memory(_RTC_MAGIC + data.encode())
                done = True
            except (OSError, ValueError):
                pass
        if flash or not done:
            _write(self.path, data)
        self._dirty = False
        self.writes += 1
        return True


class Queue:
    """Bounded FIFO of uplink records (bytes or small JSON values) on flash."""
    # put() -> seq (strictly increasing across restarts); peek() -> oldest (seq, record);
    # pop(seq) after confirmed delivery. When full, put() drops the oldest and counts it
    # in .dropped (persisted); unreadable record files are removed and counted too.

    def __init__(self, dirpath, capacity=64):
        if capacity < 1:
            raise ValueError("capacity")
        self.dir = dirpath
        self.capacity = capacity
        self._meta = dirpath + "/meta"
        makedirs(dirpath)
        m = _load_json(self._meta) or {}
        self.dropped = m.get("dropped", 0)
        self._reserved = m.get("next", 1)
        seqs = []
        for name in os.listdir(dirpath):
            if name.endswith(".tmp"):  # an unfinished put (or meta write, read above)
                _remove(dirpath + "/" + name)
            elif name.isdigit():
                seqs.append(int(name))
        seqs.sort()
        self._seqs = seqs
        # Never reuse a number that may have been handed out before the restart.
        self._next = max(self._reserved, seqs[-1] + 1 if seqs else 1)
        self._head = None  # cached (seq, record) of the oldest entry
        n = len(seqs) - capacity
        if n > 0:  # a crash between adding and dropping, or a smaller capacity
            for s in seqs[:n]:
                _remove(self._path(s))
            del seqs[:n]
            self.dropped += n
            self._save_meta()

    def _path(self, seq):
        return "%s/%08d" % (self.dir, seq)

    def _save_meta(self):
        _write(self._meta, json.dumps({"next": self._reserved, "dropped": self.dropped}))

    def __len__(self):
        return len(self._seqs)

    @property
    def next_seq(self):
        return self._next

    def put(self, record):
        """Append ``record``; return its sequence number. Drops the oldest when full."""
        if isinstance(record, (bytes, bytearray, memoryview)):
            data = b"b" + record
        else:
            data = b"j" + json.dumps(record).encode()
        if len(data) > _MAX_RECORD:
            raise ValueError("record too large")
        seq = self._next
        meta = seq >= self._reserved
        if meta:
            self._reserved = seq + _RESERVE
        _write(self._path(seq), data)
        self._next = seq + 1
        self._seqs.append(seq)
        if len(self._seqs) > self.capacity:
            old = self._seqs.pop(0)
            _remove(self._path(old))
            self._head = None
            self.dropped += 1
            meta = True
        if meta:
            self._save_meta()
        return seq

    def peek(self):
        """Oldest ``(seq, record)`` or None. Unreadable records are dropped and counted."""
        while self._seqs:
            seq = self._seqs[0]
            if self._head is not None and self._head[0] == seq:
                return self._head
            try:
                with open(self._path(seq), "rb") as f:
                    data = f.read()
                if data[:1] == b"b":
                    rec = data[1:]
                elif data[:1] == b"j":
                    rec = json.loads(data[1:])
                else:
                    raise ValueError
                self._head = (seq, rec)
                return self._head
            except (OSError, ValueError):
                self._seqs.pop(0)
                _remove(self._path(seq))
                self.dropped += 1
                self._save_meta()
        return None

    def pop(self, seq):
        """Remove record ``seq`` (normally the head); False if it is not queued."""
        if seq not in self._seqs:
            return False
        self._seqs.remove(seq)
        if self._head is not None and self._head[0] == seq:
            self._head = None
        _remove(self._path(seq))
        return True

    def seqs(self):
        """Queued sequence numbers, oldest first (a copy)."""
        return list(self._seqs)
