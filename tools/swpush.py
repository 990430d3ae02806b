"""Push an application package (tools/package.py) to a node through Eclipse Wakaama's
``lwm2mserver``, over LwM2M object 9 (lib/lwm2m/swupdate.py):

    write 9/0/0 NAME, write 9/0/1 "VERSION;SIZE;SHA256", the package in writes of 512
    bytes to 9/0/2 (SenML JSON "vd", base64: lwm2mserver sends them as TLV Opaque),
    check Update State 3 / Result 3, execute Install 9/0/4, check State 4, execute
    Activate 9/0/10. The node runs the new application from its next boot, on trial
    until it registers.

    python -m tools.swpush PACKAGE [--port 5683] [--no-activate]

starts lwm2mserver on PORT (lwm2mserver takes commands on its own stdin, so this command
runs it), waits for a node to register, pushes the package, prints what the node answered
and then keeps the server running (its prompt on this terminal) until Ctrl-C.
"""
import argparse
import base64
import json
import re
import sys

from tools.package import offer

BLOCK = 512


class PushError(RuntimeError):
    """The node refused a step (the message names it and Wakaama's answer)."""


def _step(w, command, path, want="2.04", timeout=60):
    mark = w.mark()
    w.command(command)
    m = w.wait_line(r"%s : (\d\.\d\d)" % re.escape(path), start=mark, timeout=timeout)
    if m.group(1) != want:
        raise PushError("%s: %s (wanted %s)" % (command[:60], m.group(1), want))


def read_int(w, client, path, timeout=60):
    """Read an integer resource (TLV, big-endian) -> int."""
    mark = w.mark()
    _step(w, "read %d %s" % (client, path), path, "2.05", timeout)
    n = int(w.wait_line(r"data \((\d+) bytes\):", start=mark).group(1))
    w.command("")  # the dump is complete before the next prompt
    lines = w.text(mark).splitlines()
    i = [k for k, x in enumerate(lines) if "data (%d bytes):" % n in x][0]
    return int.from_bytes(bytes.fromhex("".join(lines[i + 1].split()[:n])), "big", signed=True)


def push(w, client, data, version, name="bc66-lwm2m-app", activate=True, corrupt_at=None,
         echo=None):
    """Push ``data`` (a package) to client ``client`` of Wakaama ``w``. ``corrupt_at``:
    flip one bit of that byte on the way (tests: the node must refuse the package) ->
    (Update State, Update Result) after the last step that ran."""
    say = echo or (lambda s: None)
    _step(w, "write %d /9/0/0 %s" % (client, name), "/9/0/0")
    _step(w, "write %d /9/0/1 %s" % (client, offer(data, version)), "/9/0/1")
    for i in range(0, len(data), BLOCK):
        block = bytearray(data[i:i + BLOCK])
        if corrupt_at is not None and i <= corrupt_at < i + BLOCK:
            block[corrupt_at - i] ^= 1
        vd = base64.b64encode(bytes(block)).decode()
        _step(w, 'write %d /9/0/2 [{"bn":"/9/0/2","vd":"%s"}]' % (client, vd), "/9/0/2")
        say("block %d/%d written" % (i // BLOCK + 1, -(-len(data) // BLOCK)))
    state, result = read_int(w, client, "/9/0/7"), read_int(w, client, "/9/0/9")
    say("downloaded: Update State %d, Update Result %d" % (state, result))
    if (state, result) != (3, 3):
        return state, result
    _step(w, "exec %d /9/0/4" % client, "/9/0/4")
    state, result = read_int(w, client, "/9/0/7"), read_int(w, client, "/9/0/9")
    say("installed: Update State %d, Update Result %d" % (state, result))
    if activate and state == 4:
        _step(w, "exec %d /9/0/10" % client, "/9/0/10")
        say("activated: the node runs %s from its next boot" % version)
    return state, result


def main(argv=None):
    from tools import wakaama
    p = argparse.ArgumentParser(prog="python -m tools.swpush", description=__doc__.split("\n")[0])
    p.add_argument("package")
    p.add_argument("--port", type=int, default=5683)
    p.add_argument("--no-activate", action="store_true")
    a = p.parse_args(argv)
    with open(a.package, "rb") as f:
        data = f.read()
    version = json.loads(data.split(b"\n", 2)[1])["version"]  # MAGIC, the manifest line
    w = wakaama.Wakaama(a.port).start()
    try:
        print("lwm2mserver on UDP %d: waiting for a node to register" % a.port)
        c = int(w.wait_line(r"New client #(\d+) registered", timeout=3600).group(1))
        print("client #%d: pushing %s (%d bytes)" % (c, a.package, len(data)))
        state, result = push(w, c, data, version, activate=not a.no_activate, echo=print)
        print("Update State %d, Update Result %d" % (state, result))
        w.echo = print
        while w.proc.poll() is None:
            line = sys.stdin.readline()
            if not line:
                break
            w.command(line.rstrip("\n"))
    except KeyboardInterrupt:
        pass
    finally:
        w.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
