"""Every code list of the standard, declared once.

Codes are stable lower-case identifiers (breaking to change, see SPEC "Versioning");
labels are for people; extra strings are synonyms a mapping file may translate.
"""

from __future__ import annotations

from peerbench.schema.codelist_base import CodeList


class OrganisationType(CodeList):
    __codelist_name__ = "organisation_type"
    __codelist_description__ = "Legal or organisational form of a provider."
    CHARITY = "charity", "Charity", "registered charity", "voluntary organisation"
    NHS_TRUST = "nhs_trust", "NHS trust", "nhs", "nhs foundation trust"
    SOCIAL_ENTERPRISE = "social_enterprise", "Social enterprise", "cic"
    COMMUNITY_GROUP = "community_group", "Community group", "peer group"
    LOCAL_AUTHORITY = "local_authority", "Local authority", "council"
    OTHER = "other", "Other"


class Region(CodeList):
    __codelist_name__ = "region"
    __codelist_description__ = "ONS region (England) or UK nation where the service mainly runs."
    NORTH_EAST = "north_east", "North East"
    NORTH_WEST = "north_west", "North West"
    YORKSHIRE = "yorkshire_humber", "Yorkshire and The Humber", "yorkshire"
    EAST_MIDLANDS = "east_midlands", "East Midlands"
    WEST_MIDLANDS = "west_midlands", "West Midlands"
    EAST = "east_of_england", "East of England", "east"
    LONDON = "london", "London"
    SOUTH_EAST = "south_east", "South East"
    SOUTH_WEST = "south_west", "South West"
    WALES = "wales", "Wales"
    SCOTLAND = "scotland", "Scotland"
    NORTHERN_IRELAND = "northern_ireland", "Northern Ireland"
    UK_WIDE = "uk_wide", "UK-wide or national", "national"


class ConditionFocus(CodeList):
    __codelist_name__ = "condition"
    __codelist_description__ = (
        "Health condition a service focuses on, or a participant's primary condition."
    )
    MENTAL_HEALTH = "mental_health", "Mental health", "mh"
    DIABETES = "diabetes", "Diabetes"
    CANCER = "cancer", "Cancer"
    HIV = "hiv", "HIV"
    CARDIOVASCULAR = "cardiovascular", "Cardiovascular", "heart"
    RESPIRATORY = "respiratory", "Respiratory", "copd", "asthma"
    MUSCULOSKELETAL = "musculoskeletal", "Musculoskeletal", "msk"
    DEMENTIA = "dementia", "Dementia"
    STROKE = "stroke", "Stroke"
    PERINATAL = "perinatal", "Perinatal", "maternal mental health"
    SUBSTANCE_USE = "substance_use", "Substance use", "addiction", "drugs and alcohol"
    MULTIPLE = "multiple_ltc", "Multiple long-term conditions", "multimorbidity"
    OTHER = "other", "Other"


class DeliveryFormat(CodeList):
    __codelist_name__ = "delivery_format"
    __codelist_description__ = "How support is mainly delivered."
    GROUP = "group", "Group"
    ONE_TO_ONE = "one_to_one", "One-to-one", "1:1", "individual"
    ONLINE = "online", "Online", "digital"
    TELEPHONE = "telephone", "Telephone", "phone"
    MIXED = "mixed", "Mixed"


class FacilitatorModel(CodeList):
    __codelist_name__ = "facilitator_model"
    __codelist_description__ = "Who facilitates the peer support."
    VOLUNTEER = "volunteer_peers", "Volunteer peers", "volunteers"
    PAID = "paid_peer_workers", "Paid peer workers", "paid"
    MIXED = "mixed", "Mixed volunteer and paid"
    PROFESSIONAL_LED = "professional_led", "Professional-led with peers"


class ServiceStructure(CodeList):
    __codelist_name__ = "service_structure"
    __codelist_description__ = "Whether support follows a set programme."
    STRUCTURED = "structured_programme", "Structured programme", "structured"
    AD_HOC = "ad_hoc", "Ad hoc / drop-in", "drop-in", "drop in"


