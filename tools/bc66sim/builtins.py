"""The module's built-in objects (note 3.2.1), answered by the module itself.

"There are some built-in objects which are supported by BC66/BC66-NA LwM2M Client by
default": the server reads them without any AT traffic (3/0/0 gets content), and the
server's writes to the Server object (1/0/1 lifetime, 1/0/2 and 1/0/3 the default
observation periods, 1/0/7 binding) change the module and are reported with the URCs of
4.3.11-4.3.14. Executes of 1/0/4, 1/0/8, 1/0/9 and 3/0/5 are Server methods (server.py).
"""
from . import atparse as P

BUILTIN_OBJECTS = (0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 13, 16, 3353)
STR, INT, BOOL = P.T_STRING, P.T_INTEGER, P.T_BOOLEAN

# (obj, inst) -> {res: (value type, getter(modem))}; only these instances exist
RESOURCES = {
    (1, 0): {0: (INT, lambda m: 123),                       # Short Server ID
             1: (INT, lambda m: m.lifetime or 0),            # Lifetime
             2: (INT, lambda m: m.min_period),               # Default Minimum Period
             3: (INT, lambda m: m.max_period),               # Default Maximum Period
             6: (BOOL, lambda m: True),                       # Notification Storing
             7: (STR, lambda m: m.binding)},                 # Binding
    (3, 0): {0: (STR, lambda m: "Quectel"),                  # Manufacturer
             1: (STR, lambda m: "BC66"),                     # Model Number
             2: (STR, lambda m: m.imei),                     # Serial Number
             3: (STR, lambda m: "BC66NBR01A10"),             # Firmware Version
             11: (INT, lambda m: 0),                         # Error Code
             16: (STR, lambda m: "UQ")},                     # Supported Binding Modes
    (4, 0): {0: (INT, lambda m: 7),                          # Network Bearer: NB-IoT
             2: (INT, lambda m: -113 + 2 * m.rssi),          # Radio Signal Strength, dBm
             4: (STR, lambda m: m.ip)},                      # IP Addresses
}
# writable resources of the Server object: res -> (URC kind, check)
SERVER_WRITES = {1: ("lifetime_changed", lambda v: 20 <= v <= 31536000),
                 2: ("min_period_changed", lambda v: v >= 0),
                 3: ("max_period_changed", lambda v: v >= 0),
                 7: ("binding_changed", lambda v: v in ("U", "UQ"))}
NOT_FOUND, BAD_REQUEST, NOT_ALLOWED = 13, 11, 14


def is_builtin(m, obj):
    """True when the module answers requests to `obj` itself (not added by the MCU: the
    lenient addobj_builtin reading lets the MCU take one over)."""
    return obj in BUILTIN_OBJECTS and not m.has_object(obj)


def read(m, obj, inst, res):
    """A server read (or observe) -> (result, [(obj, inst, res, vtype, value), ...])."""
    if inst < 0:
        keys = sorted(k for k in RESOURCES if k[0] == obj)
    else:
        keys = [(obj, inst)] if (obj, inst) in RESOURCES else []
    values = []
    for k in keys:
        table = RESOURCES[k]
        for r in ([res] if res >= 0 else sorted(table)):
            if r not in table:
                return NOT_FOUND, []
            vtype, get = table[r]
            values.append((k[0], k[1], r, vtype, get(m)))
    return (1, values) if values else (NOT_FOUND, [])


def write(m, obj, inst, res, value):
    """A server write of `value` (the payload bytes) -> result; a change of the Server
    object takes effect at once and is reported with its URC (4.3.11-4.3.14)."""
    table = RESOURCES.get((obj, inst))
    if table is None or res not in table:
        return NOT_FOUND
    if (obj, inst) != (1, 0) or res not in SERVER_WRITES:
        return NOT_ALLOWED
    kind, ok = SERVER_WRITES[res]
    text = bytes(value).decode("latin-1")
    try:
        v = text if res == 7 else int(text, 10)
    except ValueError:
        return BAD_REQUEST
    if not ok(v):
        return BAD_REQUEST
    if res == 1:
        m.set_lifetime(v)
    elif res == 2:
        m.min_period = v
    elif res == 3:
        m.max_period = v
    else:
        m.binding = v
    m.emit('+QLWURC: "%s",%s' % (kind, '"%s"' % v if res == 7 else v))
    return 2
