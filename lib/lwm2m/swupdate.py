"""Application updates through LwM2M Software Management (object 9), with rollback.

The server writes the package's name (9/0/0) and "VERSION;SIZE;SHA256HEX" (9/0/1), then
the package in successive writes of at most 512 bytes to 9/0/2 (the note's limit for one
Opaque value), executes Install (9/0/4: verified again, unpacked into the spare slot)
and Activate (9/0/10: the new application runs from the next boot). Update State (9/0/7)
and Update Result (9/0/9) follow the object's definition (OMA LwM2M 1.0, object 9).

On flash, under ``ROOT`` (relative: the board's / or the unix run's folder):
``boot.json`` the boot record (one ``State``, replaced atomically), ``incoming`` the
download, ``a/`` and ``b/`` two slots, each the package's files and ``manifest.json``,
written last (a slot without it, or with a file missing or short, is never run).

``boot()`` (firmware/main.py, before ``import app``) picks what runs: the built-in
application, the confirmed slot, or a slot on trial. A trial is confirmed once the node
registers; it is rolled back at the next boot if it did not register within its deadline
(``check``), or after it started ``MAX_STARTS`` times without registering (a crash at
start). Every step writes only the spare slot and then the boot record, so a power cut
at any point leaves the old application or the new one, never neither.
Modules frozen into the firmware are not replaced: a slot comes after ``.frozen`` on
``sys.path``; this module and main.py never come from a package.
"""
import os
import sys
from micropython import const

from bc66 import log
from lwm2m.store import State, makedirs

ROOT = "pkg"
BLOCK = const(512)  # the note: an Opaque value is at most 512 bytes
MAX_STARTS = const(3)
MAGIC = b"MPYPKG1\n"  # a package: MAGIC, one line of JSON manifest, the files' bytes
_MAX_MANIFEST = const(1024)
# Update State (9/0/7)
INITIAL = const(0)
DOWNLOAD_STARTED = const(1)
DOWNLOADED = const(2)
DELIVERED = const(3)
INSTALLED = const(4)
# Update Result (9/0/9)
R_INITIAL = const(0)
R_DOWNLOADING = const(1)
R_INSTALLED = const(2)
R_VERIFIED = const(3)
R_NO_STORAGE = const(50)
R_NO_MEMORY = const(51)
R_LOST = const(52)  # connection lost during download (a restart in the middle)
R_INTEGRITY = const(53)  # SHA-256 or size mismatch
R_UNSUPPORTED = const(54)  # not a package this node can unpack
R_FAILED = const(58)  # installation failure, or the new application was rolled back
_TAG = "swupdate"
_NEVER = ("swupdate.mpy", "swupdate.py", "main.py", "main.mpy", "boot.py", "manifest.json")
running = None  # the slot this boot runs ("a", "b") or None: the built-in application
_slot_version = None


def _record(root):
    return State(root + "/boot.json")


def _remove(path):
    try:
        os.remove(path)
    except OSError:
        pass


def _manifest(root, slot):
    # the slot's manifest if every file in it is there at its size, else None
    import json
    d = root + "/" + slot
    try:
        with open(d + "/manifest.json") as f:
            m = json.load(f)
        for name, size in m["files"]:
            if os.stat(d + "/" + name)[6] != size:
                return None
        return m
    except (OSError, ValueError, KeyError, TypeError):
        return None


def boot(root=ROOT):
    """Pick the application this boot runs (put its slot on ``sys.path``) -> the slot
    or None (built-in). Rolls a trial back that failed, or started ``MAX_STARTS`` times."""
    global running, _slot_version
    rec = _record(root)
    trial = rec.get("trial")
    use = rec.get("active")
    if trial:
        why = rec.get("failed")
        if why is None and rec.get("starts", 0) >= MAX_STARTS:
            why = "did not register in %d starts" % MAX_STARTS
        m = _manifest(root, trial)
        if why is None and m is None:
            why = "its files are incomplete"
        if why:
            ver = rec.get("staged_version")
            log.log(log.WARN, _TAG, "update %s rolled back: %s", ver, why)
            rec.set("rolled_back", "%s: %s" % (ver, why))
            for k, v in (("trial", None), ("failed", None), ("starts", 0), ("staged", None),
                         ("state", INITIAL), ("result", R_FAILED)):
                rec.set(k, v)
        else:
            rec.set("starts", rec.get("starts", 0) + 1)
            use = trial
            log.log(log.INFO, _TAG, "trying update %s (start %d of %d)", m.get("version"),
                    rec.get("starts"), MAX_STARTS)
        rec.save(flash=True)
    m = _manifest(root, use) if use else None
    if m is None:
        use = None
    running = use
    _slot_version = m.get("version") if m else None
    if use:
        p = root + "/" + use
        i = 1 if sys.path and sys.path[0] == ".frozen" else 0  # frozen code stays first
        if p not in sys.path:
            sys.path.insert(i, p)
    return use


