"""`make demo` keeps working: the whole scripted server session passes."""
from tools.demo import local as demo


def test_demo_session_passes(tmp_path, reading):
    assert demo.run(str(tmp_path), quiet=True, readings=reading)
