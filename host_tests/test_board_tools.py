"""The small shared pieces of tools/board the benches use: the board's output as lines
(qemu.each_line) and a bench's command line (mcu.bench_parser, mcu.require_tools)."""
import pytest

from tools.board import mcu, qemu


def test_each_line_gives_whole_lines_across_chunks():
    got = []
    out = qemu.each_line(got.append)
    for chunk in (b"CYC", b"LE 1 2\r\nREA", b"DY\r\n\xffbad\n", b"no end yet"):
        out(chunk)
    assert got == ["CYCLE 1 2", "READY", "\ufffdbad"]


def test_bench_parser_takes_elf_and_a_benchs_own_options():
    ap = mcu.bench_parser("A bench.\n\nMore text.")
    ap.add_argument("--cycles", type=int, default=3)
    a = ap.parse_args(["--elf", "x.elf", "--cycles", "5"])
    assert (a.elf, a.cycles) == ("x.elf", 5)
    assert ap.description == "A bench."
    assert mcu.bench_parser("B.").parse_args([]).elf is None


def test_require_tools_names_the_command(monkeypatch):
    monkeypatch.setattr(mcu, "tools_missing", lambda: "qemu-system-arm not installed")
    with pytest.raises(SystemExit) as e:
        mcu.require_tools("bench cycle")
    assert str(e.value) == "bench cycle: qemu-system-arm not installed"
    monkeypatch.setattr(mcu, "tools_missing", lambda: None)
    mcu.require_tools("bench cycle")
