"""The Ofsted Annex A lists: each list's headers, the table and column names they become,
their types and the codes their cells may hold.

Headers and codes follow the Ofsted template (August 2019) and the variants councils'
extracts are known to use (shared/DOMAIN.md section 2.1, shared/FORMATS.md section 1).
"""

from __future__ import annotations

import re
import unicodedata

import attrs


@attrs.frozen
class Vocabulary:
    """A code list: each canonical value with the forms a cell may take.

    ``letters`` maps Ofsted's lettered prefix ("a)") to a value; ``words`` maps the
    normalised text of a cell (its label, a bare code, a synonym) to a value; ``codes``
    are bare codes read from the start of a cell ("q) 6: Police" gives "6").
    """

    name: str
    values: tuple[str, ...]
    letters: dict[str, str] = attrs.field(factory=dict)
    words: dict[str, str] = attrs.field(factory=dict)
    codes: bool = False
    # "Male (assumed)" reads by its first word; a yes/no answer does not ("No further
    # action" answers "Referral NFA?" yes, "No (Unknown)" is unknown): it must be whole
    first_word: bool = True


@attrs.frozen
class AnnexColumn:
    header: str  # as the Ofsted template writes it
    name: str  # the snake_case column name of the table
    type: str  # str, date or int
    vocabulary: Vocabulary | None = None
    variants: tuple[str, ...] = ()  # other headers known for it
    required: bool = True


@attrs.frozen
class AnnexList:
    number: int
    table: str
    title: str
    columns: tuple[AnnexColumn, ...]
    scope: str


def normalise_header(text: str) -> str:
    """A header as compared: case, spacing, quotes and punctuation ignored."""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"[^0-9a-z]+", " ", text)
    return " ".join(text.split())


def normalise_word(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z/]+", " ", unicodedata.normalize("NFKC", text).casefold()).split())


def _vocab(name: str, lettered: list[tuple[str, str, tuple[str, ...]]], codes: bool = False,
           extra_values: tuple[str, ...] = ()) -> Vocabulary:
    """A vocabulary from (letter, value, synonyms); the value and synonyms match as words."""
    letters, words, values = {}, {}, []
    for letter, value, synonyms in lettered:
        if letter:
            letters[letter] = value
        values.append(value)
        for word in (value, *synonyms):
            words[normalise_word(word)] = value
    for value in extra_values:
        values.append(value)
        words[normalise_word(value)] = value
    return Vocabulary(name, tuple(values), letters, words, codes)


def _codes(name: str, codes: str | list[str]) -> Vocabulary:
    values = codes.split() if isinstance(codes, str) else codes
    return Vocabulary(name, tuple(values), {}, {normalise_word(v): v for v in values}, True)


YES_NO = attrs.evolve(_vocab("yes/no", [("a", "yes", ("y", "true", "1")), ("b", "no", ("n", "false", "0")),
                               ("c", "unknown", ("u", "not known", "unknown/not recorded"))]), first_word=False)
GENDER = _vocab("gender", [("a", "male", ("m", "1", "1 male", "boy")),
                           ("b", "female", ("f", "2", "2 female", "girl")),
                           ("c", "not stated", ("not stated/recorded", "not recorded", "not known", "unknown",
                                                "unborn", "0", "9", "u", "not stated/recorded or unborn")),
                           ("d", "neither", ("indeterminate", "non binary", "other"))])
ETHNICITY = _codes("ethnicity", "WBRI WIRI WIRT WOTH WROM MWBC MWBA MWAS MOTH AIND APKN ABAN AOTH "
                                "BCRB BAFR BOTH CHNE OOTH REFU NOBT")
SOURCE = _codes("contact or referral source",
                "1A 1B 1C 1D 2A 2B 3A 3B 3C 3D 3E 3F 4 5A 5B 5C 5D 6 7 8 9 10")
PRIMARY_NEED = _codes("primary need", "N0 N1 N2 N3 N4 N5 N6 N7 N8 N9")
CLOSURE = _codes("reason for closure", "RC1 RC2 RC3 RC4 RC5 RC6 RC7 RC8")
ABUSE = _vocab("category of abuse", [("a", "neglect", ("neg",)), ("b", "physical", ("phy", "physical abuse")),
                                     ("c", "sexual", ("sab", "sexual abuse")),
                                     ("d", "emotional", ("emo", "emotional abuse")),
                                     ("e", "multiple", ("mul", "multiple/not recommended"))])
