"""Organisations and their services: who provides peer support, and which model.

Model (SPEC "Synthetic data"):

* Organisation type: charity 55%, community group 15%, NHS trust 12%, social enterprise
  10%, local authority 5%, other 3%. Region drawn roughly in proportion to population
  (3% UK-wide). Names are a place in the region plus a type-typical suffix (fictional).
* Services per organisation are heavy-tailed on 1-8 (P(k) proportional to k^-1.6;
  community groups run at most two).
* Condition focus: mental health 38%, physical long-term conditions (diabetes,
  cardiovascular, respiratory, musculoskeletal, stroke, cancer, HIV) 35%, multiple
  long-term conditions, dementia, perinatal, substance use and other (loneliness).
* The model of support is correlated with the provider: NHS trusts mostly use paid peer
  workers and structured programmes in hospital or primary care; community groups are
  mostly volunteer-led drop-ins in community venues; online services lean ad hoc.
* Size: about one service in five is small (10-30 participants, whatever the dataset
  size); the rest share the remaining participants with log-normal weights (sigma 1.0, capped
  at 6), which gives a few very large services.
* Each service has a random effect on improvement (SD 0.08 latent SD units) and one in
  three collects the extended-tier service-use data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from peerbench.synth.columns import normalised
from peerbench.synth.instrument_plan import choose_instruments, cover_registry

ORG_TYPES = (
    "charity",
    "community_group",
    "nhs_trust",
    "social_enterprise",
    "local_authority",
    "other",
)
ORG_TYPE_P = (0.55, 0.15, 0.12, 0.10, 0.05, 0.03)

PLACES: dict[str, tuple[str, ...]] = {
    "north_east": ("Newcastle", "Sunderland", "Durham", "Teesside"),
    "north_west": ("Manchester", "Liverpool", "Preston", "Bolton", "Wirral"),
    "yorkshire_humber": ("Leeds", "Sheffield", "Bradford", "Hull", "York"),
    "east_midlands": ("Nottingham", "Leicester", "Derby", "Lincoln"),
    "west_midlands": ("Birmingham", "Coventry", "Wolverhampton", "Stoke"),
    "east_of_england": ("Norwich", "Cambridge", "Ipswich", "Luton"),
    "london": ("Hackney", "Lambeth", "Croydon", "Camden", "Newham"),
    "south_east": ("Brighton", "Oxford", "Reading", "Southampton", "Medway"),
    "south_west": ("Bristol", "Plymouth", "Exeter", "Cornwall"),
    "wales": ("Cardiff", "Swansea", "Newport"),
    "scotland": ("Glasgow", "Edinburgh", "Dundee"),
    "northern_ireland": ("Belfast", "Derry"),
    "uk_wide": ("National",),
}
REGION_P = (4, 11, 8, 7, 9, 9, 13, 14, 9, 5, 8, 3, 3)

ORG_SUFFIX: dict[str, tuple[str, ...]] = {
    "charity": ("Peer Network", "Together", "Mutual Aid", "Wellbeing Trust", "Peer Support"),
    "community_group": ("Friendship Circle", "Peer Collective", "Community Peers"),
    "nhs_trust": ("Community Health NHS Trust", "Partnership NHS Foundation Trust"),
    "social_enterprise": ("Peer CIC", "Lived Experience CIC"),
    "local_authority": ("Council Community Wellbeing",),
    "other": ("Health Forum",),
}

CONDITIONS = (
    "mental_health",
    "diabetes",
    "cardiovascular",
    "respiratory",
    "musculoskeletal",
    "stroke",
    "cancer",
    "hiv",
    "multiple_ltc",
    "dementia",
    "perinatal",
    "substance_use",
    "other",
)
CONDITION_P = (38, 7, 6, 6, 4, 4, 5, 3, 8, 3, 4, 5, 7)

TOPIC: dict[str, tuple[str, ...]] = {
    "mental_health": ("Wellbeing", "Mental Health", "Recovery", "Hearing Voices", "Mood"),
    "diabetes": ("Diabetes",),
    "cardiovascular": ("Heart Health",),
    "respiratory": ("Lung Health", "Breathing Space"),
    "musculoskeletal": ("Joint Pain", "Back Pain"),
    "stroke": ("Stroke Survivors",),
    "cancer": ("Living with Cancer",),
    "hiv": ("Living Well with HIV",),
    "multiple_ltc": ("Living Well", "Long-Term Conditions"),
    "dementia": ("Memory", "Dementia Carers"),
    "perinatal": ("New Parents", "Perinatal"),
    "substance_use": ("Recovery Community",),
    "other": ("Connect", "Friendship"),
}

FORMATS = ("group", "one_to_one", "online", "telephone", "mixed")
FORMAT_NOUN: dict[str, tuple[str, ...]] = {
    "group": ("Peer Group", "Support Group", "Circle", "Cafe"),
    "one_to_one": ("Peer Mentoring", "Buddy Scheme", "One-to-One Peer Support"),
    "online": ("Online Peer Group", "Online Forum"),
    "telephone": ("Telephone Peer Support", "Phone Buddies"),
    "mixed": ("Peer Support Service", "Peer Network"),
}
FACILITATORS = ("volunteer_peers", "paid_peer_workers", "mixed", "professional_led")
SETTINGS = ("community", "primary_care", "hospital", "home", "online", "workplace", "other")

# Rows follow ORG_TYPES; columns follow FORMATS / FACILITATORS.
FORMAT_BY_ORG = np.array(
    [
        [45, 22, 13, 8, 12],
        [70, 10, 10, 5, 5],
        [25, 45, 10, 10, 10],
        [40, 25, 15, 5, 15],
        [40, 30, 10, 10, 10],
        [40, 25, 15, 10, 10],
    ],
    dtype=np.float64,
)
FACILITATOR_BY_ORG = np.array(
    [
        [35, 30, 30, 5],
        [85, 2, 12, 1],
        [5, 65, 15, 15],
        [20, 50, 30, 0],
        [10, 50, 20, 20],
        [40, 30, 25, 5],
    ],
    dtype=np.float64,
)
STRUCTURED_BY_ORG = (0.5, 0.25, 0.75, 0.55, 0.6, 0.4)


@dataclass(frozen=True)
class Organisations:
    """The organisations, one entry per organisation."""

    ids: list[str]
    names: list[str]
    types: list[str]
    regions: list[str]


@dataclass(frozen=True)
class Services:
    """The services, one entry per service (a handful to a few hundred: plain lists)."""

    ids: list[str]
    organisation: list[int]
    names: list[str]
    condition: list[str]
    delivery_format: list[str]
    facilitator: list[str]
    structured: list[bool]
    setting: list[str | None]
    start: list[dt.date]
    instruments: list[tuple[str, ...]]
    small: list[bool]
    weight: list[float]
    effect: list[float]
    programme_weeks: list[int]
    records_offered: list[bool]
    extended: list[bool]

    def __len__(self) -> int:
        return len(self.ids)


def make_organisations(rng: np.random.Generator, count: int) -> Organisations:
    """Draw ``count`` organisations (types, regions and unique names)."""
    regions = list(PLACES)
    types = rng.choice(len(ORG_TYPES), size=count, p=normalised(ORG_TYPE_P))
    region_idx = rng.choice(len(regions), size=count, p=normalised(REGION_P))
    ids, names = [], []
    seen: set[str] = set()
    for i in range(count):  # one iteration per organisation, not per row
        org_type, region = ORG_TYPES[types[i]], regions[region_idx[i]]
        place = str(rng.choice(PLACES[region]))
        name = f"{place} {rng.choice(ORG_SUFFIX[org_type])}"
        if name in seen:
            name = f"{name} {i + 1}"
        seen.add(name)
        names.append(name)
        ids.append(f"org{i + 1:03d}-{place.lower()}")
    return Organisations(
        ids=ids,
        names=names,
        types=[ORG_TYPES[t] for t in types],
        regions=[regions[r] for r in region_idx],
    )


def _service_count(rng: np.random.Generator, org_type: str) -> int:
    k = np.arange(1, 9)
    count = int(rng.choice(k, p=normalised((k**-1.6).tolist())))
    return min(count, 2) if org_type == "community_group" else count


def _setting(rng: np.random.Generator, org_type: str, delivery: str) -> str | None:
    if rng.random() < 0.05:  # standard-tier field, sometimes not recorded
        return None
    if delivery == "online":
        return "online"
    if delivery == "telephone":
        return "home"
    if org_type == "nhs_trust":
        return str(rng.choice(["hospital", "primary_care", "community"], p=[0.45, 0.3, 0.25]))
    return str(rng.choice(list(SETTINGS), p=[0.7, 0.1, 0.04, 0.05, 0.0, 0.06, 0.05]))


def make_services(rng: np.random.Generator, orgs: Organisations, as_of: dt.date) -> Services:
    """Draw the services of every organisation and the instruments each one collects."""
    cols: dict[str, list[object]] = {name: [] for name in Services.__dataclass_fields__}
    for o, org_type in enumerate(orgs.types):  # per organisation and service: small loops
        t = ORG_TYPES.index(org_type)
        used_names: set[str] = set()
        for j in range(_service_count(rng, org_type)):
            condition = str(rng.choice(CONDITIONS, p=normalised(CONDITION_P)))
            delivery = str(rng.choice(FORMATS, p=normalised(FORMAT_BY_ORG[t])))
            facilitator = str(rng.choice(FACILITATORS, p=normalised(FACILITATOR_BY_ORG[t])))
            p_structured = STRUCTURED_BY_ORG[t] * (0.6 if delivery == "online" else 1.0)
            structured = bool(rng.random() < p_structured)
            name = f"{rng.choice(TOPIC[condition])} {rng.choice(FORMAT_NOUN[delivery])}"
            if name in used_names:
                name = f"{name} {j + 1}"
            used_names.add(name)
            opened = as_of - dt.timedelta(days=int(rng.integers(270, 3650)))
            cols["ids"].append(f"{orgs.ids[o]}-s{j + 1}")
            cols["organisation"].append(o)
            cols["names"].append(name)
            cols["condition"].append(condition)
            cols["delivery_format"].append(delivery)
            cols["facilitator"].append(facilitator)
            cols["structured"].append(structured)
            cols["setting"].append(_setting(rng, org_type, delivery))
            cols["start"].append(opened)
            cols["instruments"].append(choose_instruments(rng, condition))
            cols["small"].append(False)
            cols["weight"].append(float(min(rng.lognormal(0.0, 1.0), 6.0)))
            cols["effect"].append(float(rng.normal(0.0, 0.08)))
            cols["programme_weeks"].append(int(rng.choice([6, 8, 10, 12])) if structured else 0)
            cols["records_offered"].append(structured or bool(rng.random() < 0.7))
            cols["extended"].append(bool(rng.random() < 0.33))
    n = len(cols["ids"])
    small = rng.random(n) < 0.2
    if n >= 3 and not small.any():
        small[int(rng.integers(n))] = True  # every dataset shows a small service
    if n >= 2 and small.all():
        small[0] = False
    cols["small"] = [bool(s) for s in small]
    plans = cover_registry(rng, cols["condition"], cols["instruments"])  # type: ignore[arg-type]
    cols["instruments"] = list(plans)
    return Services(**cols)  # type: ignore[arg-type]
