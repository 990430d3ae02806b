# Issue 20: one request machine (lwm2m.requests) from URC to answered. A read or observe
# is answered from the reader task itself (Model.request -> BC66.answer -> ATEngine.post):
# no serving task, no task switch; when the engine is busy its answer waits in the
# engine's outbox, never on a second path. Writes and executes run their handler in the
# serving task and are answered the same way. Each case also checks the rules of issue 8:
# answered exactly once, failures counted.
import asyncio
import fakemodem

_OBJ = ((0, 1, 1), (1, 3, 3), (5, 1, 4))  # 9/0/0 str R, 9/0/1 int RW, 9/0/5 execute
_RD = 'AT+QLWRDRSP=%d,1,9,0,0,1,3,"abc",0'


async def _node(serve=False):
    return await fakemodem.node(_OBJ, (0, 1), ((0, 0, "abc"), (0, 1, 7), (1, 0, "def")), serve)


async def _until(cond):
    await fakemodem.until(cond)


async def _end(m, task):
    if task is not None:
        task.cancel()
    await m.stop()


async def test_read_of_one_resource_needs_no_serving_task():
    fm, m, md, o, _ = await _node(serve=False)
    fm.expect(_RD % 1, "OK", "+QLWRDRSP: 0")
    fm.expect('AT+QLWOBSRSP=2,1,9,0,1,3,1,7,0', "OK", "+QLWOBSRSP: 0")
    fm.expect('AT+QLWRDRSP=3,13,9,0,7,1,0,"",0', "OK", "+QLWRDRSP: 0")  # no such resource
    fm.inject('+QLWURC: "read",1,9,0,0')
    await _until(lambda: md.requests.stats["requests"] == 1)
    fm.inject('+QLWURC: "observe",2,0,9,0,1')
    await _until(lambda: md.requests.stats["requests"] == 2)
    fm.inject('+QLWURC: "read",3,9,0,7')
    await _until(lambda: md.requests.stats["requests"] == 3)
    fm.check()
    assert m.at.stats["posted"] == 3 and md.observed(9, 0, 1)
    assert not md.requests.busy() and md.stats["answer_errors"] == 0
    await _end(m, None)


async def test_instance_read_answered_part_after_part_from_the_reader():
    fm, m, md, o, _ = await _node(serve=False)
    fm.expect('AT+QLWRDRSP=4,1,9,0,0,1,3,"abc",2', "OK", 20, "+QLWRDRSP: 0")
    fm.expect('AT+QLWRDRSP=4,1,9,0,1,3,1,7,1', 20, "OK", "+QLWRDRSP: 0")
    fm.expect('AT+QLWRDRSP=4,1,9,1,0,1,3,"def",0', "OK", "+QLWRDRSP: 0")
    fm.expect("AT+CGSN=1", "+CGSN: 866971030000001", "OK")
    fm.inject('+QLWURC: "read",4,9,-1,-1')  # 9/0/0, 9/0/1, 9/1/0 (9/1/1 has no value)
    await _until(lambda: m.at.stats["posted"] == 1)
    assert await m.imei() == "866971030000001"  # after the last part: never between
    fm.check()
    assert fm.written[-1] == "AT+CGSN=1" and m.at.stats["posted"] == 3
    assert md.requests.stats["requests"] == 1 and md.stats["answer_errors"] == 0
    await _end(m, None)


async def test_a_long_value_after_a_part_takes_the_next_indexes():
    # one message split into N commands, index N-1..0 across the parts and a long value's
    # pieces (the note's <index>): 9/1/0 in two pieces after 9/0/0 is 2, 1, 0 (it was
    # 1, 1, 0: the pieces counted from the part's own index)
    fm, m, md, o, _ = await _node(serve=False)
    long = "y" * 1100  # over MAX_STRING (1,024 bytes): two commands
    md.set(9, 1, 0, long)
    fm.expect('AT+QLWRDRSP=4,1,9,0,0,1,3,"abc",2', "OK", "+QLWRDRSP: 0")
    fm.expect('AT+QLWRDRSP=4,1,9,1,0,1,1024,"%s",1' % long[:1024], "OK", "+QLWRDRSP: 0")
    fm.expect('AT+QLWRDRSP=4,1,9,1,0,1,76,"%s",0' % long[1024:], "OK", "+QLWRDRSP: 0")
    fm.inject('+QLWURC: "read",4,9,-1,0')
    await _until(lambda: md.requests.stats["requests"] == 1)
    fm.check()
    assert md.stats["answer_errors"] == 0
    await _end(m, None)


