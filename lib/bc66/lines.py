"""CR/LF framing into one preallocated buffer (the loop: ``native.frame``, viper code)."""
from micropython import const
try:
    from .native import frame  # machine code: every port we build for
except (ImportError, SyntaxError, ValueError):  # a port with no native emitter (unix on arm64)
    from .plain import frame

# Longest legal line, from the note's limits: a write of the longest value, a string of
# 1,024 bytes (<len>: "The max size is 1024 bytes"), arrives hex-encoded, 2 characters a
# byte (4.2.14: "in hex string format"), inside the longest header of a write,
#   +QLWRD: 65535,"write",65535,65535,65535,65535,1,1024,"<hex>",65535
# (61 characters around the hex: 2,109 in all); plus room for a space after each comma
# (the note's examples show one, bc66-facts.md) and a margin: 2,148 bytes.
_MAX_VALUE_BYTES = const(1024)
_WRITE_HEAD = const(61)  # the characters of a buffered write line around its hex value
_SLACK = const(39)  # spaces after commas (11) and a margin
MAXLINE = const(2 * _MAX_VALUE_BYTES + _WRITE_HEAD + _SLACK)


class Lines:
    """Feed raw bytes; ``line(buf, n)`` is called for every complete non-empty line
    (``cb`` given, or a subclass's ``line`` method).

    ``buf[:n]`` is the line without its terminator and is only valid during the call.
    A line longer than ``size`` is dropped (``overlong`` counts it) and framing resumes at
    the next CR or LF. CR LF, bare CR and bare LF all end a line; empty lines are skipped.
    """

    def __init__(self, cb=None, size=MAXLINE):
        self.buf = bytearray(size)
        self.n = 0  # bytes of the unfinished line in buf
        self.skip = False  # inside an overlong line
        self.overlong = 0
        if cb is not None:
            self.line = cb

    feed = frame
    # feed(data, n): frame ``data[:n]`` (any buffer: bytes, bytearray, memoryview), one
    # machine-code loop over raw pointers, nothing allocated (on the Cortex-M3 the bytecode
    # of ``find`` and slice copies it replaced cost ~38 k instructions per read round trip)
