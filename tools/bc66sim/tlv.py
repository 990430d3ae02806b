"""The LwM2M 1.0 TLV data format (OMA-TS-LightweightM2M-V1_0, 6.4.3), media type 11542.

A TLV is ``(kind, id, value)``: ``kind`` one of OBJECT_INSTANCE, RESOURCE_INSTANCE,
MULTIPLE_RESOURCE, RESOURCE; ``value`` is bytes for RESOURCE / RESOURCE_INSTANCE and a
list of TLVs for OBJECT_INSTANCE / MULTIPLE_RESOURCE. ``decode(data)`` -> list of TLVs,
``encode(tlvs)`` -> bytes. Values are raw bytes: ``encode_value`` / ``decode_value``
convert them by the resource's type (string, opaque, integer, float, boolean, objlnk).
"""
import struct
from collections import namedtuple

OBJECT_INSTANCE, RESOURCE_INSTANCE, MULTIPLE_RESOURCE, RESOURCE = 0, 1, 2, 3
TLV = namedtuple("TLV", "kind id value")


class TLVError(ValueError):
    """A TLV byte string that does not parse (truncated, bad length, bad nesting)."""


def decode(data):
    """TLV bytes -> [TLV]; nested kinds are decoded recursively."""
    data = bytes(data)
    out = []
    i = 0
    while i < len(data):
        t = data[i]
        kind = t >> 6
        id_len = 2 if t & 0x20 else 1
        len_len = (t >> 3) & 3
        i += 1
        if i + id_len + len_len > len(data):
            raise TLVError("truncated TLV header at byte %d" % (i - 1))
        ident = int.from_bytes(data[i:i + id_len], "big")
        i += id_len
        if len_len:
            n = int.from_bytes(data[i:i + len_len], "big")
            i += len_len
        else:
            n = t & 7
        if i + n > len(data):
            raise TLVError("TLV %d claims %d bytes, %d left" % (ident, n, len(data) - i))
        v = data[i:i + n]
        i += n
        if kind in (OBJECT_INSTANCE, MULTIPLE_RESOURCE):
            inner = decode(v)
            want = RESOURCE if kind == OBJECT_INSTANCE else RESOURCE_INSTANCE
            allowed = (RESOURCE, MULTIPLE_RESOURCE) if kind == OBJECT_INSTANCE else (want,)
            if any(x.kind not in allowed for x in inner):
                raise TLVError("bad nesting inside TLV %d" % ident)
            v = inner
        out.append(TLV(kind, ident, v))
    return out


def _header(kind, ident, n):
    if not 0 <= ident <= 0xFFFF:
        raise TLVError("identifier %d out of range" % ident)
    t = kind << 6
    idb = ident.to_bytes(2 if ident > 0xFF else 1, "big")
    if ident > 0xFF:
        t |= 0x20
    if n < 8:
        return bytes([t | n]) + idb
    if n > 0xFFFFFF:
        raise TLVError("value too long (%d bytes)" % n)
    lb = n.to_bytes(1 if n <= 0xFF else 2 if n <= 0xFFFF else 3, "big")
    return bytes([t | len(lb) << 3]) + idb + lb


def encode(tlvs):
    """[TLV] (or (kind, id, value) tuples) -> bytes, with the shortest header fields."""
    out = bytearray()
    for kind, ident, value in tlvs:
        v = encode(value) if kind in (OBJECT_INSTANCE, MULTIPLE_RESOURCE) else bytes(value)
        out += _header(kind, ident, len(v)) + v
    return bytes(out)


def encode_int(v):
    """An integer in the fewest of 1, 2, 4 or 8 bytes, two's complement, big-endian."""
    for n in (1, 2, 4, 8):
        if -(1 << (8 * n - 1)) <= v < (1 << (8 * n - 1)):
            return v.to_bytes(n, "big", signed=True)
    raise TLVError("integer %d does not fit 64 bits" % v)


def encode_float(v):
    """A float in 4 bytes when that is exact, else 8 (IEEE 754, big-endian)."""
    four = struct.pack(">f", v)
    return four if struct.unpack(">f", four)[0] == v else struct.pack(">d", v)


# the simulator's value types (AT <value_type>): 1 string, 2 opaque, 3 integer, 4 float,
# 5 boolean
def encode_value(vtype, value):
    """A value of AT <value_type> ``vtype`` -> its TLV value bytes."""
    if vtype == 1:
        return str(value).encode()
    if vtype == 2:
        return bytes(value)
    if vtype == 3:
        return encode_int(int(value))
    if vtype == 4:
        return encode_float(float(value))
    if vtype == 5:
        return b"\x01" if value else b"\x00"
    raise TLVError("unknown value type %r" % (vtype,))


def decode_value(vtype, raw):
    """TLV value bytes -> the value of AT <value_type> ``vtype`` (TLVError if malformed)."""
    raw = bytes(raw)
    if vtype == 1:
        return raw.decode("utf-8")
    if vtype == 2:
        return raw
    if vtype == 3:
        if len(raw) not in (1, 2, 4, 8):
            raise TLVError("integer of %d bytes" % len(raw))
        return int.from_bytes(raw, "big", signed=True)
    if vtype == 4:
        if len(raw) == 4:
            return struct.unpack(">f", raw)[0]
        if len(raw) == 8:
            return struct.unpack(">d", raw)[0]
        raise TLVError("float of %d bytes" % len(raw))
    if vtype == 5:
        if raw not in (b"\x00", b"\x01"):
            raise TLVError("boolean %r" % raw)
        return raw == b"\x01"
    raise TLVError("unknown value type %r" % (vtype,))


def decode_objlnk(raw):
    """An Objlnk value (4 bytes) -> (object id, instance id)."""
    if len(raw) != 4:
        raise TLVError("objlnk of %d bytes" % len(raw))
    return struct.unpack(">HH", bytes(raw))
