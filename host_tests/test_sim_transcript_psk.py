"""The PSK never reaches a simulator transcript, whatever happens to AT+QLWCONFIG (issue 8
item 7): the fault event lines quote the command, and are masked like the data lines."""
import pytest

from sim_fixtures import attached_client

PSK = "3083693CF1E6766A2408BFD88278249A"
CMD = 'AT+QLWCONFIG=1,"bootp",5584,"urn:imei:1",900,0,"urn:imei:1","%s"' % PSK


@pytest.mark.parametrize("fault", ["error", "omit", "reboot before", "reboot mid",
                                   "reboot after"])
def test_fault_on_qlwconfig_keeps_psk_out_of_transcript(sim_factory, tmp_path, fault):
    path = tmp_path / "t.log"
    sim, c = attached_client(sim_factory, transcript=str(path))
    kind, _, when = fault.partition(" ")
    if kind == "reboot":
        sim.faults.reboot("AT+QLWCONFIG", when=when)
    else:
        getattr(sim.faults, kind)("AT+QLWCONFIG")
    c.send(CMD)
    sim.wait_for(lambda: any("# fault %s on AT+QLWCONFIG=" % kind in x
                             for x in sim.transcript.lines))
    if kind == "reboot":  # the module is back (banner printed): the whole event is written
        sim.wait_for(lambda: sim.attached)
    sim.stop()
    text = path.read_text()
    assert PSK not in text and PSK not in "\n".join(sim.transcript.lines)
    ev = [x for x in text.splitlines() if "# fault" in x]
    assert ev and all(',0,"****","****"' in x for x in ev), ev  # the identity too