class Setting(CodeList):
    __codelist_name__ = "setting"
    __codelist_description__ = "Where support mainly takes place."
    COMMUNITY = "community", "Community venue"
    PRIMARY_CARE = "primary_care", "Primary care / GP practice", "gp practice"
    HOSPITAL = "hospital", "Hospital or secondary care", "secondary care"
    HOME = "home", "Participant's home"
    ONLINE = "online", "Online"
    WORKPLACE = "workplace", "Workplace or education"
    OTHER = "other", "Other"


class AgeBand(CodeList):
    __codelist_name__ = "age_band"
    __codelist_description__ = "Age in years at the start of support, banded (never date of birth)."
    UNDER_18 = "under_18", "Under 18"
    AGE_18_24 = "18_24", "18 to 24", "18-24"
    AGE_25_34 = "25_34", "25 to 34", "25-34"
    AGE_35_44 = "35_44", "35 to 44", "35-44"
    AGE_45_54 = "45_54", "45 to 54", "45-54"
    AGE_55_64 = "55_64", "55 to 64", "55-64"
    AGE_65_74 = "65_74", "65 to 74", "65-74"
    AGE_75_PLUS = "75_plus", "75 and over", "75+"
    NOT_STATED = "not_stated", "Not stated", "prefer not to say", "unknown"


class Sex(CodeList):
    __codelist_name__ = "sex"
    __codelist_description__ = "Sex as recorded by the participant (ONS 2021 question)."
    FEMALE = "female", "Female", "f", "woman"
    MALE = "male", "Male", "m", "man"
    NOT_STATED = "not_stated", "Not stated", "prefer not to say", "unknown"


class EthnicGroup(CodeList):
    __codelist_name__ = "ethnic_group"
    __codelist_description__ = "Five high-level ethnic groups of the ONS 2021 classification."
    ASIAN = "asian", "Asian, Asian British or Asian Welsh"
    BLACK = "black", "Black, Black British, Black Welsh, Caribbean or African"
    MIXED = "mixed", "Mixed or Multiple ethnic groups"
    WHITE = "white", "White"
    OTHER = "other", "Other ethnic group"
    NOT_STATED = "not_stated", "Not stated"


class Ethnicity(CodeList):
    __codelist_name__ = "ethnicity"
    __codelist_description__ = (
        "ONS 2021 (England and Wales) ethnic group, 19 categories; "
        "rolls up to ethnic_group via ETHNICITY_GROUP."
    )
    ASIAN_BANGLADESHI = "asian_bangladeshi", "Bangladeshi"
    ASIAN_CHINESE = "asian_chinese", "Chinese"
    ASIAN_INDIAN = "asian_indian", "Indian"
    ASIAN_PAKISTANI = "asian_pakistani", "Pakistani"
    ASIAN_OTHER = "asian_other", "Any other Asian background"
    BLACK_AFRICAN = "black_african", "African"
    BLACK_CARIBBEAN = "black_caribbean", "Caribbean"
    BLACK_OTHER = "black_other", "Any other Black, Black British or Caribbean background"
    MIXED_WHITE_ASIAN = "mixed_white_asian", "White and Asian"
    MIXED_WHITE_BLACK_AFRICAN = "mixed_white_black_african", "White and Black African"
    MIXED_WHITE_BLACK_CARIBBEAN = "mixed_white_black_caribbean", "White and Black Caribbean"
    MIXED_OTHER = "mixed_other", "Any other Mixed or Multiple background"
    WHITE_BRITISH = (
        "white_british",
        "English, Welsh, Scottish, Northern Irish or British",
        "white british",
    )
    WHITE_IRISH = "white_irish", "Irish"
    WHITE_GYPSY_TRAVELLER = "white_gypsy_traveller", "Gypsy or Irish Traveller"
    WHITE_ROMA = "white_roma", "Roma"
    WHITE_OTHER = "white_other", "Any other White background"
    OTHER_ARAB = "other_arab", "Arab"
    OTHER_ANY = "other_any", "Any other ethnic group"
    NOT_STATED = "not_stated", "Not stated", "prefer not to say", "unknown"


ETHNICITY_GROUP: dict[Ethnicity, EthnicGroup] = {
    member: EthnicGroup(
        "not_stated" if member is Ethnicity.NOT_STATED else member.value.split("_")[0]
    )
    for member in Ethnicity
}
"""The ONS 2021 roll-up from 19 categories to 5 groups (plus not stated)."""


