# MicroPython: the node the node benches measure, set up. tools/bench/report.py runs it with
# node.py on the unix port, tools/bench/cortex_m.py with cortex_m_node.py on the QEMU board:
# this text first, then theirs (``tools.bench.mp_script`` joins them).
#   registered_node(modem) -> (node, its task): the real Node (driver, object model with
#   3303 and bindata) on ``modem`` (a started BC66's port made by the caller), registered
#   ("READY" printed), after 100 warm-up requests fired by the simulator's server


async def registered_node(modem):
    import asyncio
    import gc
    from lwm2m import config, ipso
    from lwm2m.node import Node
    from lwm2m.objects import Model
    cfg = config.from_dict({"server": {"host": "bench.example.net"}, "lifetime": 900,
                            "network_timeout_s": 30, "register_timeout_s": 20})
    model = Model(modem)
    ipso.temperature(model).update(21.5)
    ipso.bindata(model, on_downlink=lambda b: True)
    node = Node(modem, cfg, model)
    await modem.start()
    task = asyncio.create_task(node.run())
    await node.registered.wait()
    gc.collect()
    print("READY")
    while node.counters["requests"] < 100:
        await asyncio.sleep_ms(20)
    return node, task
