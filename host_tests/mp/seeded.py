"""Seeded pseudo-random numbers for MicroPython tests: the same cases on every port (unix
64/32-bit, the Cortex-M board), no random module needed."""


class Rand:
    """A small LCG: ``below(n)`` -> 0..n-1."""

    def __init__(self, seed):
        self.x = seed

    def below(self, n):
        self.x = (self.x * 1103515245 + 12345) & 0x7FFFFFFF
        return (self.x >> 8) % n
