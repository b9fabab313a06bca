"""Made-up personal identifiers for the ``identifier-detected`` error.

They have the shape a disclosure check must catch (an email address, an NHS number whose
check digit is valid, a UK phone number, a full postcode) but point at nobody: phone
numbers come from Ofcom's ranges reserved for drama, emails use ``example.org``.
"""

from __future__ import annotations

import numpy as np

FIRST = ("jo", "sam", "alex", "priya", "tom", "aisha", "chris", "megan")
LAST = ("smith", "khan", "jones", "patel", "brown", "okafor", "taylor", "evans")
POSTCODE_AREAS = ("LS", "M", "B", "BS", "NE", "CF", "G", "SE", "N", "L")
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # inward-code letters never use C, I, K, M, O, V
KINDS = ("email", "nhs_number", "phone", "postcode")


def nhs_number(rng: np.random.Generator) -> str:
    """A 10-digit NHS number with a valid modulus-11 check digit, spaced 3-3-4."""
    while True:
        digits = rng.integers(0, 10, size=9)
        digits[0] = rng.integers(4, 7)  # issued numbers start 4-6 in England and Wales
        remainder = int((digits * np.arange(10, 1, -1)).sum()) % 11
        check = 11 - remainder
        if check == 10:
            continue  # no valid check digit: such numbers are never issued
        check = 0 if check == 11 else check
        text = "".join(str(d) for d in digits) + str(check)
        return f"{text[:3]} {text[3:6]} {text[6:]}"


def phone(rng: np.random.Generator) -> str:
    """A UK phone number from Ofcom's drama ranges (mobile or Leeds landline)."""
    if rng.random() < 0.5:
        return f"07700 900{rng.integers(0, 1000):03d}"
    return f"0113 496 0{rng.integers(0, 1000):03d}"


def email(rng: np.random.Generator) -> str:
    """A personal-looking email address at example.org."""
    return f"{rng.choice(FIRST)}.{rng.choice(LAST)}{rng.integers(1, 99)}@example.org"


def postcode(rng: np.random.Generator) -> str:
    """A full UK postcode (outward and inward code)."""
    letters = "".join(rng.choice(list(POSTCODE_LETTERS), size=2))
    return f"{rng.choice(POSTCODE_AREAS)}{rng.integers(1, 20)} {rng.integers(1, 10)}{letters}"


def sentence(rng: np.random.Generator) -> str:
    """A short phrase carrying one identifier, as someone might write it."""
    kind = str(rng.choice(KINDS))
    if kind == "email":
        return f"Email me at {email(rng)}"
    if kind == "nhs_number":
        return f"My NHS number is {nhs_number(rng)}"
    if kind == "phone":
        return f"Ring me on {phone(rng)}"
    return f"I live near {postcode(rng)}"
