"""The LwM2M 1.0 JSON data format (OMA-TS-LightweightM2M-V1_0, 6.4.4), media type 11543.

``encode(base, parts)``: parts [(obj, inst, res, vtype, value)] -> JSON bytes with a base
name ``/obj/inst/`` and one entry per resource. ``decode(data, base)`` -> [(res, vtype,
text bytes)] with values in the text form the module's write URC carries.
"""
import base64
import json


class JSONFormatError(ValueError):
    """A payload that is not LwM2M JSON."""


def encode(base, parts):
    """Encode read/observe answers under base name ``base`` (e.g. "/3303/0/")."""
    entries = []
    for obj, inst, res, vtype, value in parts:
        e = {"n": str(res)}
        if vtype == 1:
            e["sv"] = str(value)
        elif vtype == 2:
            e["sv"] = base64.b64encode(bytes(value)).decode()
        elif vtype == 5:
            e["bv"] = bool(value)
        else:
            e["v"] = value
        entries.append(e)
    return json.dumps({"bn": base, "e": entries}, separators=(",", ":")).encode()


def decode(data, base):
    """Decode a write payload -> [(obj, inst, res, vtype, text bytes)] for resources under
    ``base`` ((obj, inst)); raises JSONFormatError."""
    try:
        doc = json.loads(bytes(data).decode("utf-8"))
        bn = doc.get("bn", "")
        out = []
        for e in doc["e"]:
            path = [int(x) for x in (bn + e.get("n", "")).strip("/").split("/") if x]
            if len(path) == 1:
                path = list(base) + path
            if len(path) != 3:
                raise JSONFormatError("entry %r is not a resource" % (e,))
            if "sv" in e:
                out.append((path[0], path[1], path[2], 1, str(e["sv"]).encode()))
            elif "bv" in e:
                out.append((path[0], path[1], path[2], 5, b"1" if e["bv"] else b"0"))
            elif "v" in e:
                v = e["v"]
                vtype = 3 if isinstance(v, int) else 4
                out.append((path[0], path[1], path[2], vtype, str(v).encode()))
            else:
                raise JSONFormatError("entry %r has no value" % (e,))
        return out
    except (ValueError, KeyError, TypeError, AttributeError) as ex:
        raise JSONFormatError("not LwM2M JSON: %s" % ex)
