"""Demographic distributions of participants, by condition, region and setting.

Shares are per cent or relative weights; sources: ONS Census 2021 (England and Wales)
for ethnicity, and plausible peer-support profiles for age, sex, deprivation and
referral (see :mod:`peerbench.synth.population` for the model).
"""

from __future__ import annotations

import numpy as np

from peerbench.synth.columns import normalised

AGE_BANDS = (
    "under_18",
    "18_24",
    "25_34",
    "35_44",
    "45_54",
    "55_64",
    "65_74",
    "75_plus",
    "not_stated",
)
AGE_GROUP = {
    "mental_health": 0,
    "diabetes": 1,
    "respiratory": 1,
    "musculoskeletal": 1,
    "cancer": 1,
    "stroke": 2,
    "cardiovascular": 2,
    "dementia": 2,
    "multiple_ltc": 2,
    "other": 2,
    "perinatal": 3,
    "substance_use": 4,
    "hiv": 5,
}
AGE_P = np.array(
    [
        [1, 14, 22, 20, 18, 13, 7, 3, 2],
        [0, 1, 4, 8, 15, 25, 25, 20, 2],
        [0, 1, 2, 4, 8, 17, 30, 36, 2],
        [1, 15, 50, 30, 2, 0, 0, 0, 2],
        [0, 8, 25, 30, 22, 11, 2, 0, 2],
        [0, 5, 18, 25, 27, 17, 6, 1, 1],
    ],
    dtype=np.float64,
)
FEMALE_SHARE = {
    "mental_health": 0.62,
    "perinatal": 0.97,
    "cardiovascular": 0.40,
    "substance_use": 0.30,
    "stroke": 0.45,
    "dementia": 0.60,
}
SEXES = ("female", "male", "not_stated")

# ONS Census 2021 (England and Wales) shares, per cent; London weights minorities x3.
ETHNICITY_P: dict[str, float] = {
    "white_british": 74.4,
    "white_irish": 0.9,
    "white_gypsy_traveller": 0.1,
    "white_roma": 0.2,
    "white_other": 6.2,
    "mixed_white_black_caribbean": 0.9,
    "mixed_white_black_african": 0.4,
    "mixed_white_asian": 0.8,
    "mixed_other": 0.7,
    "asian_indian": 3.1,
    "asian_pakistani": 2.7,
    "asian_bangladeshi": 1.1,
    "asian_chinese": 0.7,
    "asian_other": 1.6,
    "black_african": 2.5,
    "black_caribbean": 1.0,
    "black_other": 0.5,
    "other_arab": 0.6,
    "other_any": 1.6,
    "not_stated": 2.5,
}
ETHNICITIES = tuple(ETHNICITY_P)
IMD_P = normalised([15, 13, 12, 11, 10, 9, 8.5, 8, 7, 6.5])

REFERRALS = ("self", "gp", "secondary_care", "social_prescriber", "charity", "other")
REFERRAL_P = {
    "primary_care": (20, 55, 5, 12, 4, 4),
    "hospital": (15, 15, 55, 5, 5, 5),
    "online": (60, 12, 5, 8, 10, 5),
}
REFERRAL_DEFAULT = (38, 20, 6, 18, 12, 6)
