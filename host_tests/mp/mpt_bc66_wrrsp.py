# lib/bc66/modem.py: write response AT+QLWWRRSP, and AT+QLWRRSP for good once the
# module answers ERROR to it (bc66-facts: the note names the command both ways).
import fakemodem
fakemodem.prefer_mpy()

# (command, reply lines) of note 4.2.8-4.2.11 and bc66-facts (the write-response name)
RSP = (
    '> AT+QLWRDRSP=62953,1,9,0,0,1,5,"abcde",0\n< OK\n< +QLWRDRSP: 0',
    "> AT+QLWOBSRSP=16987,1,3303,0,5601,4,5,88.88,0\n< OK\n< +QLWOBSRSP: 0",
    "> AT+QLWEXERSP=39040,2\n< OK\n< +QLWEXERSP: 0",
    '> AT+QLWRDRSP=1,13,9,0,0,1,0,"",0\n< OK\n< +QLWRDRSP: 15',
    "> AT+QLWWRRSP=32193,2\n< OK\n< +QLWWRRSP: 0",
    "> AT+QLWWRRSP=36560,2\n< ERROR\n> AT+QLWRRSP=36560,2\n< OK\n< +QLWRRSP: 0",
    "> AT+QLWRRSP=36561,2\n< OK\n< +QLWRRSP: 0",
)


def test_0_import():
    import gc
    __import__("bc66.modem")
    gc.collect()


async def test_write_rsp_falls_back_for_good():
    from fakemodem import modem
    fm, m, _ = await modem()
    fm.play(RSP[4])
    await m.write_rsp(32193, 2)
    # ERROR each time it is sent (m.answer_tries: a garbled command is sent again, issue
    # 21), then AT+QLWRRSP from now on
    fm.play("> AT+QLWWRRSP=36560,2\n< ERROR\n" * (m.answer_tries - 1) + RSP[5])
    await m.write_rsp(36560, 2)
    fm.play(RSP[6])
    await m.write_rsp(36561, 2)
    fm.check()
    await m.stop()


async def test_write_rsp_choice_logged_at_debug_once():
    # the fallback is the module's dialect, not a fault: one debug line, nothing at info
    from fakemodem import modem
    from bc66 import log
    fm, m, _ = await modem()
    lines = []
    log.sink, level, log.level = lines.append, log.level, log.DEBUG
    try:
        refused = "> AT+QLWWRRSP=36560,2\n< ERROR\n" * (m.answer_tries - 1) + RSP[5]
        for r, mid in ((refused, 36560), (RSP[6], 36561)):
            fm.play(r)
            await m.write_rsp(mid, 2)
        fm.check()
    finally:
        log.sink, log.level = None, level
        await m.stop()
    said = [x for x in lines if "write answers" in x]
    assert len(said) == 1 and said[0].startswith("D "), lines
    assert not [x for x in lines if not x.startswith("D ")], lines  # nothing above debug
