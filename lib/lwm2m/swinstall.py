"""Object 9's download, install and activation (``lwm2m.swupdate`` has the object, the
boot record and the trial): imported at the server's first write or execute on 9/0, so a
node that is never updated does not hold this code in its heap.

``handle(u, rid, value)`` answers for ``SwUpdate.handle``: 9/0/0 name, 9/0/1 offer
"VERSION;SIZE;SHA256HEX", 9/0/2 a block of at most 512 bytes (SHA-256 checked when the
size is reached), 9/0/4 Install (verified again from flash, unpacked into the spare slot,
its manifest written last), 9/0/6 Uninstall, 9/0/10 Activate, 9/0/11 Deactivate.
Results as an ``Obj.on`` handler's: None/True (2.04), False (4.00) or a code (4.05).
"""
import os
from micropython import const

from bc66 import log
from bc66.values import NOT_ALLOWED
from lwm2m import swupdate as sw
from lwm2m.store import State, makedirs
from lwm2m.swupdate import (BLOCK, MAGIC, INITIAL, DOWNLOAD_STARTED, DELIVERED, INSTALLED,
                            R_INITIAL, R_DOWNLOADING, R_INSTALLED, R_VERIFIED, R_NO_STORAGE,
                            R_NO_MEMORY, R_INTEGRITY, R_UNSUPPORTED, R_FAILED, R_LOST,
                            _remove)

_TAG = "swupdate"
_MAX_MANIFEST = const(1024)
_NEVER = ("swupdate.mpy", "swupdate.py", "swinstall.mpy", "swinstall.py", "main.py",
          "main.mpy", "boot.py", "manifest.json")


def handle(u, rid, value):
    """The write or execute of 9/0/``rid`` on ``u`` (a ``SwUpdate``) -> its answer."""
    if rid == 0:
        return name(u, value)
    if rid == 1:
        return offer(u, value)
    if rid == 2:
        return block(u, value)
    if rid == 4:
        return install(u)
    if rid == 6:
        return uninstall(u)
    if rid == 10:
        return activate(u)
    return deactivate(u)  # 11 (the only other rid declared W or X)


def parse_offer(text):
    """9/0/1's "VERSION;SIZE;SHA256HEX" -> (version, size, sha256 bytes); ValueError."""
    from binascii import unhexlify
    v, size, sha = text.split(";")
    size = int(size)
    if not v or len(v) > 32 or not 0 < size or len(sha) != 64:
        raise ValueError("offer")
    return v, size, unhexlify(sha)


# ---- 9/0/0, 9/0/1, 9/0/2: the download ----
def name(u, text):
    """9/0/0: the package's name."""
    if not 0 < len(text) <= 64:
        return False
    u.rec.set("name", text)
    u.rec.save(flash=True)


def offer(u, text):
    """9/0/1: a new download (version, size and SHA-256); the previous one is dropped."""
    try:
        v, size, sha = parse_offer(text)
    except ValueError:
        log.log(log.WARN, _TAG, "9/0/1 refused: not VERSION;SIZE;SHA256")
        return False
    if u.trial_running():
        log.log(log.WARN, _TAG, "9/0/1 refused: update %s on trial", sw.running_version())
        return False
    _remove(u.incoming)
    u.download_hash = None
    free = _free(u.root)
    if size > u.max_size or free is not None and 2 * size > free:
        u.set_state(INITIAL, R_NO_STORAGE)
        log.log(log.WARN, _TAG, "package of %d bytes: no room", size)
        return False
    from binascii import hexlify
    u.set_state(INITIAL, R_INITIAL, version=v, size=size, sha=hexlify(sha).decode())
    log.log(log.INFO, _TAG, "offered %s: %d bytes", v, size)


def _free(root):
    try:
        s = os.statvfs(root)
        return s[0] * s[4]
    except (OSError, AttributeError):
        return None


def block(u, data):
    """9/0/2: the next block of the offered package (at most ``BLOCK`` bytes)."""
    import hashlib
    r = u.rec
    st = r.get("state", INITIAL)
    size = r.get("size")
    if size is None or st not in (INITIAL, DOWNLOAD_STARTED) or \
            st == INITIAL and r.get("result") != R_INITIAL or not 0 < len(data) <= BLOCK:
        return False
    if st == INITIAL or u.download_hash is None:
        if st == DOWNLOAD_STARTED:  # this boot did not see the start: begin again
            u.set_state(INITIAL, R_LOST)
            _remove(u.incoming)
            return False
        u.download_hash = hashlib.sha256()
        u.set_state(DOWNLOAD_STARTED, R_DOWNLOADING)
    got = _received(u) + len(data)
    if got > size:
        return _refuse(u, "%d bytes past the size %d" % (got, size))
    with open(u.incoming, "ab") as f:
        f.write(data)
    u.download_hash.update(data)
    if got == size:
        from binascii import hexlify
        ok = hexlify(u.download_hash.digest()).decode() == r.get("sha")
        u.download_hash = None
        if not ok:
            return _refuse(u, "SHA-256 mismatch", True)
        u.set_state(DELIVERED, R_VERIFIED)
        log.log(log.INFO, _TAG, "%s downloaded, SHA-256 verified", r.get("version"))


