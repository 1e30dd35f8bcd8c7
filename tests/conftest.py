"""Shared test setup: ``tests/`` is importable (``from op_cases import CASES``) whatever
pytest's import mode."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
