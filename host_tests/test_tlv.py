"""The TLV codec (tools/bc66sim/tlv.py) on the byte strings of OMA-TS-LightweightM2M-V1_0
section 6.4.3 (examples 6.4.3.1 to 6.4.3.3)."""
import pytest

from tools.bc66sim import tlv
from tools.bc66sim.tlv import (MULTIPLE_RESOURCE, OBJECT_INSTANCE, RESOURCE,
                               RESOURCE_INSTANCE, TLV)


def h(s):
    return bytes.fromhex("".join(s.split()))


# 6.4.3.1: Read on the single instance of the Device object, /3/0 (resources only)
DEVICE = h("""
C8 00 14 4F 70 65 6E 20 4D 6F 62 69 6C 65 20 41 6C 6C 69 61 6E 63 65
C8 01 16 4C 69 67 68 74 77 65 69 67 68 74 20 4D 32 4D 20 43 6C 69 65 6E 74
C8 02 09 33 34 35 30 30 30 31 32 33
C3 03 31 2E 30
86 06 41 00 01 41 01 05
88 07 08 42 00 0E D8 42 01 13 88
87 08 41 00 7D 42 01 03 84
C1 09 64
C1 0A 0F
83 0B 41 00 00
C4 0D 51 82 42 8F
C6 0E 2B 30 32 3A 30 30
C1 10 55
""")

# 6.4.3.2: Read on the Access Control object /2, two instances
ACL_TWO = h("""
08 00 0E  C1 00 01  C1 01 00  83 02 41 7F 07  C1 03 7F
08 02 12  C1 00 03  C1 01 00  87 02 41 7F 07 61 01 36 01  C1 03 7F
""")

# 6.4.3.2: Read on the Server object /1, one instance
SERVER_ONE = h("08 00 0F  C1 00 01  C4 01 00 01 51 80  C1 06 01  C1 07 55")

# 6.4.3.3: Object Link values, one instance of a made-up object 66
OBJLNK = h("""
88 00 0C  44 00 00 42 00 00  44 01 00 42 00 01
C8 01 0D 38 36 31 33 38 30 30 37 35 35 35 30 30
C4 02 12 34 56 78
""")


def test_device_instance_decodes_to_the_spec_values():
    d = tlv.decode(DEVICE)
    assert [t.id for t in d] == [0, 1, 2, 3, 6, 7, 8, 9, 10, 11, 13, 14, 16]
    vals = {t.id: t for t in d}
    assert tlv.decode_value(1, vals[0].value) == "Open Mobile Alliance"
    assert tlv.decode_value(1, vals[1].value) == "Lightweight M2M Client"
    assert tlv.decode_value(1, vals[3].value) == "1.0"
    assert vals[6].kind == MULTIPLE_RESOURCE
    assert [(x.id, tlv.decode_value(3, x.value)) for x in vals[6].value] == [(0, 1), (1, 5)]
    assert [tlv.decode_value(3, x.value) for x in vals[7].value] == [3800, 5000]
    assert [tlv.decode_value(3, x.value) for x in vals[8].value] == [125, 900]
    assert tlv.decode_value(3, vals[9].value) == 100
    assert tlv.decode_value(3, vals[13].value) == 0x5182428F      # current time
    assert tlv.decode_value(1, vals[14].value) == "+02:00"
    assert tlv.decode_value(1, vals[16].value) == "U"


def test_device_instance_reencodes_byte_for_byte():
    assert tlv.encode(tlv.decode(DEVICE)) == DEVICE


def test_device_wrapped_in_an_object_instance():
    # the same resources inside an Object Instance TLV "08 00 79" (121 bytes)
    wrapped = h("08 00 79") + DEVICE
    assert len(DEVICE) == 0x79
    d = tlv.decode(wrapped)
    assert len(d) == 1 and d[0].kind == OBJECT_INSTANCE and len(d[0].value) == 13
    assert tlv.encode([TLV(OBJECT_INSTANCE, 0, tlv.decode(DEVICE))]) == wrapped


def test_access_control_two_instances():
    d = tlv.decode(ACL_TWO)
    assert [(t.kind, t.id) for t in d] == [(OBJECT_INSTANCE, 0), (OBJECT_INSTANCE, 2)]
    second = {r.id: r for r in d[1].value}
    assert tlv.decode_value(3, second[0].value) == 3
    acl = second[2]
    assert acl.kind == MULTIPLE_RESOURCE
    assert [(x.kind, x.id, tlv.decode_value(3, x.value)) for x in acl.value] == [
        (RESOURCE_INSTANCE, 127, 7), (RESOURCE_INSTANCE, 310, 1)]     # 2-byte id 0x0136
    assert tlv.encode(d) == ACL_TWO


def test_server_object_instance():
    d = tlv.decode(SERVER_ONE)
    res = {r.id: r.value for r in d[0].value}
    assert tlv.decode_value(3, res[1]) == 86400          # lifetime
    assert tlv.decode_value(5, res[6]) is True
    assert tlv.decode_value(1, res[7]) == "U"
    assert tlv.encode(d) == SERVER_ONE


def test_object_links():
    d = tlv.decode(OBJLNK)
    assert [tlv.decode_objlnk(x.value) for x in d[0].value] == [(0x42, 0), (0x42, 1)]
    assert tlv.decode_value(1, d[1].value) == "8613800755500"
    assert tlv.decode_value(3, d[2].value) == 0x12345678
    assert tlv.encode(d) == OBJLNK


@pytest.mark.parametrize("vtype,value,raw", [
    (3, 0, "00"), (3, 127, "7F"), (3, 128, "0080"), (3, -1, "FF"), (3, 86400, "00015180"),
    (3, 1 << 40, "0000010000000000"), (4, 1.5, "3FC00000"), (4, 21.3, "40354CCCCCCCCCCD"),
    (5, True, "01"), (1, "U", "55"), (2, b"\x01\x02", "0102")])
def test_values_round_trip(vtype, value, raw):
    assert tlv.encode_value(vtype, value) == h(raw)
    assert tlv.decode_value(vtype, h(raw)) == value


def test_long_values_use_wider_length_fields():
    for n in (7, 8, 255, 256, 70000):
        one = tlv.encode([TLV(RESOURCE, 300, b"x" * n)])
        assert tlv.decode(one) == [TLV(RESOURCE, 300, b"x" * n)]
    assert tlv.encode([TLV(RESOURCE, 5, b"x" * 8)])[:3] == h("C8 05 08")


@pytest.mark.parametrize("bad", ["C8 00 14 4F", "C8", "88 00 03 C1 00 01",
                                 "08 00 03 41 00 01"])
def test_malformed_input_raises(bad):
    with pytest.raises(tlv.TLVError):
        tlv.decode(h(bad))
