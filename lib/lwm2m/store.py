"""Persistent state and a bounded on-flash uplink queue."""
# Writes are atomic: data goes to <file>.tmp, then is renamed over <file> (atomic on
# LittleFS; on FAT, where rename onto an existing file may fail, the old file is removed
# first, and readers fall back to .tmp when the main file is missing or corrupt).
#
# Queue: one file per record named by its sequence number (q/00000042), a "mark" file
# named by the last retired number (q/d00000041), and a small "meta" file. Why not an
# append log: a log needs a head pointer rewritten on every pop, and compaction; one file
# per record makes put = one new file (write + rename) and pop = one remove, nothing
# already on flash is rewritten, and a power cut can only lose the record whose put() had
# not returned. Sequence numbers have no gaps across restarts and power cuts: the next
# number is one more than the highest in a file NAME (a queued record, or the mark), and
# names survive what contents may not (a truncated meta). Popping the newest record
# renames it to the mark (one atomic rename, no write), so an emptied queue still knows
# its last number. A put whose write was cut did not return: its number is used again.
# "meta" holds only the dropped counter (written on a drop); an unreadable meta costs
# that count, never a sequence number. (Older firmware kept a reserved "next" in meta:
# still honoured as a lower bound.)
import json
import os
from micropython import const

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


def _write_json(path, obj):
    """Atomically replace ``path`` with ``obj`` as JSON, written piece by piece: no string
    of the whole text (a block of its size a fragmented heap may not have, issue 21)."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f)
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
        done = False
        if self._rtc is not None:  # (RTC memory takes the whole text at once)
            try:
                self._rtc.memory(_RTC_MAGIC + json.dumps(self._d).encode())
                done = True
            except (OSError, ValueError):
                pass
        if flash or not done:
            _write_json(self.path, self._d)
        self._dirty = False
        self.writes += 1
        return True


class Queue:
    """Bounded FIFO of uplink records (bytes or small JSON values) on flash."""
    # put() -> seq (consecutive across restarts and power cuts); peek() -> oldest
    # (seq, record); pop(seq) after confirmed delivery. When full, put() drops the oldest
    # and counts it in .dropped (persisted); unreadable record files are removed and
    # counted too.

    def __init__(self, dirpath, capacity=64):
        if capacity < 1:
            raise ValueError("capacity")
        self.dir = dirpath
        self.capacity = capacity
        self._meta = dirpath + "/meta"
        makedirs(dirpath)
        m = _load_json(self._meta) or {}
        self.dropped = m.get("dropped", 0)
        top = m.get("next", 1) - 1  # older firmware's reserved mark: a lower bound
        seqs = []
        marks = []
        for name in os.listdir(dirpath):
            if name.endswith(".tmp"):  # an unfinished put (or meta write, read above)
                _remove(dirpath + "/" + name)
            elif name.isdigit():
                seqs.append(int(name))
            elif name[:1] == "d" and name[1:].isdigit():
                marks.append(int(name[1:]))
        seqs.sort()
        marks.sort()
        self._seqs = seqs
        self._mark = marks.pop() if marks else None
        for s in marks:  # a cut between renaming to the new mark and removing the old
            _remove(self._mark_path(s))
        for s in (seqs[-1] if seqs else 0, self._mark or 0):
            if s > top:
                top = s
        self._next = top + 1
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

    def _mark_path(self, seq):
        return "%s/d%08d" % (self.dir, seq)

    def _save_meta(self):
        _write(self._meta, json.dumps({"dropped": self.dropped}))

    def _retire(self, seq):
        # delete record seq's file; the newest becomes the mark (rename: atomic, no write)
        if seq < self._next - 1:
            _remove(self._path(seq))
            return
        try:
            os.rename(self._path(seq), self._mark_path(seq))
        except OSError:  # the record's file is gone (unreadable): the name alone will do
            _write(self._mark_path(seq), b"")
        old = self._mark
        self._mark = seq
        if old is not None and old != seq:
            _remove(self._mark_path(old))

    def __len__(self):
        return len(self._seqs)

    @property
    def next_seq(self):
        """The number the next put() gets."""
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
        _write(self._path(seq), data)
        self._next = seq + 1
        self._seqs.append(seq)
        if len(self._seqs) > self.capacity:
            old = self._seqs.pop(0)
            self._retire(old)
            self._head = None
            self.dropped += 1
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
                self._retire(seq)
                self.dropped += 1
                self._save_meta()
        return None

    def pop(self, seq):
        """Remove record ``seq`` (normally the head); False if it is not queued."""
        if seq not in self._seqs:
            return False
        self._retire(seq)
        self._seqs.remove(seq)
        if self._head is not None and self._head[0] == seq:
            self._head = None
        return True

    def seqs(self):
        """Queued sequence numbers, oldest first (a copy)."""
        return list(self._seqs)