def _received(u):
    try:
        return os.stat(u.incoming)[6]
    except OSError:
        return 0


def _refuse(u, why, answered=False):
    # integrity failure: the download is dropped, nothing else changes
    _remove(u.incoming)
    u.set_state(INITIAL, R_INTEGRITY)
    log.log(log.WARN, _TAG, "package %s refused: %s", u.rec.get("version"), why)
    return True if answered else False


# ---- 9/0/4 Install, 9/0/6 Uninstall, 9/0/10 Activate, 9/0/11 Deactivate ----
def install(u):
    """Verify the download again (its SHA-256 from flash) and unpack it into the spare
    slot -> True (2.04), False (4.00: Update Result says why) or 4.05."""
    r = u.rec
    if r.get("state") != DELIVERED or u.trial_running():
        return NOT_ALLOWED
    if _file_sha(u.incoming) != r.get("sha"):
        return _refuse(u, "SHA-256 mismatch on flash")
    spare = "b" if r.get("active") == "a" else "a"
    if r.get("trial") is not None:  # an activation not yet booted: this one replaces it
        r.set("trial", None)
        r.save(flash=True)
    try:
        m = _unpack(u, spare)
    except MemoryError:
        return _failed(u, R_NO_MEMORY, "out of memory")
    except OSError as e:
        return _failed(u, R_NO_STORAGE if e.args and e.args[0] == 28 else R_FAILED,
                       "flash: %r" % e)
    except ValueError as e:
        return _failed(u, R_UNSUPPORTED, str(e))
    _remove(u.incoming)
    u.set_state(INSTALLED, R_INSTALLED, staged=spare, staged_version=m["version"])
    log.log(log.INFO, _TAG, "%s installed in slot %s", m["version"], spare)
    return True


def _failed(u, result, why):
    _remove(u.incoming)
    u.set_state(INITIAL, result)
    log.log(log.WARN, _TAG, "install failed: %s", why)
    return False


def _file_sha(path):
    import hashlib
    from binascii import hexlify
    h = hashlib.sha256()
    buf = bytearray(BLOCK)
    try:
        with open(path, "rb") as f:
            while True:
                n = f.readinto(buf)
                if not n:
                    break
                h.update(memoryview(buf)[:n])
    except OSError:
        return None
    return hexlify(h.digest()).decode()


def _unpack(u, slot):
    # the package's files into root/slot, its manifest last -> the manifest
    import json
    d = u.root + "/" + slot
    makedirs(d)
    _remove(d + "/manifest.json")  # from here on the slot is not runnable
    _remove(d + "/manifest.json.tmp")
    for name in os.listdir(d):
        _remove(d + "/" + name)
    buf = bytearray(BLOCK)
    with open(u.incoming, "rb") as f:
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


def uninstall(u):
    """Drop a download or an installed package that is not running (4.05 otherwise)."""
    r = u.rec
    if r.get("trial") is not None or r.get("staged") in (sw.running, r.get("active")) and \
            r.get("staged") is not None:
        return NOT_ALLOWED
    _remove(u.incoming)
    u.set_state(INITIAL, R_INITIAL, staged=None)
    return True


def activate(u):
    """Run the installed package from the next boot (on trial until it registers)."""
    r = u.rec
    if r.get("state") != INSTALLED or not r.get("staged") or u.trial_running():
        return NOT_ALLOWED
    if r.get("staged") == r.get("active"):
        return True  # already the confirmed application
    for k, v in (("trial", r.get("staged")), ("starts", 0), ("failed", None)):
        r.set(k, v)
    r.save(flash=True)
    u.model.changed(9, 0)
    log.log(log.INFO, _TAG, "%s activated: runs from the next boot", r.get("staged_version"))
    return True


def deactivate(u):
    """Cancel an activation not yet booted, or run the built-in application from the
    next boot."""
    r = u.rec
    if u.trial_running():
        return NOT_ALLOWED
    r.set("trial", None)
    r.set("active", None)
    r.save(flash=True)
    u.model.changed(9, 0)
    log.log(log.INFO, _TAG, "deactivated: the built-in application runs from the next boot")
    return True
