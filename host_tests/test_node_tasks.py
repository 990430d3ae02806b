"""A node task that dies is restarted, or stops the node loudly; never half alive (issue 8
item 5). The fault is a real one: the reading queue's folder on flash turns into a file,
so every queue write fails with OSError inside the sensor task."""
import json
import os

from tools.board.nodeproc import SHUTDOWN_AT_S


def break_queue(fw):
    q = os.path.join(fw.workdir, "state", "q")
    os.rename(q, q + ".ok")
    with open(q, "w") as f:
        f.write("not a folder")
    return q


def mend_queue(q):
    os.remove(q)
    os.rename(q + ".ok", q)


def test_dead_task_is_restarted(node_factory):
    sim, fw = node_factory(report_interval_s=1)
    fw.wait_log(r"reading #2 queued")
    q = break_queue(fw)
    m = fw.wait_log(r"task sensors died: (.*); restarting it")
    assert "OSError" in m.group(1), m.group(0)
    mend_queue(q)  # the restart comes a second after the death
    i = len(fw.lines)
    fw.wait_log(r"reading #\d+ queued", timeout=15, start=i)
    fw.wait_log(r"uplink #\d+ acknowledged", timeout=15, start=i)
    assert fw.proc.poll() is None
    assert sim.server.read("3303/0/5700", timeout=5).result == 1


def test_task_that_keeps_dying_stops_the_node(node_factory):
    sim, fw = node_factory(report_interval_s=1)
    fw.wait_log(r"reading #2 queued")
    break_queue(fw)
    # restarts after 1, 2 and 4 s (the back-off doubles), then the node stops: deregisters
    # and exits 3 (on a board: machine.reset(), mpt_node_tasks)
    code = fw.wait(6 + SHUTDOWN_AT_S + 20)
    died = [x for x in fw.lines if "node: task sensors died" in x]
    assert code == 3, fw.lines[-15:]
    assert len(died) == 4 and died[-1].endswith("stopping the node"), died
    assert "stopping: task sensors died 4 times" in fw.lines[-3] + fw.lines[-2] + fw.lines[-1], \
        fw.lines[-5:]
    assert sim.commands[-1] == "AT+QLWDEREG", sim.commands[-5:]


def test_duration_beyond_the_tick_range_is_refused(tmp_path):
    # 10**20 s used to kill the sensor task at start (OverflowError) and leave the node up
    from test_node_errors import run_fw
    from tools.board.nodeproc import default_config
    cfg = default_config(str(tmp_path / "state"), report_interval_s=10 ** 20)
    code, lines = run_fw(tmp_path, "/dev/null", json.dumps(cfg))
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].endswith("config: report_interval_s: must be an integer 1..536870"), lines