async def test_requests_behind_an_answer_wait_for_the_serving_task():
    fm, m, md, o, _ = await _node(serve=False)
    fm.expect('AT+QLWRDRSP=4,1,9,0,0,1,3,"abc",2', 30, "OK", "+QLWRDRSP: 0")
    fm.expect('AT+QLWRDRSP=4,1,9,0,1,3,1,7,1', "OK", "+QLWRDRSP: 0")
    fm.expect('AT+QLWRDRSP=4,1,9,1,0,1,3,"def",0', "OK", "+QLWRDRSP: 0")
    fm.inject('+QLWURC: "read",4,9,-1,-1', '+QLWURC: "write",5,9,0,1,3,1,"35",0',
              '+QLWURC: "read",6,9,0,0')  # the last two: in order, behind the first
    await _until(lambda: md.requests.stats["requests"] == 1)
    # the write is the machine's current request, waiting for its handler; the read waits
    assert len(md.requests) == 1 and md.requests.busy() and m.at.stats["posted"] == 3
    fm.expect("AT+QLWWRRSP=5,2", "OK", "+QLWWRRSP: 0")
    fm.expect(_RD % 6, "OK", "+QLWRDRSP: 0")
    task = asyncio.create_task(md.serve())
    await _until(lambda: md.requests.stats["requests"] == 3)
    fm.check()
    assert md.value(9, 0, 1) == 5 and m.at.stats["posted"] == 5
    await _end(m, task)


async def test_part_refused_ends_the_answer_counted_once():
    # refused each time it is sent (m.answer_tries: issue 21), then given up, counted once
    fm, m, md, o, task = await _node(serve=True)
    fm.expect('AT+QLWRDRSP=17,1,9,0,0,1,3,"abc",1', "OK", "+QLWRDRSP: 0")
    for _ in range(m.answer_tries):
        fm.expect('AT+QLWRDRSP=17,1,9,0,1,3,1,7,0', "OK", "+QLWRDRSP: 3")
    fm.inject('+QLWURC: "read",17,9,0,-1')
    await _until(lambda: md.requests.stats["requests"] == 1)
    await asyncio.sleep_ms(50)  # nothing more is written
    fm.check()
    assert md.stats["answer_errors"] == 1 and not md.requests.busy()
    await _end(m, task)


async def test_a_command_in_flight_keeps_the_answer_in_the_outbox():
    fm, m, md, o, task = await _node(serve=True)
    fm.expect("AT+CGSN=1", 40, "+CGSN: 866971030000001", "OK")
    fm.expect(_RD % 7, "OK", "+QLWRDRSP: 0")
    imei = asyncio.create_task(m.imei())
    await _until(lambda: fm.written[-1] == "AT+CGSN=1")
    fm.inject('+QLWURC: "read",7,9,0,0')  # arrives while AT+CGSN waits for its answer
    await _until(lambda: md.requests.stats["requests"] == 1)
    assert await imei == "866971030000001"
    fm.check()
    assert fm.written[-2:] == ["AT+CGSN=1", _RD % 7] and m.at.stats["posted"] == 1
    await _end(m, task)


async def test_a_command_waits_for_the_posted_answer():
    fm, m, md, o, task = await _node(serve=True)
    fm.expect(_RD % 8, 40, "OK", 20, "+QLWRDRSP: 0")
    fm.expect("AT+CGSN=1", "+CGSN: 866971030000001", "OK")
    fm.inject('+QLWURC: "read",8,9,0,0')
    await _until(lambda: m.at.stats["posted"] == 1)
    assert await m.imei() == "866971030000001"  # written after the answer's OK only
    await _until(lambda: md.requests.stats["requests"] == 1)
    fm.check()
    assert fm.written[-2:] == [_RD % 8, "AT+CGSN=1"]
    await _end(m, task)


async def test_posted_answer_refused_is_counted_once():
    # refused each time it is sent (m.answer_tries: issue 21), then given up, counted once
    fm, m, md, o, task = await _node(serve=True)
    for _ in range(m.answer_tries):
        fm.expect(_RD % 9, "+CME ERROR: 4")
    for _ in range(m.answer_tries):
        fm.expect(_RD % 10, "OK", "+QLWRDRSP: 3")
    fm.inject('+QLWURC: "read",9,9,0,0')
    await _until(lambda: md.requests.stats["requests"] == 1)
    fm.inject('+QLWURC: "read",10,9,0,0')
    await _until(lambda: md.requests.stats["requests"] == 2)
    fm.check()
    assert md.stats["answer_errors"] == 2 and not md.requests.busy()
    await _end(m, task)


