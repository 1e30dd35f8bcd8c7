"""The example gallery behind ``chainrule run NAME``.

Every module of this package whose name does not start with ``_`` is an example. It
defines:

- ``NAME``: the name used on the command line (``"digits"``, ``"chain-rule"``...);
- ``DESCRIPTION``: one line for ``chainrule examples``;
- ``ORDER``: an int that places it in the listing;
- ``main(args)``: runs it; ``args`` has ``epochs`` (None = the example's default),
  ``seed``, ``quick``, ``out`` (a directory) and ``data`` (a path or None). It writes its
  pictures and a ``metrics.json`` into ``args.out`` and returns the metrics dict.

Modules are found with :mod:`pkgutil` when the registry is first read, so a new file
dropped into this package shows up without being listed anywhere. A module that fails to
import is reported (in ``chainrule examples`` and when run), not hidden.

Example:
    >>> from chainrule.examples import get_example, list_examples
    >>> "digits" in [e.name for e in list_examples()]
    True
    >>> get_example("digits").module.__name__
    'chainrule.examples.digits'
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import traceback
from dataclasses import dataclass
from types import ModuleType, SimpleNamespace
from typing import Any


@dataclass
class Example:
    """One entry of the gallery."""

    name: str
    description: str
    order: int
    module_name: str
    module: ModuleType | None = None
    error: str | None = None

    def run(self, args) -> Any:
        if self.module is None:
            raise RuntimeError(f"example {self.name!r} cannot be imported:\n{self.error}")
        return self.module.main(args)


_REGISTRY: dict[str, Example] | None = None


def _normalize(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def discover(refresh: bool = False) -> dict[str, Example]:
    """Import every example module of this package; ``{name: Example}``."""
    global _REGISTRY
    if _REGISTRY is not None and not refresh:
        return _REGISTRY
    found: dict[str, Example] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module_name = f"{__name__}.{info.name}"
        try:
            module = importlib.import_module(module_name)
        except Exception:  # a broken example must not take the whole gallery down
            name = _normalize(info.name)
            found[name] = Example(name, "(cannot be imported)", 10**6, module_name,
                                  error=traceback.format_exc(limit=3))
            continue
        if not callable(getattr(module, "main", None)):
            continue
        name = _normalize(getattr(module, "NAME", info.name))
        found[name] = Example(name=name,
                              description=str(getattr(module, "DESCRIPTION", "")).strip(),
                              order=int(getattr(module, "ORDER", 1000)),
                              module_name=module_name, module=module)
    _REGISTRY = found
    return found


def list_examples() -> list[Example]:
    """All examples, by ``ORDER`` then name."""
    return sorted(discover().values(), key=lambda e: (e.order, e.name))


def names() -> list[str]:
    return [e.name for e in list_examples()]


def get_example(name: str) -> Example:
    """The example called ``name`` (``pytorch_style`` and ``pytorch-style`` both work).

    Raises:
        KeyError: for an unknown name.
    """
    registry = discover()
    key = _normalize(name)
    if key not in registry:
        raise KeyError(name)
    return registry[key]


def make_args(name: str, *, epochs: int | None = None, seed: int = 0, quick: bool = False,
              out: str | None = None, data: str | None = None) -> SimpleNamespace:
    """The ``args`` object that ``main`` receives (what the CLI builds from its options)."""
    return SimpleNamespace(epochs=epochs, seed=seed, quick=quick,
                           out=out or os.path.join("runs", _normalize(name)), data=data)


def run(name: str, **kwargs) -> Any:
    """Run an example from Python: ``run("digits", quick=True, out="tmp")``."""
    return get_example(name).run(make_args(name, **kwargs))


def write_metrics(out: str, metrics: dict[str, Any]) -> str:
    """Write ``metrics.json`` into ``out`` (created if needed); returns its path.

    Helper for example modules; floats are rounded for readability, NumPy scalars
    converted.
    """
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "metrics.json")

    def clean(v):
        if isinstance(v, dict):
            return {str(k): clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        if hasattr(v, "item") and getattr(v, "ndim", 0) == 0:
            v = v.item()
        if isinstance(v, float):
            return round(v, 6)
        return v

    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(clean(metrics), f, indent=2)
        f.write("\n")
    os.replace(tmp, path)
    return path
