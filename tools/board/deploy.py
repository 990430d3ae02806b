"""Put the firmware on a board with ``mpremote``: deploy, run from the working tree, size.

    python -m tools.board.deploy deploy --board esp32_devkitc --port /dev/ttyUSB0 [--config my.json]
    python -m tools.board.deploy run --board nucleo_l476rg --port /dev/ttyACM0 [-- main.py args]
    python -m tools.board.deploy size
    python -m tools.board.deploy package     # rewrite package.json (mip) from lib/

Both commands first stage the board's tree in ``build/stage/<board>/`` (what the board's
filesystem gets): ``lib/`` with the .mpy of lib/bc66, lib/lwm2m, boards/ and the app
(compiled by mpy-cross, only what changed), ``main.py`` (source: tiny, compiled on the
device) and ``board.py`` (``from boards.<board> import *``: which description this board
runs). ``deploy`` copies that tree with ``mpremote fs cp`` (it skips every file whose
sha256 on the board is the same), the config if given, then resets the board.
``run`` mounts the staged tree (mpremote's mount) and runs the firmware from it: the
code on the board's flash is not touched; Ctrl-C stops the firmware orderly. ``size`` prints the .mpy size per module of
lib/ and firmware/ and fails past ``SIZE_LIMIT``.
"""
import argparse
import ast
import os
import shutil
import subprocess
import sys

from tools.board import build_mpy

ROOT = build_mpy.ROOT
STAGE = os.path.join(ROOT, "build", "stage")
# .mpy of lib/ + firmware/ (``make size`` prints today's total). The limit keeps the node
# runnable from .mpy on a Pyboard v1.1 (about 100 KB of heap, where loaded bytecode is most
# of the import footprint) with room for today's work; past it, freeze the code with
# manifest.py or look at what grew. 80 -> 96 KB on 2026-12-07: 91,038 B with the objects
# for operating a deployed node (settings, health, swupdate: 10.5 KB), which a board
# running .mpy needs most (a package replaces only non-frozen modules).
SIZE_LIMIT = 96 * 1024
# mpremote's "reset" (machine.reset) where the port has it; the unix port has only
# machine.soft_reset, which ends the process (the pretend board restarts it)
RESET = ("import time, machine; time.sleep_ms(100); "
         "machine.reset() if hasattr(machine, 'reset') else machine.soft_reset()")


def mpremote():
    here = os.path.join(os.path.dirname(sys.executable), "mpremote")
    return here if os.path.exists(here) else "mpremote"


def description(name):
    """The board's description as data, read with CPython (not imported): the ``BOARD``
    dict (with the board file's other module-level constants)."""
    path = os.path.join(ROOT, "boards", name + ".py")
    if not os.path.exists(path):
        known = sorted(f[:-3] for f in os.listdir(os.path.join(ROOT, "boards"))
                       if f.endswith(".py") and f[0] != "_" and f not in ("gpio.py", "base.py"))
        raise SystemExit("no board %r: one of %s" % (name, ", ".join(known)))
    env = {}
    for node in ast.parse(open(path).read()).body:
        if isinstance(node, ast.ImportFrom) and node.module.startswith("boards."):
            base = description(node.module.split(".")[-1])
            for alias in node.names:
                env[alias.asname or alias.name] = base["BOARD"] if alias.name == "BOARD" else base
        elif isinstance(node, (ast.Assign, ast.Expr)):
            try:
                exec(compile(ast.Module([node], []), path, "exec"), env)
            except Exception:
                pass  # code, not data: not needed here
    return env


def config_path(name):
    """Where the board reads its config (the description's ``config``)."""
    d = description(name)
    return d["BOARD"]["config"]


def _put(src, dst):
    # copy only when the bytes differ: an unchanged file keeps its mtime
    if os.path.exists(dst):
        with open(src, "rb") as a, open(dst, "rb") as b:
            if a.read() == b.read():
                return False
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copyfile(src, dst)
    return True


def stage(board):
    """Compile what changed and lay out ``build/stage/<board>/`` -> its path."""
    arch = build_mpy.board_arch(description(board)["BOARD"])  # (a clear error if unknown)
    mpy = build_mpy.out_dir(arch)  # native code for this board's MCU
    build_mpy.build(mpy, arch=arch)
    out = os.path.join(STAGE, board)
    want = set()
    for top, dest in (("lib", "lib"), ("boards", "lib/boards"), ("firmware", "lib")):
        for src, rel in build_mpy.modules((top,)):
            if rel == "firmware/main.py":
                continue
            name = os.path.relpath(rel, top)[:-3] + ".mpy"
            d = os.path.join(out, dest, name)
            _put(os.path.join(mpy, rel[:-3] + ".mpy"), d)
            want.add(d)
    _put(os.path.join(ROOT, "firmware", "main.py"), os.path.join(out, "main.py"))
    sel = os.path.join(out, "board.py")
    text = "from boards.%s import *  # noqa: F401,F403 (written by tools/board/deploy.py)\n" % board
    if not os.path.exists(sel) or open(sel).read() != text:
        with open(sel, "w") as f:
            f.write(text)
    for d, _, files in os.walk(os.path.join(out, "lib")):  # modules deleted since
        for f in files:
            if os.path.join(d, f) not in want:
                os.remove(os.path.join(d, f))
    return out


def deploy(board, port, config=None, run=subprocess.run):
    """Copy the staged tree (only what changed on the board), the config, and reset."""
    out = stage(board)
    cmd = [mpremote(), "connect", port, "fs", "cp", "-r", os.path.join(out, "lib"), ":.",
           "+", "fs", "cp", os.path.join(out, "main.py"), os.path.join(out, "board.py"), ":."]
    if config:
        cmd += ["+", "fs", "cp", config, ":" + config_path(board)]
    cmd += ["+", "exec", "--no-follow", RESET]
    return run(cmd, check=True)