LEGAL_STATUS = _codes("legal status", "C1 C2 D1 E1 V2 V3 V4 L1 L2 L3 J1 J2 J3")
CATEGORY_OF_NEED = _codes("category of need", "N1 N2 N3 N4 N5 N6 N7 N8")
PERMANENCE = _vocab("permanence plan", [
    ("a", "return to family", ()), ("b", "adoption", ()), ("c", "sgo or cao", ("sgo/cao", "special guardianship")),
    ("d", "supported living", ()), ("e", "long-term residential", ()), ("f", "long-term fostering", ()),
    ("g", "other", ())])
PLACEMENT_TYPE = _codes("placement type", "A3 A4 A5 A6 H5 K1 K2 K3 P1 P2 P3 R1 R2 R3 R5 S1 T0 T1 T2 T3 T4 "
                                          "U1 U2 U3 U4 U5 U6 Z1 Z11 Z12 Z13 Z14")
PROVIDER = _codes("placement provider", "PR0 PR1 PR2 PR3 PR4 PR5")
REASON_CEASED = _codes("reason ceased", "X1 E11 E12 E2 E3 E4A E4B E13 E41 E43 E44 E45 E46 E47 E48 E5 E6 E7 "
                                        "E8 E9 E14 E15 E16 E17")
LOCATION = _vocab("placement location", [("a", "in", ("in area", "inside", "in la")),
                                         ("b", "out", ("out of area", "outside", "out la"))])
ELIGIBILITY = _vocab("eligibility", [("a", "relevant", ()), ("b", "former relevant", ("former",)),
                                     ("c", "qualifying", ())])
IN_TOUCH = _vocab("in touch", [("a", "YES", ("yes", "y")), ("b", "NO", ("no", "n")), ("c", "DIED", ("died",)),
                               ("d", "REFU", ("refused", "refu")), ("e", "NREQ", ("nreq", "not required")),
                               ("f", "RHOM", ("rhom", "returned home"))])
SUITABILITY = _vocab("suitability", [("a", "suitable", ("1",)), ("b", "unsuitable", ("2", "not suitable"))])
ACTIVITY = _codes("activity", "F1 P1 F2 P2 F3 P3 F4 P4 F5 P5 G4 G5 G6")
NO_LONGER = _codes("reason no longer placed", "RD1 RD2 RD3 RD4")

# Column groups shared by lists
_ID = AnnexColumn("Child Unique ID", "child_id", "str",
                  variants=("Child ID", "Child Identifier", "ID", "Unique ID", "LA Child ID", "LAchildID",
                            "Child Unique Identifier", "Person ID"))
_COMMON = (
    _ID,
    AnnexColumn("Gender", "gender", "str", GENDER, ("Sex",)),
    AnnexColumn("Ethnicity", "ethnicity", "str", ETHNICITY),
    AnnexColumn("Date of Birth", "date_of_birth", "date", variants=("DOB", "Birth Date")),
    AnnexColumn("Age of Child (Years)", "age", "int", variants=("Age", "Age of Child", "Age (Years)")),
)
_DISABILITY = AnnexColumn("Does the Child have a Disability", "disability", "str", YES_NO, ("Disability",))
_TEAM = (AnnexColumn("Allocated Team", "allocated_team", "str"),
         AnnexColumn("Allocated Worker", "allocated_worker", "str"))

LISTS: dict[int, AnnexList] = {}


def _list(number: int, table: str, title: str, columns: tuple[AnnexColumn, ...], scope: str) -> None:
    LISTS[number] = AnnexList(number, table, title, columns, scope)


