"""The mutation-testing script (``make mutation``): its mutants and its survivors list."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scripts.mutation import MODULES, SURVIVORS, listed_survivors, mutants

ROOT = Path(__file__).resolve().parents[2]


def test_mutants_cover_operators_constants_guards_and_returns() -> None:
    keys = {m.key for m in mutants("peerbench/schema/pseudonym.py")}
    assert {
        "participant_key: len(secret) < 16 → len(secret) <= 16",
        "participant_key: 16 → 17",
        "participant_key: if len(secret) < 16: … (guard skipped)",
        "parse_key: raise ValueError(f'{source}: the key is not valid hexadecimal') from exc"
        " (removed)",
        "parse_key: return secret → return None",
        "<module>: 32 → 33",
    } <= keys
    # Docstrings, annotations and f-string parts are never mutated.
    assert not any("Keyed-hash" in key or "str →" in key for key in keys)


def test_keys_are_unique_within_each_module() -> None:
    for module in MODULES:
        keys = [m.key for m in mutants(module)]
        assert len(keys) == len(set(keys)), module


def test_every_listed_survivor_is_a_current_mutant_with_a_reason() -> None:
    # A code change that renames or removes a listed mutant shows up here, in make test.
    listed = listed_survivors(SURVIVORS)
    assert listed, "the survivors file lists nothing"
    for module, entries in listed.items():
        assert module in MODULES, module
        keys = {m.key for m in mutants(module)}
        for key, reason in entries.items():
            assert key in keys, f"{module}: {key}"
            assert len(reason) > 10, key


def test_a_mutant_is_installed_into_the_live_function() -> None:
    # In a separate process: installing a mutant changes what every importer sees.
    code = (
        "from scripts.mutation import apply, mutants\n"
        "from peerbench.schema import pseudonym\n"
        "from peerbench.schema.pseudonym import participant_key\n"
        "[m] = [m for m in mutants('peerbench/schema/pseudonym.py')"
        " if m.key == 'participant_key: len(secret) < 16 → len(secret) <= 16']\n"
        "participant_key('x', bytes(16))\n"
        "apply(m)\n"
        "try:\n"
        "    participant_key('x', bytes(16))\n"
        "except ValueError:\n"
        "    print('mutant installed')\n"
        "[k] = [m for m in mutants('peerbench/schema/pseudonym.py')"
        " if m.key == '<module>: 32 → 33']\n"
        "apply(k)\n"
        "print(pseudonym.KEY_BYTES)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["mutant", "installed", "33"]
