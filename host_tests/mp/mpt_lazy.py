# Code a node imports only when it is first needed, not at start (issue 20's heap budget:
# on the Cortex-M board a frozen module's functions, classes and tables take heap once
# imported, docs/benchmark-notes.md "Heap at start").
import sys
import fakeapi as fa
fa.prefer_mpy()
from lwm2m.objects import Model  # noqa: E402
from lwm2m.swupdate import SwUpdate  # noqa: E402


def test_object_9_imports_its_install_code_at_the_first_write():
    # object 9's download/install code (lwm2m.swinstall) comes with the server's first
    # write or execute on 9/0, not with the object: a node never updated does not hold it
    md = Model(fa.FakeModem())
    u = SwUpdate(md, "/tmp/mpt_lazy_pkg")
    u.check(True)  # the end of a report cycle
    assert "lwm2m.swinstall" not in sys.modules
    assert all(md.objs[9].handlers[rid] == u.handle for rid in (0, 1, 2, 4, 6, 10, 11))
    assert u.handle(0, 0, "app") is None and u.rec.get("name") == "app"  # 9/0/0 written
    assert "lwm2m.swinstall" in sys.modules
