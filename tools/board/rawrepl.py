"""Run the firmware through a board's raw REPL (mpremote's transport) and stop it the
firmware's orderly way: used by ``tools.board.qemu`` (the QEMU board) and ``make run``.

``run_main`` prints the firmware's output line by line and returns its exit code (the
script prints it last, after an exit mark); ``ctrl_c_on_signals`` turns the host's SIGINT
(a terminal's Ctrl-C) and SIGTERM into a Ctrl-C on the board once the firmware runs (its
orderly shutdown; a second one cuts it short), and into KeyboardInterrupt before.
"""
import signal

EXIT_MARK = "@@exit "


class RunError(Exception):
    """The board faulted (its register dump was printed) or stopped answering."""


def wrap(body):
    """A raw-REPL script that runs ``body`` and prints its exit code last; SystemExit's
    code follows CPython (None -> 0, int -> itself, anything else printed, 1)."""
    return (
        "_rc = 0\n"
        "try:\n"
        "    exec(%r, {'__name__': '__main__'})\n"
        "except SystemExit as e:\n"
        "    _rc = e.args[0] if e.args else 0\n"
        "    if _rc is not None and not isinstance(_rc, int):\n"
        "        print(_rc)\n"
        "        _rc = 1\n"
        "print(%r + str(_rc or 0))\n" % (body, EXIT_MARK))


class _Fault(Exception):
    pass


class Lines:
    """Passes the firmware's output on line by line (``out(text)``), keeping back the exit
    mark (``rc``); a CPU fault's register dump ends the run (the board never answers
    again)."""

    def __init__(self, out):
        self.out = out
        self.buf = b""
        self.rc = None
        self.fault = None

    def __call__(self, data):
        self.buf += data
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            text = line.decode(errors="replace").rstrip("\r")
            if text.startswith(EXIT_MARK):
                self.rc = int(text[len(EXIT_MARK):])
                continue
            self.out(text)
            if text.endswith(" exception caught:"):  # HardFault, BusFault... (errorhandler.c)
                self.fault = text[:-len(" exception caught:")]
            elif self.fault and text.startswith("DFSR.EXTERNAL"):  # the dump's last line
                raise _Fault()


def run_main(transport, body, out, timeout=None):
    """Run ``body`` (Python source) on the board in its raw REPL, ``out(line)`` getting each
    line it prints -> its exit code. ``timeout``: the longest silence in seconds (None:
    none). Raises RunError if the board faulted or stopped answering, ``err`` text if the
    script itself raised."""
    lines = Lines(out)
    try:
        if not transport.in_raw_repl:
            transport.enter_raw_repl(soft_reset=False)
        transport.exec_raw_no_follow(wrap(body))
        _, err = transport.follow(timeout, lines)
    except _Fault:
        raise RunError("the board faulted: %s" % lines.fault)
    except Exception as e:  # mpremote's TransportError, the port closed under it
        raise RunError("the board stopped answering: %s" % (e,))
    if err:
        raise RunError(err.decode(errors="replace").replace("\r\n", "\n").rstrip("\n"))
    if lines.rc is None:
        raise RunError("the board stopped answering: no exit code")
    return lines.rc


def ctrl_c(transport):
    """Ctrl-C on the board's REPL: KeyboardInterrupt in the running script."""
    transport.serial.write(b"\x03")


class ctrl_c_on_signals:
    """``with ctrl_c_on_signals(send) as s:`` SIGINT and SIGTERM call ``send(frame)`` once
    ``s.running`` is set (the firmware runs: its orderly shutdown), else (and at the
    ``give_up``-th signal) raise KeyboardInterrupt; on leaving, SIGINT is ignored (the end is under way) and SIGTERM
    is as before."""

    def __init__(self, send, give_up=None):
        self.send = send
        self.give_up = give_up  # the signal that stops waiting for the firmware (None: never)
        self.running = False
        self.signals = 0

    def _on(self, signum, frame):
        self.signals += 1
        if not self.running or self.signals == self.give_up:
            raise KeyboardInterrupt
        self.send(frame)

    def __enter__(self):
        self._old = signal.signal(signal.SIGTERM, self._on)
        signal.signal(signal.SIGINT, self._on)
        return self

    def __exit__(self, *exc):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, self._old)
