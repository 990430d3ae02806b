"""tools/board/build_mpy.py: a change of mpy-cross flags or version compiles every module again."""
import os

from tools.board import build_mpy


def _outputs(out):
    for _, rel in build_mpy.modules(("boards",)):
        yield os.path.join(out, rel[:-3] + ".mpy")


def test_flag_change_rebuilds_every_module(tmp_path, monkeypatch):
    out = str(tmp_path)
    build_mpy.build(out, ("boards",))
    files = list(_outputs(out))
    assert files and all(os.path.exists(f) for f in files)
    assert open(os.path.join(out, build_mpy.STAMP)).read() == build_mpy.stamp()
    for f in files:  # a stale build: newer than its source, but not what mpy-cross makes
        with open(f, "wb") as h:
            h.write(b"stale")
    build_mpy.build(out, ("boards",))  # same flags: up to date by mtime, left alone
    assert all(open(f, "rb").read() == b"stale" for f in files)
    monkeypatch.setattr(build_mpy, "FLAGS", ("-s", "{rel}", "-O1"))
    build_mpy.build(out, ("boards",))
    assert all(open(f, "rb").read()[:1] == b"M" for f in files)  # .mpy header
    assert "-O1" in open(os.path.join(out, build_mpy.STAMP)).read()


def test_version_change_rebuilds(tmp_path, monkeypatch):
    out = str(tmp_path)
    build_mpy.build(out, ("boards",))
    files = list(_outputs(out))
    with open(os.path.join(out, build_mpy.STAMP), "w") as h:
        h.write("MicroPython v0.0 mpy-cross emitting mpy v5\n-s {rel}\n")  # older mpy-cross
    for f in files:
        with open(f, "wb") as h:
            h.write(b"stale")
    build_mpy.build(out, ("boards",))
    assert all(open(f, "rb").read()[:1] == b"M" for f in files)
