"""Shared test setup.

- ``tests/`` is importable (``from op_cases import CASES``) whatever pytest's import mode.
- BLAS runs one thread: the tests multiply small matrices, where thread start-up costs more
  than it saves, and CI machines are shared. Set before NumPy is first imported.
"""

import os
import sys

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

sys.path.insert(0, os.path.dirname(__file__))
