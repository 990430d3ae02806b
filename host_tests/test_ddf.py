"""The OMA DDF XML files under docs/lwm2m/ say what the code declares: the same object id,
resource ids, operations, types and ranges (the config file's rules)."""
import json
import os
import re
import xml.etree.ElementTree as ET

from conftest import ROOT

TYPES = {"T_INTEGER": "Integer", "T_FLOAT": "Float", "T_STRING": "String", "T_BOOLEAN": "Boolean",
         "T_OPAQUE": "Opaque"}


def _src(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


def _items(xml):
    obj = ET.parse(os.path.join(ROOT, "docs", "lwm2m", xml)).getroot().find("Object")
    return int(obj.find("ObjectID").text), {
        int(i.get("ID")): (i.find("Operations").text, i.find("Type").text,
                           i.find("RangeEnumeration").text or "")
        for i in obj.find("Resources")}


def test_settings_ddf_matches_the_code():
    oid, items = _items("32769-node-settings.xml")
    src = _src("lib/lwm2m/settings.py")
    assert oid == int(re.search(r"SETTINGS = const\((\d+)\)", src).group(1))
    rows = re.findall(r'\((\w+), "([\w.]+)", _?(T_\w+)\)', src)
    spec = {json.loads(s)[0]: json.loads(s) for s in
            re.findall(r"'(\[.*?\])',", _src("lib/lwm2m/config.py"))}
    assert len(rows) == len(items) == 8
    for rid, path, vtype in rows:
        rid = 7 if rid == "SENSORS" else int(rid)
        ops, t, rng = items[rid]
        assert (ops, t) == ("RW", TYPES[vtype]), rid
        if path in spec:
            _, kind, a, b, _ = spec[path]
            assert rng == "%s..%s" % (a, b), (rid, path)


def test_health_ddf_matches_the_code():
    src = _src("lib/lwm2m/health.py")
    oid, items = _items("32770-node-health.xml")
    assert oid == int(re.search(r"HEALTH = const\((\d+)\)", src).group(1))
    decl = src[src.index("model.add(Obj(HEALTH"):src.index("model.add(Obj(COUNTERS")]
    rows = re.findall(r"\((\d+), _?(T_\w+), _?R", decl)
    assert [(int(r), ("R", TYPES[t], "")) for r, t in rows] == sorted(items.items())
    oid, items = _items("32771-node-counters.xml")
    assert oid == int(re.search(r"COUNTERS = const\((\d+)\)", src).group(1))
    keys = re.search(r"COUNTER_KEYS = \(([^)]*)\)", src).group(1).count('"') // 2
    assert sorted(items) == list(range(keys)) and {v for v in items.values()} == {("R", "Integer", "")}
