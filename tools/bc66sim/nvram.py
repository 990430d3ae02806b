"""Non-volatile memory of the simulated BC66: survives reboots, power cycles and deep sleep.

Holds the AT+QLWCONFIG configuration, the AT+QLWCFG keys, the custom objects and the
registration context used by registration persistence. With a path it is a JSON file
(written atomically on every change); without one it lives only as long as the Simulator.
"""
import copy
import json
import os

CFG_DEFAULTS = {
    "auto_reg": [0],
    "per_regstatus_feat": [0],
    "rai_enable": [0],
    "retransmit": [2, 4],
    "auto_ack": [0],
    "access_mode": [0],
    "recovery_mode": [0],
    "retransmit_mode": [0],
}
# key -> list of (min, max) per value
CFG_RANGES = {
    "auto_reg": [(0, 1)],
    "per_regstatus_feat": [(0, 1)],
    "rai_enable": [(0, 1)],
    "retransmit": [(1, 20), (0, 8)],
    "auto_ack": [(0, 1)],
    "access_mode": [(0, 1)],
    "recovery_mode": [(0, 1)],
    "retransmit_mode": [(0, 1)],
}


def _defaults():
    return {
        "config": None,      # [bs, host, port, endpoint, lifetime, security, psk_id, psk]
        "cfg": copy.deepcopy(CFG_DEFAULTS),
        "objects": [],       # [[obj, inst, [res, ...]], ...] in insertion order
        "context": {"registered": False, "lifetime": None, "binding": "UQ"},
    }


class NVRAM:
    def __init__(self, path=None):
        self.path = path
        self.data = _defaults()
        if path and os.path.exists(path):
            try:
                with open(path) as f:
                    loaded = json.load(f)
                self.data.update(loaded)
                for k, v in CFG_DEFAULTS.items():
                    self.data["cfg"].setdefault(k, list(v))
            except (OSError, ValueError):
                self.data = _defaults()

    def __getitem__(self, key):
        return self.data[key]

    def __setitem__(self, key, value):
        self.data[key] = value
        self.save()

    def save(self):
        if not self.path:
            return
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.data, f, indent=1)
        os.replace(tmp, self.path)

    def wipe(self):
        self.data = _defaults()
        self.save()