_list(1, "annex_a_contacts", "Contacts", _COMMON + (
    AnnexColumn("Date of Contact", "contact_on", "date", variants=("Contact Date",)),
    AnnexColumn("Contact Source", "source", "str", SOURCE, ("Source of Contact",)),
), "contacts in the six months before the extract, one row per contact")
_list(2, "annex_a_early_help", "Early Help", _COMMON + (
    AnnexColumn("Assessment start date", "started_on", "date"),
    AnnexColumn("Assessment completion date", "completed_on", "date"),
    AnnexColumn("Organisation completing assessment", "organisation", "str"),
), "early help assessments in the last six months and current interventions")
_list(3, "annex_a_referrals", "Referrals", _COMMON + (
    AnnexColumn("Date of referral", "referred_on", "date", variants=("Referral Date",)),
    AnnexColumn("Referral Source", "source", "str", SOURCE, ("Source of Referral",)),
    AnnexColumn("Referral NFA?", "nfa", "str", YES_NO, ("Referral NFA", "NFA")),
    AnnexColumn("Number of Referrals in Last 12 Months", "referrals_last_12_months", "int"),
) + _TEAM, "referrals in the last six months, one row per referral")
_list(4, "annex_a_assessments", "Assessments", _COMMON + (_DISABILITY,) + (
    AnnexColumn("Continuous Assessment Start Date", "started_on", "date", variants=("Assessment Start Date",)),
    AnnexColumn("Child Seen During Continuous Assessment", "child_seen", "str", YES_NO),
    AnnexColumn("Continuous Assessment Date of Authorisation", "authorised_on", "date",
                variants=("Assessment Date of Authorisation", "Assessment Authorisation Date")),
    AnnexColumn("Was the child assessed as requiring LA children's social care support?", "needs_support", "str",
                YES_NO),
) + _TEAM, "assessments in the last six months, open ones included, one row per assessment")
_list(5, "annex_a_section_47", "Section 47 enquiries and initial child protection conferences", _COMMON + (
    _DISABILITY,
    AnnexColumn("Strategy discussion initiating Section 47 Enquiry Start Date", "started_on", "date",
                variants=("Section 47 Enquiry Start Date", "S47 Start Date")),
    AnnexColumn("Was an Initial Child Protection Conference deemed unnecessary?", "icpc_unnecessary", "str", YES_NO),
    AnnexColumn("Date of Initial Child Protection Conference", "icpc_on", "date", variants=("ICPC Date",)),
    AnnexColumn("Did the Initial Child Protection Conference Result in a Child Protection Plan", "icpc_plan",
                "str", YES_NO),
    AnnexColumn("Number of Section 47 Enquiries in the last 12 months", "s47_last_12_months", "int"),
    AnnexColumn("Number of ICPCs in the last 12 months", "icpcs_last_12_months", "int"),
) + _TEAM, "section 47 enquiries in the last six months, one row per enquiry")
_list(6, "annex_a_children_in_need", "Children in need", _COMMON + (
    _DISABILITY,
    AnnexColumn("CIN Start Date", "started_on", "date"),
    AnnexColumn("Primary Need Code", "primary_need", "str", PRIMARY_NEED, ("Primary Need",)),
    AnnexColumn("Date Child Was Last Seen", "last_seen_on", "date"),
    AnnexColumn("CIN Closure Date", "closed_on", "date"),
    AnnexColumn("Reason for Closure", "closure_reason", "str", CLOSURE),
    AnnexColumn("Case Status", "case_status", "str"),
) + _TEAM, "children in need at the extract or within six months before it, one row per child")
_list(7, "annex_a_child_protection", "Child protection", _COMMON + (
    _DISABILITY,
    AnnexColumn("Child Protection Plan Start Date", "started_on", "date", variants=("CP Plan Start Date",)),
    AnnexColumn("Initial Category of Abuse", "initial_category", "str", ABUSE),
    AnnexColumn("Latest Category of Abuse", "latest_category", "str", ABUSE),
    AnnexColumn("Date of the Last Statutory Visit", "last_visit_on", "date"),
    AnnexColumn("Was the Child Seen Alone?", "seen_alone", "str", YES_NO),
    AnnexColumn("Date of latest review conference", "last_review_on", "date"),
    AnnexColumn("Child Protection Plan End Date", "ended_on", "date", variants=("CP Plan End Date",)),
    AnnexColumn("Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)",
                "epo_or_police_protection", "str", YES_NO),
    AnnexColumn("Number of Previous Child Protection Plans", "previous_plans", "int"),
) + _TEAM, "children on a plan at the extract and plans ended in the six months before, one row per child")
_list(8, "annex_a_children_in_care", "Children in care", _COMMON + (
    AnnexColumn("Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)", "uasc", "str", YES_NO,
                ("UASC",)),
    _DISABILITY,
    AnnexColumn("Date Started to be Looked After", "started_on", "date"),
    AnnexColumn("Child's Category of Need", "category_of_need", "str", CATEGORY_OF_NEED, ("Category of Need",)),
    AnnexColumn("Is this a second or subsequent period of being a Looked After Child within the last 12 months (Y/N)",
                "subsequent_period", "str", YES_NO),
    AnnexColumn("Start date of current legal status", "legal_status_started_on", "date"),
    AnnexColumn("Child's Legal Status", "legal_status", "str", LEGAL_STATUS, ("Legal Status",)),
    AnnexColumn("Date of Latest Statutory Review", "last_review_on", "date"),
    AnnexColumn("Date of Last Social Work Visit", "last_visit_on", "date"),
    AnnexColumn("What is the permanence plan for this child?", "permanence_plan", "str", PERMANENCE,
                ("Permanence Plan",)),
    AnnexColumn("Date of Last IRO Visit / Contact to the Child", "last_iro_contact_on", "date"),
    AnnexColumn("Date of Last Health Assessment", "last_health_assessment_on", "date"),
    AnnexColumn("Date of Last Dental Check", "last_dental_check_on", "date"),
    AnnexColumn("Number of Placements in the Last 12 months", "placements_last_12_months", "int"),
    AnnexColumn("Date Ceased to be Looked After", "ceased_on", "date"),
    AnnexColumn("Reason Ceased to be Looked After", "reason_ceased", "str", REASON_CEASED),
    AnnexColumn("Start Date of Most Recent Placement", "placement_started_on", "date"),
    AnnexColumn("Placement Type", "placement_type", "str", PLACEMENT_TYPE),
    AnnexColumn("Placement Provider", "placement_provider", "str", PROVIDER),
    AnnexColumn("Placement postcode", "placement_postcode", "str"),
    AnnexColumn("URN of Placement", "placement_urn", "str"),
    AnnexColumn("Placement Location", "placement_location", "str", LOCATION),
    AnnexColumn("LA of Placement", "placement_la", "str"),
    AnnexColumn("Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months",
                "missing_episodes_last_12_months", "int"),
    AnnexColumn("Number of Episodes the Child has been 'Absent' from their Placement in the last 12 months",
                "absent_episodes_last_12_months", "int"),
    AnnexColumn("Was the child offered a Return Interview after their last missing episode (Y/N)?",
                "return_interview_offered", "str", YES_NO),
    AnnexColumn("Did the child accept a Return Interview after their last missing episode (Y/N)?",
                "return_interview_accepted", "str", YES_NO),
) + _TEAM, "children in care at the extract and those who ceased in the six months before, one row per child")
_list(9, "annex_a_care_leavers", "Care leavers", _COMMON + (
    AnnexColumn("Unaccompanied Asylum Seeking Child (UASC), or formerly UASC if 18 or over (Y/N)", "uasc", "str",
                YES_NO, required=False),
    _DISABILITY,
) + _TEAM + (
    AnnexColumn("Allocated Personal Advisor", "personal_advisor", "str", required=False),
    AnnexColumn("Eligibility Category", "eligibility", "str", ELIGIBILITY),
    AnnexColumn("Latest Pathway Plan Review Date", "last_pathway_review_on", "date", required=False),
    AnnexColumn("LA in Touch", "in_touch", "str", IN_TOUCH),
    AnnexColumn("Latest Date of Contact", "last_contact_on", "date", required=False),
    AnnexColumn("Type of Accommodation", "accommodation", "str"),
    AnnexColumn("Suitability of Accommodation", "accommodation_suitability", "str", SUITABILITY),
    AnnexColumn("Activity Status", "activity", "str", ACTIVITY),
), "care leavers the council supports at the extract, one row per young person")
_list(10, "annex_a_adoption", "Adoption", (_ID, AnnexColumn("Family identifier", "family_id", "str")) + _COMMON[1:] + (
    _DISABILITY,
    AnnexColumn("Date the Child Entered Care", "entered_care_on", "date"),
    AnnexColumn("Date of Decision that Child Should be Placed for Adoption", "should_be_placed_on", "date"),
    AnnexColumn("Date of Placement Order", "placement_order_on", "date"),
    AnnexColumn("Date of Matching Child and Prospective Adopters", "matched_on", "date"),
    AnnexColumn("Date Placed for Adoption", "placed_on", "date"),
    AnnexColumn("Date of Adoption Order", "adoption_order_on", "date"),
    AnnexColumn("Date of Decision that Child Should No Longer be Placed for Adoption", "no_longer_placed_on",
                "date"),
    AnnexColumn("Reason Why Child No Longer Placed for Adoption", "no_longer_placed_reason", "str", NO_LONGER),
    AnnexColumn("Date the child was placed for fostering in FFA or concurrent planning placement", "ffa_placed_on",
                "date"),
), "children with an adoption decision in the twelve months before the extract, one row per child")
_list(11, "annex_a_adopters", "Adopters", (
    AnnexColumn("Individual adopter identifier", "adopter_id", "str", variants=("Adopter ID",)),
    AnnexColumn("Family identifier", "family_id", "str"),
    AnnexColumn("Gender", "gender", "str", GENDER, ("Sex",)),
    AnnexColumn("Ethnicity", "ethnicity", "str", ETHNICITY),
    AnnexColumn("Disability", "disability", "str", YES_NO),
    AnnexColumn("Is the (prospective) adopter fostering for adoption?", "fostering_for_adoption", "str", YES_NO),
    AnnexColumn("Date enquiry received", "enquiry_on", "date"),
    AnnexColumn("Date Stage 1 started", "stage_1_started_on", "date"),
    AnnexColumn("Date Stage 1 ended", "stage_1_ended_on", "date"),
    AnnexColumn("Date Stage 2 started", "stage_2_started_on", "date"),
    AnnexColumn("Date Stage 2 ended", "stage_2_ended_on", "date"),
    AnnexColumn("Date application submitted", "application_submitted_on", "date"),
    AnnexColumn("Date application approved", "application_approved_on", "date"),
    AnnexColumn("Date adopter matched with child(ren)", "matched_on", "date"),
    AnnexColumn("Date child/children placed with adopter(s)", "placed_on", "date"),
    AnnexColumn("No. of children placed", "children_placed", "int", variants=("Number of children placed",)),
    AnnexColumn("Date of Adoption Order", "adoption_order_on", "date"),
    AnnexColumn("Date of leaving adoption process", "left_process_on", "date"),
    AnnexColumn("Reason for leaving adoption process", "left_process_reason", "str"),
), "adopters in the twelve months before the extract, one row per adopter")

