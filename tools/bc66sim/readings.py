"""Where the application note can be read two ways: one named option per point, one table.

Each reading has a *strict* value (the one that is hardest on the node: firmware that
passes under it cannot be relying on the simulator's goodwill) and a *lenient* one, with
the note's own words for both sides. ``Simulator(readings="strict")`` (the default),
``readings="lenient"``, or a dict ``{name: "strict"|"lenient"}`` over either base
(``{"base": "lenient", "boot_echo": "strict"}``). The modem asks ``self.strict(name)``.
docs/simulator.md lists the same table; ``python -m tools.bc66sim --readings`` takes the
same values.
"""


class Reading:
    """One point the note leaves open: `strict` and `lenient` describe what the simulated
    module does under each value; `note_strict` / `note_lenient` quote the note."""

    def __init__(self, name, section, strict, lenient, note_strict, note_lenient):
        self.name, self.section = name, section
        self.strict, self.lenient = strict, lenient
        self.note_strict, self.note_lenient = note_strict, note_lenient


READINGS = (
    Reading("float_len", "4.2.8, 4.2.11, 4.2.12 / 5.8.1-5.8.3",
            "Float <len> must be the number of characters (else +CME ERROR: 3)",
            "Float <len> is not checked",
            "When <value_type> is Float, <len> is the number of characters.",
            "AT+QLWOBSRSP=16987,1,3303,0,5601,4,4,88.88,0 ... OK"),
    Reading("index_gap", "4.2.8, 4.2.11, 4.2.12 <index>",
            "parts must count down by one to 0 (a gap: +CME ERROR: 3, parts dropped)",
            "any descending <index> is taken, 0 ends the answer",
            "If it is split into N parts, the order number of <index> is N-1 to 0 in "
            "descending order",
            "If <index> is 0, it means that this is the last message of the data."),
    Reading("recover_idle", "4.2.15, 4.3.18",
            "AT+QLWRECOVER with nothing to recover (status 0/4/5): OK, then "
            "+QLWURC: \"recovered\",3",
            "the same: +CME ERROR: 4 at once",
            "Response OK +QLWURC: \"recovered\",<status_code> ... 3 Recovered failed",
            "If there is any error: +CMEE ERROR: <err> ... 4 Not register error"),
    Reading("reg_in_7", "4.2.3, 4.2.14",
            "AT+QLWREG in status 7 (Need Recover): +CME ERROR: 33",
            "AT+QLWREG in status 7: OK, a new registration, +QLWREG: 0",
            "33 Already registered error",
            "The Execution Command sends a register request to LwM2M server."),
    Reading("reg_cfun0", "4.2.3, 3.4 case 3",
            "AT+QLWREG after AT+CFUN=0: OK, then +QLWREG: 1 (looks accepted, fails later)",
            "AT+QLWREG after AT+CFUN=0: +CME ERROR: 15 at once",
            "Response OK +QLWREG: <status_code> ... 1 Timeout",
            "15 Not ready receive error"),
    Reading("dereg_status", "4.2.5, 4.2.14, 4.2.1 note 2",
            "after +QLWDEREG: 0 the status stays 4 (Deregistered)",
            "after +QLWDEREG: 0 the status goes to 0 (Not Registered) 1 s later",
            "4 Deregistered",
            "0 Not Registered"),
    Reading("config_in_4", "4.2.1 note 2",
            "AT+QLWCONFIG= in status 4 (Deregistered): +CME ERROR: 33 (AT+CFUN=0 first)",
            "AT+QLWCONFIG= in status 4: accepted",
            "LwM2M server information can be configured only when the LwM2M client "
            "status is \"Not Registered\".",
            "3.4 case 3: set the module into minimum functionality mode with AT+CFUN=0 first "
            "(only when auto-registration was initiated)"),
    Reading("config_busy_code", "4.2.1 note 2, chapter 6",
            "AT+QLWCONFIG= while registering or in status 7: +CME ERROR: 1",
            "+CME ERROR: 32 while registering, 33 in status 7",
            "1 Other error (the note names no code for this refusal)",
            "32 Keep connecting error / 33 Already registered error"),
    Reading("config_after_update", "4.2.1, 4.2.4",
            "AT+QLWCONFIG? after AT+QLWUPDATE=0,<lifetime> shows the new lifetime",
            "AT+QLWCONFIG? keeps the configured lifetime",
            "The configurations will be saved to NVRAM automatically.",
            "AT+QLWCONFIG ... configures the registration parameters"),
    Reading("update_urcs", "4.3.11, 4.3.12 / 4.2.4, 5.7.2.2",
            "AT+QLWUPDATE=0/1 is followed by +QLWURC: \"lifetime_changed\" / "
            "\"binding_changed\"",
            "no URC after AT+QLWUPDATE (as in the examples)",
            "+QLWURC: \"binding_changed\",<binding_mode> Notify TE that the binding mode has "
            "changed.",
            "AT+QLWUPDATE=1,0 ... +QLWUPDATE: 0,38296 //Updated successfully"),
    Reading("boot_echo", "4.1.2 / not in the note",
            "echo is on after every boot (ATE0 needed)",
            "echo is off after boot",
            "not in the note: the echo default after a boot is unconfirmed, send ATE0 explicitly",
            "the note's transcripts show no echoed commands"),
    Reading("addobj_exists", "4.2.6",
            "AT+QLWADDOBJ of an instance that exists: +CME ERROR: 3",
            "AT+QLWADDOBJ of an instance that exists: replaced",
            "The Write Command adds a new LwM2M object.",
            "The command takes effect immediately."),
    Reading("addobj_builtin", "4.2.6, 3.2.1",
            "AT+QLWADDOBJ of a built-in object (3/0): +CME ERROR: 3",
            "AT+QLWADDOBJ of a built-in object: accepted (the MCU answers it)",
            "There are some built-in objects which are supported by BC66/BC66-NA LwM2M "
            "Client by default.",
            "BC66/BC66-NA also supports users to add custom objects through AT+QLWADDOBJ."),
    Reading("id_65535", "4.2.6, 4.2.12",
            "object or resource id 65535 (reserved in LwM2M): +CME ERROR: 3",
            "object or resource id 65535: accepted",
            "<objectID> Integer type. Object ID. (LwM2M reserves 65535)",
            "<port> ... The range is 0-65535 (the only range the note gives for a 16-bit id)"),
    Reading("error_prefix", "4.2.x responses / 3GPP 27.007",
            "errors read +CMEE ERROR: <err> (the note's literal form)",
            "errors read +CME ERROR: <err> (3GPP 27.007)",
            "If there is any error: +CMEE ERROR: <err>",
            "`+CME ERROR` is the 3GPP 27.007 form, the one the BC26 manual uses"),
    Reading("wrrsp_name", "4.2.9 / 5.4",
            "AT+QLWWRRSP gets ERROR; only AT+QLWRRSP answers a write",
            "AT+QLWWRRSP and AT+QLWRRSP both answer a write",
            "4.2.9 AT+QLWRRSP Respond to the Write Request",
            "5.4: AT+QLWWRRSP=32193,2 OK +QLWWRRSP: 0"),
)
BY_NAME = {r.name: r for r in READINGS}
VALUES = ("strict", "lenient")


def resolve(readings="strict"):
    """"strict" / "lenient" / {name: value, "base": value} -> {name: True if strict}."""
    if readings is None:
        readings = "strict"
    if isinstance(readings, str):
        readings = {"base": readings}
    readings = dict(readings)
    base = readings.pop("base", "strict")
    if base not in VALUES:
        raise ValueError("readings: base must be 'strict' or 'lenient', not %r" % (base,))
    out = {name: base == "strict" for name in BY_NAME}
    for name, value in readings.items():
        if name not in BY_NAME:
            raise ValueError("readings: unknown reading %r (known: %s)"
                             % (name, ", ".join(BY_NAME)))
        if value not in VALUES:
            raise ValueError("readings.%s: must be 'strict' or 'lenient', not %r"
                             % (name, value))
        out[name] = value == "strict"
    return out
