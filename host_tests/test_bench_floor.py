"""The request-path bench and its floor program answer every request (on the unix port).

tools/bench/mp/roundtrip.py (the node) and tools/bench/mp/floor.py (the least a plain asyncio
program does) run against the same in-memory module, which sends the next request only
after the last answer of the one before: a run that ends answered every request, in the
command the note names for its kind. make bench runs both on the Cortex-M board
(tools/bench/request_path.py); this keeps both honest where the suite runs.
"""

import pytest

from conftest import run_mp
from tools.bench import mp_script

KINDS = ("one", "instance", "write")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("chunk", (128, 8))
def test_node_and_floor_answer_every_request(kind, chunk, tmp_path):
    script = tmp_path / "bench.py"
    parts = [mp_script("roundtrip.py", "floor.py")]
    parts.append("print('FLOOR', run_floor(%r, 10, %d))" % (kind, chunk))
    parts.append("print('NODE', run(%r, 10, %d)[0])" % (kind, chunk))
    script.write_text("\n".join(parts) + "\n")
    p = run_mp([str(script)], timeout=120)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    got = dict(ln.split() for ln in p.stdout.splitlines() if ln.startswith(("FLOOR", "NODE")))
    assert set(got) == {"FLOOR", "NODE"}, p.stdout