def package_config(root=ROOT):
    """The config changes of the package this boot runs (a dict merged over the config
    file), or None."""
    if running is None:
        return None
    m = _manifest(root, running)
    return m.get("config") if m else None


def parse_offer(text):
    """9/0/1's "VERSION;SIZE;SHA256HEX" -> (version, size, sha256 bytes); ValueError."""
    from binascii import unhexlify
    v, size, sha = text.split(";")
    size = int(size)
    if not v or len(v) > 32 or not 0 < size or len(sha) != 64:
        raise ValueError("offer")
    return v, size, unhexlify(sha)


class SwUpdate:
    """Object 9/0 over the boot record in ``root``. ``check(registered)`` at the end of
    each report cycle confirms a trial (registered) or fails it past ``deadline_s``."""

    def __init__(self, model, root=ROOT, deadline_s=300, max_size=256 * 1024):
        from lwm2m.objects import Obj, R, W, X, T_STRING, T_OPAQUE, T_INTEGER, T_BOOLEAN
        import time
        self.root = root
        self.deadline_s = deadline_s
        self.max_size = max_size
        self._t0 = time.ticks_ms()
        makedirs(root)
        self.rec = _record(root)
        self._hash = None  # the running SHA-256 of this boot's download
        self.model = model
        o = model.add(Obj(9, (0,), ((0, T_STRING, R | W), (1, T_STRING, R | W),
                                    (2, T_OPAQUE, W), (4, T_STRING, X), (6, T_STRING, X),
                                    (7, T_INTEGER, R), (9, T_INTEGER, R), (10, T_STRING, X),
                                    (11, T_STRING, X), (12, T_BOOLEAN, R))))
        r = self.rec
        s = model.set
        s(9, 0, 0, lambda: r.get("name") or "", False)
        s(9, 0, 1, lambda: r.get("version") or "", False)
        s(9, 0, 7, lambda: r.get("state", INITIAL), False)
        s(9, 0, 9, lambda: r.get("result", R_INITIAL), False)
        s(9, 0, 12, lambda: r.get("trial") is not None or running is not None, False)
        for rid, fn in ((0, self._name), (1, self._offer), (2, self._block), (4, self.install),
                        (6, self.uninstall), (10, self.activate), (11, self.deactivate)):
            o.on(rid, fn)
        if r.get("state") == DOWNLOAD_STARTED:  # a restart in the middle of a download
            self._set(INITIAL, R_LOST)
            _remove(self._incoming)

    @property
    def _incoming(self):
        return self.root + "/incoming"

    def _set(self, state, result, **more):
        r = self.rec
        r.set("state", state)
        r.set("result", result)
        for k, v in more.items():
            r.set(k, v)
        r.save(flash=True)
        self.model.changed(9, 0)

    def _trial_running(self):
        return running is not None and running == self.rec.get("trial")

    # ---- 9/0/0, 9/0/1, 9/0/2: the download ----
    def _name(self, inst, rid, name):
        if not 0 < len(name) <= 64:
            return False
        self.rec.set("name", name)
        self.rec.save(flash=True)

    def _offer(self, inst, rid, text):
        # a new download: version, size and SHA-256; the previous one is dropped
        try:
            v, size, sha = parse_offer(text)
        except ValueError:
            log.log(log.WARN, _TAG, "9/0/1 refused: not VERSION;SIZE;SHA256")
            return False
        if self._trial_running():
            log.log(log.WARN, _TAG, "9/0/1 refused: update %s on trial", _slot_version)
            return False
        _remove(self._incoming)
        self._hash = None
        free = self._free()
        if size > self.max_size or free is not None and 2 * size > free:
            self._set(INITIAL, R_NO_STORAGE)
            log.log(log.WARN, _TAG, "package of %d bytes: no room", size)
            return False
        from binascii import hexlify
        self._set(INITIAL, R_INITIAL, version=v, size=size, sha=hexlify(sha).decode(),
)
        log.log(log.INFO, _TAG, "offered %s: %d bytes", v, size)

    def _free(self):
        try:
            s = os.statvfs(self.root)
            return s[0] * s[4]
        except (OSError, AttributeError):
            return None

    def _block(self, inst, rid, data):
        import hashlib
        r = self.rec
        st = r.get("state", INITIAL)
        size = r.get("size")
        if size is None or st not in (INITIAL, DOWNLOAD_STARTED) or \
                st == INITIAL and r.get("result") != R_INITIAL or not 0 < len(data) <= BLOCK:
            return False
        if st == INITIAL or self._hash is None:
            if st == DOWNLOAD_STARTED:  # this boot did not see the start: begin again
                self._set(INITIAL, R_LOST)
                _remove(self._incoming)
                return False
            self._hash = hashlib.sha256()
            self._set(DOWNLOAD_STARTED, R_DOWNLOADING)
        got = self._received() + len(data)
        if got > size:
            return self._refuse("%d bytes past the size %d" % (got, size))
        with open(self._incoming, "ab") as f:
            f.write(data)
        self._hash.update(data)
        if got == size:
            from binascii import hexlify
            ok = hexlify(self._hash.digest()).decode() == r.get("sha")
            self._hash = None
            if not ok:
                return self._refuse("SHA-256 mismatch", True)
            self._set(DELIVERED, R_VERIFIED)
            log.log(log.INFO, _TAG, "%s downloaded, SHA-256 verified", r.get("version"))

    def _received(self):
        try:
            return os.stat(self._incoming)[6]
        except OSError:
            return 0

    def _refuse(self, why, answered=False):
        # integrity failure: the download is dropped, nothing else changes
        _remove(self._incoming)
        self._set(INITIAL, R_INTEGRITY)
        log.log(log.WARN, _TAG, "package %s refused: %s", self.rec.get("version"), why)
        return True if answered else False

    # ---- 9/0/4 Install, 9/0/6 Uninstall, 9/0/10 Activate, 9/0/11 Deactivate ----
    def install(self, inst=0, rid=4, value=None):
        """Verify the download again (its SHA-256 from flash) and unpack it into the
        spare slot -> True (2.04), False (4.00: Update Result says why) or 4.05."""
        from lwm2m.objects import NOT_ALLOWED
        r = self.rec
        if r.get("state") != DELIVERED or self._trial_running():
            return NOT_ALLOWED
        if self._file_sha() != r.get("sha"):
            return self._refuse("SHA-256 mismatch on flash")
        spare = "b" if r.get("active") == "a" else "a"
        if r.get("trial") is not None:  # an activation not yet booted: this one replaces it
            r.set("trial", None)
            r.save(flash=True)
        try:
            m = self._unpack(spare)
        except MemoryError:
            return self._failed(R_NO_MEMORY, "out of memory")
        except OSError as e:
            return self._failed(R_NO_STORAGE if e.args and e.args[0] == 28 else R_FAILED,
                                "flash: %r" % e)
        except ValueError as e:
            return self._failed(R_UNSUPPORTED, str(e))
        _remove(self._incoming)
        self._set(INSTALLED, R_INSTALLED, staged=spare, staged_version=m["version"])
        log.log(log.INFO, _TAG, "%s installed in slot %s", m["version"], spare)
        return True

    def _failed(self, result, why):
        _remove(self._incoming)
        self._set(INITIAL, result)
        log.log(log.WARN, _TAG, "install failed: %s", why)
        return False

    def _file_sha(self):
        import hashlib
        from binascii import hexlify
        h = hashlib.sha256()
        buf = bytearray(BLOCK)
        try:
            with open(self._incoming, "rb") as f:
                while True:
                    n = f.readinto(buf)
                    if not n:
                        break
                    h.update(memoryview(buf)[:n])
        except OSError:
            return None
        return hexlify(h.digest()).decode()

    def _unpack(self, slot):
        # the package's files into root/slot, its manifest last -> the manifest
        import json
        d = self.root + "/" + slot
        makedirs(d)
        _remove(d + "/manifest.json")  # from here on the slot is not runnable
        _remove(d + "/manifest.json.tmp")
        for name in os.listdir(d):
            _remove(d + "/" + name)
        buf = bytearray(BLOCK)
        with open(self._incoming, "rb") as f:
            if f.read(len(MAGIC)) != MAGIC:
                raise ValueError("not a package")
            line = f.readline()
            if len(line) > _MAX_MANIFEST or not line.endswith(b"\n"):
                raise ValueError("manifest too long")
            m = json.loads(line)
            if type(m) is not dict or type(m.get("version")) is not str or \
                    type(m.get("files")) is not list or type(m.get("config", {})) is not dict:
                raise ValueError("bad manifest")
            for name, size in m["files"]:
                if type(name) is not str or "/" in name or name.startswith(".") or \
                        name in _NEVER or not (name.endswith(".mpy") or name.endswith(".py")):
                    raise ValueError("file name %r" % name[:32])
                with open(d + "/" + name, "wb") as out:
                    left = size
                    while left > 0:
                        n = f.readinto(memoryview(buf)[:min(left, BLOCK)])
                        if not n:
                            raise ValueError("package shorter than its manifest")
                        out.write(memoryview(buf)[:n])
                        left -= n
            if f.read(1):
                raise ValueError("package longer than its manifest")
        st = State(d + "/manifest.json")
        for k in ("version", "files", "config"):
            st.set(k, m.get(k, {}))
        st.save(flash=True)
        return m

    def uninstall(self, inst=0, rid=6, value=None):
        """Drop a download or an installed package that is not running (4.05 otherwise)."""
        from lwm2m.objects import NOT_ALLOWED
        r = self.rec
        if r.get("trial") is not None or r.get("staged") in (running, r.get("active")) and \
                r.get("staged") is not None:
            return NOT_ALLOWED
        _remove(self._incoming)
        self._set(INITIAL, R_INITIAL, staged=None)
        return True

    def activate(self, inst=0, rid=10, value=None):
        """Run the installed package from the next boot (on trial until it registers)."""
        from lwm2m.objects import NOT_ALLOWED
        r = self.rec
        if r.get("state") != INSTALLED or not r.get("staged") or self._trial_running():
            return NOT_ALLOWED
        if r.get("staged") == r.get("active"):
            return True  # already the confirmed application
        for k, v in (("trial", r.get("staged")), ("starts", 0), ("failed", None)):
            r.set(k, v)
        r.save(flash=True)
        self.model.changed(9, 0)
        log.log(log.INFO, _TAG, "%s activated: runs from the next boot", r.get("staged_version"))
        return True

    def deactivate(self, inst=0, rid=11, value=None):
        """Cancel an activation not yet booted, or run the built-in application from the
        next boot."""
        r = self.rec
        if self._trial_running():
            from lwm2m.objects import NOT_ALLOWED
            return NOT_ALLOWED
        r.set("trial", None)
        r.set("active", None)
        r.save(flash=True)
        self.model.changed(9, 0)
        log.log(log.INFO, _TAG, "deactivated: the built-in application runs from the next boot")
        return True

    # ---- the trial of a new application ----
    def check(self, registered, final=False):
        """End of a report cycle: a trial that registered is confirmed; one that has not
        within ``deadline_s`` (or by the end of a duty cycle: ``final``) is failed and
        rolled back at the next boot."""
        import time
        if not self._trial_running():
            return
        r = self.rec
        if registered:
            for k, v in (("active", running), ("trial", None), ("starts", 0),
                         ("rolled_back", None), ("state", INSTALLED), ("result", R_INSTALLED)):
                r.set(k, v)
            r.save(flash=True)
            log.log(log.INFO, _TAG, "update %s confirmed: registered", _slot_version)
            self.model.changed(9, 0)
            return
        secs = time.ticks_diff(time.ticks_ms(), self._t0) // 1000
        if final or secs >= self.deadline_s:
            why = "not registered within %d s" % secs
            r.set("failed", why)
            r.save(flash=True)
            log.log(log.WARN, _TAG, "update %s failed: %s; rolled back at the next boot",
                    _slot_version, why)


def running_version():
    """The version of the package this boot runs, or None (the built-in application)."""
    return _slot_version