async def test_posted_answer_never_answered_is_sent_again_by_serve():
    fm, m, md, o, task = await _node(serve=True)
    fm.expect(_RD % 11)  # lost: no echo, no result
    fm.expect(_RD % 11, "OK", "+QLWRDRSP: 0")  # serve sends it again
    fm.inject('+QLWURC: "read",11,9,0,0')
    await _until(lambda: md.requests.stats["requests"] == 1)
    fm.check()
    assert m.at.stats["timeouts"] == 1 and md.stats["answer_errors"] == 0
    await _end(m, task)


async def test_posted_answer_without_result_is_sent_again_bounded():
    # issue 21: its +QLWRDRSP never comes (lost): sent again, m.answer_tries times in all
    # (a module that took the first refuses the others: the server gets one answer)
    fm, m, md, o, task = await _node(serve=True)
    for _ in range(m.answer_tries):
        fm.expect(_RD % 12, "OK")
    fm.inject('+QLWURC: "read",12,9,0,0')
    await _until(lambda: md.requests.stats["requests"] == 1)
    await asyncio.sleep_ms(50)  # a resend would be written now: none is expected
    fm.check()
    assert md.stats["answer_errors"] == 1 and len(fm.written) == 3 + m.answer_tries
    assert m.resent == m.answer_tries - 1
    await _end(m, task)


async def test_duplicate_while_the_posted_answer_is_out_is_dropped():
    fm, m, md, o, task = await _node(serve=True)
    fm.expect(_RD % 13, 30, "OK", '+QLWURC: "read",13,9,0,0', 20, "+QLWRDRSP: 0")
    fm.inject('+QLWURC: "read",13,9,0,0')
    await _until(lambda: md.requests.stats["requests"] == 1)
    await asyncio.sleep_ms(50)
    fm.check()
    assert md.requests.stats["duplicates"] == 1 and md.stats["requests"] == 1
    await _end(m, task)


async def test_reboot_under_the_posted_answer_fails_it_once():
    fm, m, md, o, task = await _node(serve=True)
    fm.expect(_RD % 14, 20, "RDY")
    fm.inject('+QLWURC: "read",14,9,0,0')
    await _until(lambda: md.requests.stats["requests"] == 1)
    fm.check()
    assert md.stats["answer_errors"] == 1 and not md.requests.busy()
    assert m.at.stats["reboots"] == 1
    await _end(m, task)


async def test_long_value_goes_the_same_way_in_pieces():
    fm, m, md, o, task = await _node(serve=True)
    v = "x" * 100  # over 64 characters: written in pieces, not copied into one str
    md.set(9, 0, 0, v)
    fm.expect('AT+QLWRDRSP=15,1,9,0,0,1,100,"%s",0' % v, "OK", "+QLWRDRSP: 0")
    fm.inject('+QLWURC: "read",15,9,0,0')
    await _until(lambda: md.requests.stats["requests"] == 1)
    fm.check()
    assert m.at.stats["posted"] == 1
    await _end(m, task)


async def test_what_the_port_cannot_take_at_once_is_written_by_the_keeper():
    fm, m, md, o, task = await _node(serve=False)
    whole = m.at._write_now
    m.at._write_now = lambda data: whole(data[:10])  # a port that takes 10 bytes at once
    fm.expect(_RD % 16, "OK", "+QLWRDRSP: 0")
    fm.inject('+QLWURC: "read",16,9,0,0')
    await _until(lambda: md.requests.stats["requests"] == 1)
    fm.check()
    assert m.at.stats["posted"] == 1
    await _end(m, None)


async def test_garbled_result_line_of_a_posted_answer_is_a_failure():
    fm, m, md, o, task = await _node(serve=True)
    for _ in range(m.answer_tries):  # its <err> unreadable: not a success (sent again)
        fm.expect(_RD % 18, "OK", "+QLWRDRSP: x")
    fm.expect(_RD % 19, "OK", "+QLWRDRS", "+QLWRDRSP: 0")  # a stub line is not it
    fm.inject('+QLWURC: "read",18,9,0,0')
    await _until(lambda: md.requests.stats["requests"] == 1)
    fm.inject('+QLWURC: "read",19,9,0,0')
    await _until(lambda: md.requests.stats["requests"] == 2)
    fm.check()
    assert md.stats["answer_errors"] == 1 and m.at.stats["garbage"] == m.answer_tries
    await _end(m, task)


