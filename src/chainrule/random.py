"""Random number generation: ``Generator``, ``manual_seed`` and the default generator.

chainrule draws from NumPy's PCG64 generator; seeding makes runs repeatable, though the
streams differ from PyTorch's.
"""

from __future__ import annotations

import numpy as np


class Generator:
    """A seeded source of random numbers (``chainrule.Generator().manual_seed(0)``).

    Example:
        >>> import chainrule as cr
        >>> g = cr.Generator().manual_seed(0)
        >>> a = cr.rand(3, generator=g)
        >>> b = cr.rand(3, generator=cr.Generator().manual_seed(0))
        >>> bool((a == b).all())
        True
    """

    def __init__(self, device="cpu"):
        self._seed = int(np.random.SeedSequence().entropy % (2**63))
        self.np_rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed: int) -> Generator:
        self._seed = int(seed)
        self.np_rng = np.random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        s = int(np.random.SeedSequence().entropy % (2**63))
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self):
        """The generator's state as a uint8 tensor (JSON of NumPy's bit-generator state)."""
        import json

        from chainrule.tensor import Tensor

        state = json.dumps(self.np_rng.bit_generator.state).encode()
        return Tensor._wrap(np.frombuffer(state, dtype=np.uint8).copy())

    def set_state(self, state) -> Generator:
        import json

        arr = state._data if hasattr(state, "_data") else np.asarray(state)
        self.np_rng.bit_generator.state = json.loads(bytes(arr.astype(np.uint8)).decode())
        return self

    @property
    def device(self):
        from chainrule.tensor import CPU

        return CPU


default_generator = Generator().manual_seed(0)


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (and return it)."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state) -> None:
    default_generator.set_state(state)


def rng(generator=None) -> np.random.Generator:
    """The NumPy generator behind ``generator`` (or the default one)."""
    return (generator or default_generator).np_rng