class ReferralSource(CodeList):
    __codelist_name__ = "referral_source"
    __codelist_description__ = "How the participant came to the service."
    SELF = "self", "Self-referral", "self referral"
    GP = "gp", "GP or primary care", "general practice"
    SECONDARY_CARE = "secondary_care", "Secondary care", "hospital"
    SOCIAL_PRESCRIBER = "social_prescriber", "Social prescriber", "link worker"
    CHARITY = "charity", "Charity or voluntary sector"
    OTHER = "other", "Other"


class EndReason(CodeList):
    __codelist_name__ = "end_reason"
    __codelist_description__ = "Why an episode of support ended (or that it is ongoing)."
    COMPLETED = "completed", "Completed", "finished"
    DISENGAGED = "disengaged", "Stopped attending", "dropped out", "did not attend"
    MOVED_ON = "moved_on", "Moved on", "no longer needed"
    TRANSFERRED = "transferred", "Transferred to another service", "referred on"
    ONGOING = "ongoing", "Ongoing", "still attending"
    OTHER = "other", "Other"


class Timepoint(CodeList):
    __codelist_name__ = "timepoint"
    __codelist_description__ = (
        "When a measure was taken relative to the start of support. "
        "'other' requires days_since_start."
    )
    BASELINE = "baseline", "Baseline (start of support)", "start", "pre", "t0"
    MONTH_3 = "month_3", "3 months", "3m", "3 month"
    MONTH_6 = "month_6", "6 months", "6m", "6 month"
    MONTH_12 = "month_12", "12 months", "12m", "12 month", "1 year"
    END = "end", "End of support", "post", "discharge", "exit"
    OTHER = "other", "Other (give days since start)"


TIMEPOINT_NOMINAL_DAYS: dict[Timepoint, int | None] = {
    Timepoint.BASELINE: 0,
    Timepoint.MONTH_3: 91,
    Timepoint.MONTH_6: 182,
    Timepoint.MONTH_12: 365,
    Timepoint.END: None,
    Timepoint.OTHER: None,
}
"""Nominal days since start for each timepoint (None: depends on the episode)."""


class AdministrationMode(CodeList):
    __codelist_name__ = "administration_mode"
    __codelist_description__ = "How the measure was completed."
    PAPER = "self_paper", "Self-complete on paper", "paper"
    ONLINE = "self_online", "Self-complete online", "online"
    ASSISTED = "assisted", "Completed with help (in person or by phone)", "interview"


class FeedbackTheme(CodeList):
    __codelist_name__ = "feedback_theme"
    __codelist_description__ = "Themes for coding qualitative feedback."
    CONNECTION = "connection", "Connection and belonging", "less isolated"
    SHARED_EXPERIENCE = "shared_experience", "Being understood by someone who has been there"
    CONFIDENCE = "confidence", "Confidence to self-manage"
    INFORMATION = "information", "Information and practical know-how"
    HOPE = "hope", "Hope and motivation"
    WELLBEING = "wellbeing", "Mood and wellbeing"
    ACCESS = "access", "Access to other services"
    DELIVERY = "delivery", "How the support was run"
    CONCERN = "concern", "Concern or complaint"
    OTHER = "other", "Other"


class Subject(CodeList):
    __codelist_name__ = "subject"
    __codelist_description__ = (
        "Whose questionnaire an outcome record holds: a participant's (the default) or a peer "
        "worker's own wellbeing."
    )
    PARTICIPANT = "participant", "Participant", "client", "service user"
    PEER_WORKER = "peer_worker", "Peer worker (their own wellbeing)", "worker", "volunteer", "staff"


class WorkerRole(CodeList):
    __codelist_name__ = "worker_role"
    __codelist_description__ = "How a peer worker is engaged."
    VOLUNTEER = "volunteer", "Volunteer", "unpaid", "volunteer peer"
    PAID = "paid", "Paid (employed)", "employed", "staff", "paid peer worker"
    SESSIONAL = "sessional", "Sessional (paid per session)", "bank", "casual"


