"""The LwM2M node on top of the BC66 driver: objects, stock IPSO objects, node lifecycle."""