# Sheets of the Ofsted template that hold no list
TEMPLATE_SHEETS = frozenset(normalise_header(s) for s in (
    "Front_Sheet", "Front Sheet", "FAQ_and_changes", "FAQ", "Guidance", "Codes_used", "Codes used", "Codes",
    "Contents", "Notes", "Instructions"))

_LIST_NAME = re.compile(r"^list\s*(\d{1,2})(?:\D|$)")


def list_of_name(name: str) -> int | None:
    """The list a sheet or file names ("List 1", "List_1 Contacts", "list-8.csv"), if any."""
    match = _LIST_NAME.match(normalise_header(name))
    if match and int(match.group(1)) in LISTS:
        return int(match.group(1))
    return None


def headers_of(annex: AnnexList) -> dict[str, AnnexColumn]:
    """Normalised header (and each variant's) to column."""
    out = {}
    for column in annex.columns:
        for text in (column.header, *column.variants):
            out[normalise_header(text)] = column
    return out


# Patterns for headers that councils word freely, on normalised text (after liia-tools' header rules)
PATTERNS: dict[str, tuple[re.Pattern, ...]] = {
    "child_id": (re.compile(r"^(la )?child\b.*\b(id|identifier)$"),),
    "date_of_birth": (re.compile(r"^date of birth\b"),),
    "contact_on": (re.compile(r"^date of contact\b"),),
    "referred_on": (re.compile(r"^date of referral\b"),),
    "needs_support": (re.compile(r"^was the child assessed\b.*\bsocial care support\b"),),
    "epo_or_police_protection": (re.compile(r"^subject to emergency protection order\b"),),
    "uasc": (re.compile(r"^unaccompanied asylum seeking child\b"),),
    "subsequent_period": (re.compile(r"\bsecond or subsequent\b.*\blooked after child\b"),),
    "missing_episodes_last_12_months": (re.compile(r"^number of episodes the child has been missing\b"),),
    "absent_episodes_last_12_months": (re.compile(r"^number of episodes the child has been absent\b"),),
}