class WorkerEndReason(CodeList):
    __codelist_name__ = "worker_end_reason"
    __codelist_description__ = (
        "Why a peer worker's role ended (or that it is ongoing). Own-health reasons are "
        "published only in network totals (SPEC §12)."
    )
    ONGOING = "ongoing", "Ongoing", "still in role", "current"
    NEW_ROLE = "new_role", "Moved to other work, training or study", "moved on", "new job"
    PERSONAL = "personal", "Personal or family reasons"
    OWN_HEALTH = "own_health", "Own health (including relapse)", "relapse", "ill health"
    ROLE_STRAIN = "role_strain", "Demands of the role (stress, burnout)", "burnout", "stress"
    FUNDING_ENDED = "funding_ended", "Funding or contract ended", "end of contract"
    ASKED_TO_LEAVE = "asked_to_leave", "Asked to leave", "dismissed"
    OTHER = "other", "Other", "unknown"


class TrainingStatus(CodeList):
    __codelist_name__ = "training_status"
    __codelist_description__ = "How far a peer worker has got with peer-support training."
    NONE = "none", "No training yet", "not started", "untrained"
    IN_PROGRESS = "in_progress", "In progress", "started", "ongoing"
    COMPLETED = "completed", "Completed", "trained", "done"


class SupervisionType(CodeList):
    __codelist_name__ = "supervision_type"
    __codelist_description__ = "What supervision a peer worker receives."
    ONE_TO_ONE = "one_to_one", "One-to-one", "1:1", "individual"
    GROUP = "group", "Group or peer supervision", "peer supervision"
    BOTH = "both", "One-to-one and group"
    NONE = "none", "None", "no supervision"


class SupervisionFrequency(CodeList):
    __codelist_name__ = "supervision_frequency"
    __codelist_description__ = "How often a peer worker is supervised."
    WEEKLY = "weekly", "Weekly or more often", "every week"
    FORTNIGHTLY = "fortnightly", "Fortnightly", "every two weeks"
    MONTHLY = "monthly", "Monthly", "every month"
    LESS_OFTEN = "less_often", "Less often than monthly", "quarterly", "ad hoc"
    NONE = "none", "Never", "no supervision"


class ReferralChannel(CodeList):
    __codelist_name__ = "referral_channel"
    __codelist_description__ = "How a referral reached the service."
    ONLINE_FORM = "online_form", "Online form", "website", "web form"
    EMAIL = "email", "Email"
    PHONE = "phone", "Telephone", "telephone", "call"
    ELECTRONIC_SYSTEM = "electronic_system", "Electronic referral system", "e-rs", "systmone"
    LETTER = "letter", "Letter or paper form", "paper"
    IN_PERSON = "in_person", "In person", "walk-in", "drop-in"
    OTHER = "other", "Other"


class ReferralUptake(CodeList):
    __codelist_name__ = "referral_uptake"
    __codelist_description__ = "Whether support started after a referral and, if not, why not."
    STARTED = "started", "Started support", "yes", "engaged"
    WAITING = "waiting", "Still waiting", "on waiting list", "pending"
    DECLINED = "declined", "Declined the offer", "not interested", "refused"
    NO_CONTACT = "no_contact", "Could not be contacted", "uncontactable", "no response"
    NOT_SUITABLE = "not_suitable", "Not suitable or not eligible", "ineligible"
    REFERRED_ELSEWHERE = "referred_elsewhere", "Referred to another service", "signposted"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend the first session", "dna"
    OTHER = "other", "Other"


ALL_CODELISTS: tuple[type[CodeList], ...] = (
    OrganisationType,
    Region,
    ConditionFocus,
    DeliveryFormat,
    FacilitatorModel,
    ServiceStructure,
    Setting,
    AgeBand,
    Sex,
    Ethnicity,
    EthnicGroup,
    ReferralSource,
    EndReason,
    Timepoint,
    AdministrationMode,
    FeedbackTheme,
    Subject,
    WorkerRole,
    WorkerEndReason,
    TrainingStatus,
    SupervisionType,
    SupervisionFrequency,
    ReferralChannel,
    ReferralUptake,
)
"""Every code list of the standard, in SPEC order."""
