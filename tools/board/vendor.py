"""Where the vendored third-party sources are, and how tests treat their absence.

The sources live in ``../shared/vendor`` beside a checkout (override with ``BC66_SHARED``).
A user's clone has no ``../shared``: tests that need it skip with a clear message. CI sets
``BC66_REQUIRE_VENDOR=1`` (see ``.ci/run``): there a missing source or tool fails instead.
Unpacked and built trees go under ``build/vendor/`` (ignored by git), built once, reused.
"""
import os
import tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("BC66_SHARED") or os.path.join(os.path.dirname(ROOT), "shared")
VENDOR = os.path.join(SHARED, "vendor")
BUILD = os.path.join(ROOT, "build", "vendor")
REQUIRED = os.environ.get("BC66_REQUIRE_VENDOR") == "1"


def tarball(prefix):
    """Path of the vendored tarball whose name starts with ``prefix`` (None if absent)."""
    if not os.path.isdir(VENDOR):
        return None
    for name in sorted(os.listdir(VENDOR)):
        if name.startswith(prefix) and name.endswith(".tar.gz"):
            return os.path.join(VENDOR, name)
    return None


def unpack(prefix, dest):
    """Unpack the tarball ``prefix*`` into ``dest`` once; returns ``dest``.

    Raises FileNotFoundError naming what is missing.
    """
    if os.path.exists(os.path.join(dest, ".unpacked")):
        return dest
    tb = tarball(prefix)
    if tb is None:
        raise FileNotFoundError("no %s*.tar.gz in %s" % (prefix, VENDOR))
    os.makedirs(dest, exist_ok=True)
    with tarfile.open(tb) as t:
        t.extractall(dest, filter="data")
    open(os.path.join(dest, ".unpacked"), "w").close()
    return dest


def missing(reason):
    """Call from a test when a vendored source or tool is absent: skip, or fail in CI."""
    import pytest
    if REQUIRED:
        pytest.fail("required in CI (BC66_REQUIRE_VENDOR=1): " + reason, pytrace=False)
    pytest.skip(reason)
