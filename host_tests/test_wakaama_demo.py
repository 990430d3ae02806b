"""`make demo SERVER=wakaama` and `make demo SERVER=coap://host:port` work."""
import threading

from tools.demo import server as demo_server
from coap_fixtures import ask, client_id, need_wakaama


def test_demo_against_wakaama_passes(tmp_path):
    need_wakaama()
    assert demo_server.run_wakaama(str(tmp_path), quiet=True)


def test_demo_serves_any_coap_server(tmp_path, waka_factory, capsys):
    w = waka_factory()
    stop = threading.Event()
    result = []
    t = threading.Thread(target=lambda: result.append(demo_server.serve(
        str(tmp_path), "coap://127.0.0.1:%d" % w.port, stop=stop)))
    t.start()
    try:
        c = client_id(w)
        ask(w, "read %d /3303/0/5701" % c, r"/3303/0/5701 : 2\.05")
    finally:
        stop.set()
        t.join(60)
    w.wait_line(r"Client #%d unregistered" % c)
    out = capsys.readouterr().out
    assert "coap | registered at /rd/%d" % c in out
    assert "coap | GET /3303/0/5701 -> 2.05 Content TLV 5701=43656c" in out
    assert "coap | de-register /rd/%d -> 2.02 Deleted" % c in out
    assert result == [True]


def test_demo_against_wakaama_on_the_qemu_board(tmp_path):
    # `make demo SERVER=wakaama BOARD=qemu`: the frozen firmware on the Cortex-M3 in QEMU
    from mcu_fixtures import need_mcu
    need_wakaama()
    need_mcu()
    assert demo_server.run_wakaama(str(tmp_path), quiet=True, board="qemu")
