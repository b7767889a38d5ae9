"""Independent random streams, one per random element, all derived from the scenario's seed.

Each element (who is connected, each sender's arrivals, recipient choice, sizes, failures) draws
from its own stream named after it. Changing one element of a scenario therefore leaves the
others' numbers untouched: a sweep compares like with like (common random numbers), and the same
seed always gives the same numbers.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stream_key(name: str) -> list[int]:
    """Four 32-bit words from the name's SHA-256: stable across runs, platforms and versions."""
    digest = hashlib.sha256(name.encode()).digest()
    return [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]


def stream(seed: int, name: str, replication: int = 0) -> np.random.Generator:
    """The generator for one named random element of one replication."""
    return np.random.default_rng(np.random.SeedSequence([seed, replication, *stream_key(name)]))
