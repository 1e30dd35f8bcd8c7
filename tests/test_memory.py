"""chainrule.utils.memory: freed arrays stay in the process (glibc), and users can opt out."""

import os
import platform
import subprocess
import sys
import textwrap

import pytest

from chainrule.utils import memory

on_glibc = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="the setting applies to glibc's malloc only")

# Eight 1 MiB arrays written and freed per round: with glibc's default thresholds the heap
# top is trimmed after each round and the next round faults every page in again.
_ROUNDS = textwrap.dedent("""
    import resource
    import numpy as np
    import chainrule

    def one_round():
        arrays = [np.ones(1 << 18, np.float32) for _ in range(8)]
        del arrays

    for _ in range(3):
        one_round()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(20):
        one_round()
    print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20)
""")


def _faults_per_round(**env):
    environ = {k: v for k, v in os.environ.items()
               if k not in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_",
                            "GLIBC_TUNABLES", "CHAINRULE_KEEP_FREED_MEMORY")}
    environ.update(env)
    done = subprocess.run([sys.executable, "-c", _ROUNDS], env=environ, capture_output=True,
                          text=True, timeout=120, check=True)
    return float(done.stdout.strip())


@on_glibc
def test_import_keeps_freed_arrays_for_reuse():
    kept = _faults_per_round()
    returned = _faults_per_round(CHAINRULE_KEEP_FREED_MEMORY="0")
    assert kept < 50, f"{kept} page faults per round with the setting applied"
    # 8 MiB of 4 KiB pages is 2048 faults: the opt-out really leaves glibc's defaults
    assert returned > 1000, f"only {returned} page faults per round without the setting"


@pytest.mark.parametrize("environ", [
    {"CHAINRULE_KEEP_FREED_MEMORY": "0"},
    {"CHAINRULE_KEEP_FREED_MEMORY": "false"},
    {"MALLOC_TRIM_THRESHOLD_": "131072"},
    {"MALLOC_MMAP_THRESHOLD_": "131072"},
    {"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=131072"},
])
def test_user_choices_are_respected(environ):
    assert memory.keep_freed_memory(environ) is False


@on_glibc
def test_applies_on_glibc():
    assert memory.keep_freed_memory({}) is True
    assert memory.keep_freed_memory({"GLIBC_TUNABLES": "glibc.cpu.hwcaps=-AVX"}) is True
