"""Plain-English names for the codes a benchmark result uses.

Readers are charities, networks and commissioners, not statisticians: an instrument is
named for what it measures ("Wellbeing"), with its short name in brackets; code-list
values use the labels declared once in :mod:`peerbench.schema.codelists`.
"""

from __future__ import annotations

from peerbench.schema.codelist_base import CodeList
from peerbench.schema.codelists import (
    AgeBand,
    ConditionFocus,
    DeliveryFormat,
    EthnicGroup,
    FacilitatorModel,
    FeedbackTheme,
    ServiceStructure,
    Timepoint,
)

#: What each instrument measures, in everyday words, and its short name.
INSTRUMENTS: dict[str, tuple[str, str]] = {
    "SWEMWBS": ("Wellbeing", "SWEMWBS"),
    "WEMWBS": ("Wellbeing", "WEMWBS"),
    "PHQ9": ("Low mood", "PHQ-9"),
    "GAD7": ("Anxiety", "GAD-7"),
    "UCLA3": ("Loneliness", "UCLA 3-item"),
    "ONSLONELY": ("How often lonely", "ONS"),
    "SEMCD6": ("Confidence to manage a health condition", "SEMCD-6"),
    "PAM13": ("Knowledge and confidence to manage own health", "PAM"),
    "CORE10": ("Psychological distress", "CORE-10"),
    "REQOL10": ("Quality of life", "ReQoL-10"),
    "EQ5D5L": ("Health-related quality of life", "EQ-5D-5L"),
    "ONS4.life_satisfaction": ("Life satisfaction", "ONS"),
    "ONS4.worthwhile": ("Feeling life is worthwhile", "ONS"),
    "ONS4.happiness": ("Happiness yesterday", "ONS"),
    "ONS4.anxiety": ("Anxiety yesterday", "ONS"),
    "talking-therapies": ("Low mood or anxiety", "PHQ-9 and GAD-7, NHS Talking Therapies"),
}

#: Service attributes compared in "what works for whom", as readers know them.
ATTRIBUTES: dict[str, str] = {
    "facilitator_model": "Who runs the support",
    "delivery_format": "How support is given",
    "structure": "Structured or drop-in",
    "condition_focus": "Health condition",
    "setting": "Where support happens",
    "regular_supervision": "Most peer workers supervised at least monthly",
    "accredited_training": "Peer workers' training mostly accredited",
    "paid_led": "At least half the peer workers paid",
}

_CODELISTS: dict[str, type[CodeList]] = {
    "facilitator_model": FacilitatorModel,
    "delivery_format": DeliveryFormat,
    "structure": ServiceStructure,
    "condition_focus": ConditionFocus,
    "age_band": AgeBand,
    "ethnic_group": EthnicGroup,
    "theme": FeedbackTheme,
    "timepoint": Timepoint,
}

DIMENSIONS: dict[str, str] = {
    "age_band": "Age",
    "ethnic_group": "Ethnic group",
    "sex": "Sex",
    "deprivation_quintile": "Area deprivation",
}


def instrument_name(code: str) -> str:
    """``"Wellbeing (SWEMWBS)"``; unknown codes are returned unchanged."""
    topic, short = INSTRUMENTS.get(code, (code, ""))
    return f"{topic} ({short})" if short else topic


def instrument_topic(code: str) -> str:
    """What the instrument measures, lower case for use inside a sentence: "wellbeing"."""
    topic = INSTRUMENTS.get(code, (code, ""))[0]
    return topic if topic.isupper() else topic[0].lower() + topic[1:]


def label(codelist: str, code: str | None) -> str:
    """The reader-facing label of ``code`` in the named code list ("Volunteer peers").

    Args:
        codelist: A key of the known code lists (``facilitator_model``, ``age_band``, …).
        code: The stored code; ``None`` reads "Not recorded".
    """
    if code is None:
        return "Not recorded"
    if codelist == "deprivation_quintile":
        return _quintile(code)
    members = _CODELISTS.get(codelist)
    if members is not None and code in members.codes():
        return members(code).label
    return code.replace("_", " ").capitalize()


def _quintile(code: str) -> str:
    names = {"1": "1 (most deprived)", "5": "5 (least deprived)"}
    return names.get(code, code)


def timepoint_phrase(timepoint: str) -> str:
    """How a follow-up time point reads in a sentence: "at the end of support"."""
    if timepoint == "end":
        return "at the end of support"
    if timepoint.startswith("month_"):
        return f"{timepoint.removeprefix('month_')} months after starting"
    return "at a later check-in"


def horizon_months(horizon: str) -> int | None:
    """``month_6`` → 6; anything else → ``None``."""
    text = horizon.removeprefix("month_")
    return int(text) if text.isdigit() else None


def too_few_services(smallest: int, minimum: int) -> str:
    """Why a comparison of services is not made, in words."""
    fewest = "one service" if smallest == 1 else f"{smallest} services"
    return (
        f"Too few services to compare: the smallest group has {fewest}, and a fair "
        f"comparison needs at least {minimum} in every group."
    )


def agreement(p_value: float | None) -> str:
    """A test of difference in words, never a bare p-value.

    Uses the usual 5% level; "strong" below 1 in 1,000.
    """
    if p_value is None:
        return "There were too few services to test for a difference."
    if p_value < 0.001:
        return "The groups differ by much more than chance would explain (strong evidence)."
    if p_value < 0.05:
        return "The groups differ by more than chance would explain."
    return "The differences between the groups are small enough to be down to chance."
