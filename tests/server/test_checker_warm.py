"""The checker's fork server starts warm: children inherit the loaded compiled loops."""

from __future__ import annotations

import importlib

from peerbench.server import isolation
from peerbench.validators.columnar import compiled


def test_fork_server_preloads_the_warm_module() -> None:
    assert "peerbench.server.checker_warm" in isolation.PRELOAD


def test_warm_module_loads_every_compiled_loop() -> None:
    compiled.forget()
    warm = importlib.reload(importlib.import_module("peerbench.server.checker_warm"))
    assert warm.READY is True
    for name in compiled.warm_up_inputs():
        assert compiled._load(name) is not None
