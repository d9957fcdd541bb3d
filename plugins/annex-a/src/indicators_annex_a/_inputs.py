"""How Annex A answers the ``childrens-social-care`` pack: the ``annex-a`` pack defines the
indicators it can support (same ids); these are the reasons for the rest."""

from __future__ import annotations

import indicators


def _latest_only(number: int, what: str, more: str = "") -> str:
    return (f"Annex A list {number} holds only each child's latest {what}{more}, as at the extract, so earlier "
            "months cannot be judged")


UNSUPPORTED = {
    "contacts_decided_1wd": "Annex A holds no contact decisions (list 1 has no decision date)",
    ("contacts_to_referral", "contacts_to_referral_rate"): "Annex A holds no contact outcomes (list 1 has no "
                                                          "outcome)",
    "referrals_to_assessment": "Annex A does not link an assessment to its referral (list 4 has no referral "
                               "identifier)",
    "re_referrals": "Annex A list 3 counts each child's referrals in the 12 months before the latest one, not the "
                    "date of the previous referral (the annex-a pack's referrals_child_referred_before reports "
                    "that count)",
    "re_referrals_12m": "Annex A list 3 counts each child's referrals in the 12 months before the latest one, not "
                        "the date of the previous referral, and holds six months of referrals, not twelve",
    ("assessments_45wd_ytd", "icpcs_ytd", "icpc_15wd_ytd"): "a year-to-date figure needs every month since April, "
                                                           "and Annex A lists 1-8 hold only the six months before "
                                                           "the extract",
    "cin_plan_up_to_date": "Annex A holds no dates of children in need plans",
    "cp_plan_up_to_date": "Annex A holds no dates of child protection plans being recorded or reviewed",
    "lac_plan_up_to_date": "Annex A holds no dates of care plans",
    "s47_rate": "a rolling 12-month rate needs twelve months of section 47 enquiries; Annex A list 5 holds six",
    "s47_not_substantiated_ytd": "Annex A holds no outcome of a section 47 enquiry (list 5)",
    "cp_repeat_24m": "Annex A list 7 counts each child's previous plans but not when they ended",
    "cp_visits_up_to_date": _latest_only(7, "statutory visit"),
    ("cp_reviews_on_time", "cp_reviews_on_time_ytd"): _latest_only(7, "review conference",
                                                                   " (and not when it was due)"),
    ("lac_reviews_on_time", "lac_reviews_on_time_ytd"): _latest_only(8, "statutory review",
                                                                     " (and not when it was due)"),
    ("lac_visits_national", "lac_visits_local"): _latest_only(8, "social work visit"),
    "lac_3_placements": "Annex A list 8 counts placements in the 12 months before the extract only, which cannot "
                        "be placed in earlier months (the ssda903 input gives it)",
    "lac_long_term_stability": _latest_only(8, "placement start") + " (the ssda903 input gives it)",
    "lac_dental": _latest_only(8, "dental check"),
    "lac_health_assessments": _latest_only(8, "health assessment"),
    "iha_20wd": "Annex A holds no initial health assessments, only each child's latest health assessment",
    ("pep_recorded", "pep_up_to_date"): "Annex A holds no personal education plans",
    ("care_leavers", "care_leavers_suitable_accommodation", "care_leavers_eet", "care_leavers_eet_18_plus"):
        "Annex A list 9 (care leavers) holds no dates: it describes the day of the extract only, not each month end",
    ("caseload_duty_assessment", "caseload_safeguarding", "caseload_lac", "caseload_duty_assessment_max",
     "caseload_safeguarding_max", "caseload_lac_max"):
        "Annex A names each child's allocated worker as at the extract only, not the cases each worker held at "
        "each month end",
}


def pack_inputs(definitions) -> list[indicators.PackInput]:
    """The ``childrens-social-care`` pack on Annex A, defined by the annex-a pack at ``definitions``."""
    return [indicators.PackInput(pack="childrens-social-care", loader="annex-a", definitions=definitions,
                                 unsupported=UNSUPPORTED)]