RUNNER = """import sys
sys.path.insert(0, "/remote/lib")
sys.argv[:] = %r
import main
"""


def run(board, port, args=(), config=None):
    """Run the firmware from the staged working tree, mounted on the board (mpremote's
    mount): nothing is written to its flash -> the firmware's exit code. ``args`` go to
    main.py (unix: ``--port``). Ctrl-C (SIGINT) and SIGTERM become a Ctrl-C on the board,
    the firmware's orderly shutdown, whose output is followed to the end; a third one
    stops following (the board may still run the firmware)."""
    from mpremote.transport_serial import SerialTransport
    from tools.board import rawrepl
    tree = stage(board)
    args = list(args)
    if config:
        _put(config, os.path.join(tree, "config.json"))
        args += ["--config", "config.json"]
    t = None
    pending = []  # a Ctrl-C that came during a mount transfer: sent with the next line

    def send(frame):
        # (a Ctrl-C the board takes while it waits for mpremote's answer is lost: it
        # starts a transfer with Ctrl-C off; pressed again, it arrives)
        if _in_mount_transfer(frame):
            pending.append(True)
        else:
            rawrepl.ctrl_c(t)

    def out(line):
        _print(line)
        if pending:  # the board prints: no mount transfer under way
            pending.clear()
            rawrepl.ctrl_c(t)

    sig = rawrepl.ctrl_c_on_signals(send, give_up=3)
    try:
        with sig:
            t = SerialTransport(port, 115200)
            t.enter_raw_repl(soft_reset=True)
            t.mount_local(tree)
            sig.running = True
            return rawrepl.run_main(t, RUNNER % (["main.py"] + args,), out)
    except KeyboardInterrupt:
        print("run: stopped %s" % ("following the board: it may still run the firmware"
                                   if sig.running else "before the firmware started"),
              file=sys.stderr)
        return 130
    except rawrepl.RunError as e:
        print("run: %s" % e, file=sys.stderr)
        return 1
    finally:
        if t is not None:
            if sig.signals < 3:  # the firmware ended (not given up on): tidy the board
                try:
                    t.umount_local()
                    t.exit_raw_repl()
                except Exception:  # the board went away: nothing to tidy on it
                    pass
            t.close()


def _in_mount_transfer(frame):
    # True if the signal came while mpremote serves one of the board's file commands (the
    # board reads its answer: a Ctrl-C byte there would be taken for data); the board has
    # Ctrl-C off then (micropython.kbd_intr(-1)) and would not see it as one anyway
    while frame is not None:
        code = frame.f_code
        if "mpremote" in code.co_filename:
            if code.co_name.startswith("do_"):
                return True
            if code.co_name == "_check_input":  # after the command byte 0x18 was read
                c = frame.f_locals.get("c")
                if c == b"\x18" or isinstance(c, int):
                    return True
        frame = frame.f_back
    return False


def _print(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def sizes():
    """{module path: .mpy bytes} of lib/ and firmware/ (compiled first), as a Pyboard v1.1
    loads them (its native code: SIZE_LIMIT is about that board)."""
    arch = build_mpy.ARCH["stm32"]
    mpy = build_mpy.out_dir(arch)
    build_mpy.build(mpy, arch=arch)
    return {rel: os.path.getsize(os.path.join(mpy, rel[:-3] + ".mpy"))
            for _, rel in build_mpy.modules(("lib", "firmware"))}


def check_size(sz, limit=SIZE_LIMIT):
    """-> total; raises SystemExit naming the total and the limit when past it."""
    total = sum(sz.values())
    if total > limit:
        big = sorted(sz.items(), key=lambda kv: -kv[1])[:3]
        raise SystemExit("compiled lib/ + firmware/ is %d B, past the limit of %d B "
                         "(largest: %s)" % (total, limit, ", ".join("%s %d" % kv for kv in big)))
    return total


PACKAGE = os.path.join(ROOT, "package.json")
PACKAGE_TOPS = ("lib/bc66", "lib/lwm2m")


def package_json():
    """package.json for ``mpremote mip install github:<owner>/<repo>``: the library
    (lib/bc66, lib/lwm2m) as sources, URLs relative to the repository -> its text."""
    import json
    urls = ",\n  ".join(json.dumps([os.path.relpath(rel, "lib"), rel])
                         for _, rel in build_mpy.modules(PACKAGE_TOPS))
    return '{\n "urls": [\n  %s\n ],\n "deps": [],\n "version": "0.1.0"\n}\n' % urls


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for c in ("deploy", "run", "stage"):
        p = sub.add_parser(c)
        p.add_argument("--board", required=True, help="a description in boards/")
        if c != "stage":
            p.add_argument("--port", required=True, help="the board's serial device")
            p.add_argument("--config", help="config JSON for the board")
        if c == "run":
            p.add_argument("args", nargs="*", help="arguments for main.py (after --)")
    sub.add_parser("size")
    sub.add_parser("package", help="rewrite package.json from lib/")
    a = ap.parse_args(argv)
    if a.cmd == "stage":
        print(stage(a.board))
    elif a.cmd == "deploy":
        deploy(a.board, a.port, a.config)
    elif a.cmd == "run":
        return run(a.board, a.port, a.args, a.config)
    elif a.cmd == "package":
        with open(PACKAGE, "w") as f:
            f.write(package_json())
    else:
        sz = sizes()
        for rel in sorted(sz):
            print("%7d  %s" % (sz[rel], rel))
        total = check_size(sz)
        print("%7d  total (limit %d, %d%%)" % (total, SIZE_LIMIT, 100 * total // SIZE_LIMIT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
