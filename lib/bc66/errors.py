"""Typed exceptions of the BC66 driver and the note's chapter 6 tables."""

# Table 2 of the note: LwM2M <err> (also the code of +CME ERROR / +CMEE ERROR).
ERR = ("0:Operation successful|1:Other error|2:Parameter number error|3:Parameter value error|"
       "4:Not register error|7:Disable error|13:Data length odd error|"
       "15:Not ready receive error|32:Keep connecting error|33:Already registered error|"
       "34:Create lwm2m error|-1:ERROR")
ERR_ALREADY_REGISTERED = 33  # the <err> of Table 2 the node acts on (AT+QLWREG when registered)
# Table 3 of the note: <status_code>.
STATUS = ("0:Success|1:Timeout|2:Packet not sent|3:Recovered failed|4:Update failed|9:Reset|"
          "10:Bad request|13:Forbidden|14:Not found|22:Precondition failed")


def check_int(v, lo, hi, name):
    if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
        raise ValueError("%s: %d..%d" % (name, lo, hi))
    return v


class BC66Error(Exception):
    """Base of every error the driver raises (bad arguments raise ValueError)."""


class ATTimeout(BC66Error):
    """No final result, or no deferred result, within the deadline."""


class NoAnswer(ATTimeout):
    """A command the module did not answer at all (no echo, no result): it may not have
    been received, so sending it again is safe."""


class Aborted(BC66Error):
    """A deferred result that will not come: another line said so (the registration
    lost while an update waited: ``+QLWREG: n``, ``+QLWURC: "lwstatus",0``)."""


class Rebooted(BC66Error):
    """The module restarted (boot banner) while a command or result was pending."""


class CommandError(BC66Error):
    """``ERROR`` (code -1), ``+CME ERROR: n`` / ``+CMEE ERROR: n``, or a deferred <err>.
    ``code``, ``name`` (the note's); str(): "AT+QLWCFG error 3 (Parameter value error)",
    "<what went wrong> (ERROR)" (``cmd`` comes with any PSK masked: ATEngine's shown())."""

    table = ERR

    def __init__(self, code=-1, cmd=""):
        self.code = code
        t = self.table
        k = "|%d:" % code
        i = ("|" + t).find(k)  # the name from the table, or "Unknown"
        self.name = t[i + len(k) - 1:(t + "|").find("|", i)] if i >= 0 else "Unknown"
        # the text made here, once per raise: a __str__ would be one more function object
        # per class in the heap at start
        if t is STATUS or code != -1:
            cmd = "%s %s %d" % (cmd, "status" if t is STATUS else "error", code)
        super().__init__("%s (%s)" % (cmd.lstrip(), self.name))


class StatusError(BC66Error):
    """A deferred <status_code> != 0 (register, update, deregister, recover); str():
    "AT+QLWREG status 1 (Timeout)"."""

    __init__ = CommandError.__init__
    table = STATUS
