"""Which outcome instruments a service collects, by the condition it focuses on.

* Mental health, perinatal and substance use: SWEMWBS (65%) or WEMWBS; PHQ-9 with GAD-7
  (55%); sometimes CORE-10 (15%) or ReQoL-10 (12%); ONS4 (25%).
* Physical long-term conditions (diabetes, cardiovascular, respiratory, musculoskeletal,
  stroke, cancer, HIV): PAM-13 (55%) and/or SEMCD-6 (60%, always one of the two);
  sometimes EQ-5D-5L (30%) or SWEMWBS (20%).
* Loneliness-focused, multiple long-term conditions and dementia: UCLA-3 (70%), ONS
  loneliness question (50%), ONS4 (60%), at least one; multiple LTC also PAM-13 (30%).

Every built-in instrument of the registry is then placed in at least one service (a
compatible one where possible), so a dataset with a dozen or more services exercises
the whole registry.
"""

from __future__ import annotations

import numpy as np

from peerbench.schema.instruments import default_registry

MENTAL = frozenset({"mental_health", "perinatal", "substance_use"})
PHYSICAL = frozenset(
    {"diabetes", "cardiovascular", "respiratory", "musculoskeletal", "stroke", "cancer", "hiv"}
)
SOCIAL = frozenset({"multiple_ltc", "dementia", "other"})

PREFERRED: dict[str, frozenset[str]] = {
    "SWEMWBS": MENTAL,
    "WEMWBS": MENTAL,
    "PHQ9": MENTAL,
    "GAD7": MENTAL,
    "CORE10": MENTAL,
    "REQOL10": MENTAL,
    "ONS4": MENTAL | SOCIAL,
    "PAM13": PHYSICAL,
    "SEMCD6": PHYSICAL,
    "EQ5D5L": PHYSICAL,
    "UCLA3": SOCIAL,
    "ONSLONELY": SOCIAL,
}


def choose_instruments(rng: np.random.Generator, condition: str) -> tuple[str, ...]:
    """The instruments one service collects (in the order they are administered)."""
    chosen: list[str] = []
    if condition in MENTAL:
        chosen.append("SWEMWBS" if rng.random() < 0.65 else "WEMWBS")
        if rng.random() < 0.55:
            chosen += ["PHQ9", "GAD7"]
        if rng.random() < 0.15:
            chosen.append("CORE10")
        if rng.random() < 0.12:
            chosen.append("REQOL10")
        if rng.random() < 0.25:
            chosen.append("ONS4")
    elif condition in PHYSICAL:
        pam, semcd = rng.random() < 0.55, rng.random() < 0.6
        if not (pam or semcd):
            semcd = True
        chosen += ["PAM13"] * pam + ["SEMCD6"] * semcd
        if rng.random() < 0.3:
            chosen.append("EQ5D5L")
        if rng.random() < 0.2:
            chosen.append("SWEMWBS")
    else:
        for code, p in (("UCLA3", 0.7), ("ONSLONELY", 0.5), ("ONS4", 0.6)):
            if rng.random() < p:
                chosen.append(code)
        if condition == "multiple_ltc" and rng.random() < 0.3:
            chosen.append("PAM13")
        if not chosen:
            chosen.append("UCLA3")
    return tuple(chosen)


def builtin_codes() -> list[str]:
    """Codes of the registry's built-in instruments, alphabetically."""
    registry = default_registry()
    return [code for code in registry.codes() if registry.is_builtin(code)]


def cover_registry(
    rng: np.random.Generator, conditions: list[str], plans: list[tuple[str, ...]]
) -> list[tuple[str, ...]]:
    """Add any built-in instrument no service collects to a compatible service.

    Args:
        rng: Random source.
        conditions: Condition focus of each service.
        plans: Instruments of each service, as drawn by :func:`choose_instruments`.

    Returns:
        The plans, with every built-in instrument used at least once.
    """
    plans = list(plans)
    if not plans:
        return plans
    used = {code for plan in plans for code in plan}
    for code in builtin_codes():
        if code in used:
            continue
        preferred = PREFERRED.get(code, frozenset())
        candidates = [i for i, c in enumerate(conditions) if c in preferred]
        pool = candidates or list(range(len(plans)))
        target = int(rng.choice(pool))
        plans[target] = (*plans[target], code)
        used.add(code)
    return plans