async def test_getter_that_raises_is_answered_bad_request():
    fm, m, md, o, task = await _node(serve=True)
    md.set(9, 1, 0, lambda: 1 // 0)  # 9/1/0 read through a getter that fails
    fm.expect('AT+QLWRDRSP=20,11,9,1,0,1,0,"",0', "OK", "+QLWRDRSP: 0")  # one: 4.00
    fm.expect('AT+QLWRDRSP=21,11,9,1,-1,1,0,"",0', "OK", "+QLWRDRSP: 0")  # all: none left
    fm.expect('AT+QLWRDRSP=22,1,9,0,0,1,3,"abc",1', "OK", "+QLWRDRSP: 0")  # the others go
    fm.expect('AT+QLWRDRSP=22,1,9,0,1,3,1,7,0', "OK", "+QLWRDRSP: 0")
    for i, path in enumerate(("9,1,0", "9,1,-1", "9,-1,-1")):
        fm.inject('+QLWURC: "read",%d,%s' % (20 + i, path))
        await _until(lambda: md.requests.stats["requests"] == i + 1)
    fm.check()
    assert md.stats["handler_errors"] == 3 and md.stats["answer_errors"] == 0
    await _end(m, task)


async def test_a_command_after_an_answer_from_the_outbox_goes_out():
    # the answer waited in the outbox behind AT+CGSN; the next command follows its result
    fm, m, md, o, task = await _node(serve=True)
    fm.expect("AT+CGSN=1", 40, "+CGSN: 866971030000001", "OK")
    fm.expect(_RD % 30, "OK", 20, "+QLWRDRSP: 0")
    fm.expect("AT+CGSN=1", "+CGSN: 866971030000001", "OK")
    imei = asyncio.create_task(m.imei())
    await _until(lambda: fm.written[-1] == "AT+CGSN=1")
    fm.inject('+QLWURC: "read",30,9,0,0')
    assert await imei == "866971030000001"
    assert await asyncio.wait_for_ms(m.imei(), 2000) == "866971030000001"
    fm.check()
    assert md.requests.stats["requests"] == 1 and m.at.stats["posted"] == 1
    await _end(m, task)


async def test_a_command_waiting_goes_before_the_next_request():
    # fair: a request queued while an answer is out does not starve a command that waits
    # for that answer to end (a burst of reads would hold back notify and health)
    fm, m, md, o, task = await _node(serve=True)
    fm.expect(_RD % 31, 30, "OK", '+QLWURC: "read",32,9,0,0', 20, "+QLWRDRSP: 0")
    fm.expect("AT+CGSN=1", "+CGSN: 866971030000001", "OK")
    fm.expect(_RD % 32, "OK", "+QLWRDRSP: 0")
    fm.inject('+QLWURC: "read",31,9,0,0')
    await _until(lambda: m.at.stats["posted"] == 1)
    assert await m.imei() == "866971030000001"
    await _until(lambda: md.requests.stats["requests"] == 2)
    fm.check()
    assert fm.written[-3:] == [_RD % 31, "AT+CGSN=1", _RD % 32]
    await _end(m, task)


async def test_an_answer_that_cannot_be_made_is_counted_and_the_next_goes():
    # a MemoryError while its command is written (a full heap): that request is given up,
    # counted once; the machine and the engine go on with the next
    fm, m, md, o, task = await _node(serve=True)
    whole = m.at._write_now
    calls = [0]

    def full_once(data):
        calls[0] += 1
        if calls[0] == 1:
            raise MemoryError
        return whole(data)
    m.at._write_now = full_once
    fm.expect(_RD % 41, "OK", "+QLWRDRSP: 0")
    fm.inject('+QLWURC: "read",40,9,0,0', '+QLWURC: "read",41,9,0,0')
    await _until(lambda: md.requests.stats["requests"] == 2)
    fm.check()
    assert md.stats["answer_errors"] == 1 and not md.requests.busy()
    await _end(m, task)


async def test_refused_after_an_answer_late_past_its_deadline_is_taken():
    # the module took the first part but its OK came after the deadline (a loaded host, the
    # simulator's 1,000-request walk): the resend is refused, error 3, that index being
    # answered already; taken, and the next parts go (before: sent three times, given up)
    fm, m, md, o, task = await _node(serve=True)
    first = 'AT+QLWRDRSP=50,1,9,0,0,1,3,"abc",2'
    fm.expect(first, m.command_ms + 100, "OK", "+QLWRDRSP: 0")
    fm.expect(first, "+CME ERROR: 3")
    fm.expect('AT+QLWRDRSP=50,1,9,0,1,3,1,7,1', "OK", "+QLWRDRSP: 0")
    fm.expect('AT+QLWRDRSP=50,1,9,1,0,1,3,"def",0', "OK", "+QLWRDRSP: 0")
    fm.inject('+QLWURC: "read",50,9,-1,-1')
    await _until(lambda: md.requests.stats["requests"] == 1)
    fm.check()
    assert md.stats["answer_errors"] == 0 and m.taken_before == 1 and m.resent == 1
    await _end(m, task)
