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
``sys.path``; this module, ``lwm2m.swinstall`` (the download, install and activation,
imported at the server's first write or execute on 9/0) and main.py never come from a
package.
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
# Resource tables of constants only are frozen into flash with the code: R, W, X
# (lwm2m.objects) and the value types (bc66.values) as constants of this module (an
# imported name would build each table in the heap; mpt_heap_start checks the values)
_R = const(1)
_W = const(2)
_RW = const(3)
_X = const(4)
_T_STRING = const(1)
_T_OPAQUE = const(2)
_T_INTEGER = const(3)
_T_BOOLEAN = const(5)
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


class SwUpdate:
    """Object 9/0 over the boot record in ``root``. ``check(registered)`` at the end of
    each report cycle confirms a trial (registered) or fails it past ``deadline_s``."""

    def __init__(self, model, root=ROOT, deadline_s=300, max_size=256 * 1024):
        from lwm2m.objects import Obj
        import time
        self.root = root
        self.deadline_s = deadline_s
        self.max_size = max_size
        self._t0 = time.ticks_ms()
        makedirs(root)
        self.rec = _record(root)
        self.incoming = root + "/incoming"  # the download
        self.download_hash = None  # the running SHA-256 of this boot's download
        self.model = model
        o = model.add(Obj(9, (0,), ((0, _T_STRING, _RW), (1, _T_STRING, _RW), (2, _T_OPAQUE, _W),
                                    (4, _T_STRING, _X), (6, _T_STRING, _X), (7, _T_INTEGER, _R),
                                    (9, _T_INTEGER, _R), (10, _T_STRING, _X), (11, _T_STRING, _X),
                                    (12, _T_BOOLEAN, _R))))
        r = self.rec
        s = model.set
        s(9, 0, 0, lambda: r.get("name") or "", False)
        s(9, 0, 1, lambda: r.get("version") or "", False)
        s(9, 0, 7, lambda: r.get("state", INITIAL), False)
        s(9, 0, 9, lambda: r.get("result", R_INITIAL), False)
        s(9, 0, 12, lambda: r.get("trial") is not None or running is not None, False)
        h = self.handle  # one bound method for the seven writes and executes
        for rid in (0, 1, 2, 4, 6, 10, 11):
            o.on(rid, h)
        if r.get("state") == DOWNLOAD_STARTED:  # a restart in the middle of a download
            self.set_state(INITIAL, R_LOST)
            _remove(self.incoming)

    def handle(self, inst, rid, value):
        """The server's write of 9/0/0 (name), 9/0/1 (offer), 9/0/2 (a block) or execute
        of 9/0/4 (Install), 6 (Uninstall), 10 (Activate), 11 (Deactivate) -> the answer
        as an ``Obj.on`` handler's. Their code (``lwm2m.swinstall``) is imported at the
        first one: a node that is never updated does not hold it in its heap."""
        from lwm2m import swinstall
        return swinstall.handle(self, rid, value)

    def set_state(self, state, result, **more):
        """Update State (9/0/7) and Result (9/0/9), and ``more`` boot-record keys, on
        flash; observers of 9/0 notified."""
        r = self.rec
        r.set("state", state)
        r.set("result", result)
        for k, v in more.items():
            r.set(k, v)
        r.save(flash=True)
        self.model.changed(9, 0)

    def trial_running(self):
        """True while this boot runs a package on trial (not yet confirmed)."""
        return running is not None and running == self.rec.get("trial")

    # ---- the trial of a new application ----
    def check(self, registered, final=False):
        """End of a report cycle: a trial that registered is confirmed; one that has not
        within ``deadline_s`` (or by the end of a duty cycle: ``final``) is failed and
        rolled back at the next boot."""
        import time
        if not self.trial_running():
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
