"""How the SSDA903 return answers the ``childrens-social-care`` pack: the ``ssda903`` pack
defines the looked-after children indicators it can support (same ids); these are the
reasons for the rest."""

from __future__ import annotations

import indicators


def _not_looked_after(what: str) -> str:
    return f"the SSDA903 return holds children looked after only: no {what}"


UNSUPPORTED = {
    ("contacts", "contacts_decided_1wd", "contacts_to_referral", "contacts_to_referral_rate", "referrals",
     "referrals_to_assessment", "re_referrals", "re_referrals_12m"): _not_looked_after("contacts or referrals"),
    ("assessments_started", "assessments_45wd", "assessments_45wd_ytd"): _not_looked_after("assessments"),
    ("cin_plan_up_to_date", "cin_count", "cin_rate"): _not_looked_after("children in need episodes"),
    ("cp_plan_up_to_date", "cp_count", "cp_rate", "cp_over_2_years", "cp_repeat_24m", "cp_visits_up_to_date",
     "cp_reviews_on_time", "cp_reviews_on_time_ytd"): _not_looked_after("child protection plans"),
    ("s47_started", "s47_rate", "s47_not_substantiated_ytd", "icpcs_ytd", "icpc_15wd", "icpc_15wd_ytd"):
        _not_looked_after("section 47 enquiries or conferences"),
    "lac_plan_up_to_date": "the SSDA903 return holds no dates of care plans",
    ("lac_reviews_on_time", "lac_reviews_on_time_ytd"): "the SSDA903 reviews table holds the day each review was "
                                                        "held, not the day it was due",
    ("lac_visits_national", "lac_visits_local"): "the SSDA903 return holds no social work visits",
    "lac_dental": "the SSDA903 return gives dental checks only as OC2's yearly answer for the children looked after "
                  "for 12 months at 31 March (the ssda903 pack's oc2_teeth_check), not the day of each check",
    "lac_health_assessments": "the SSDA903 return gives health assessments only as OC2's yearly answer for the "
                              "children looked after for 12 months at 31 March (the ssda903 pack's "
                              "oc2_health_check), not the day of each assessment",
    "iha_20wd": "the SSDA903 return holds no initial health assessments",
    ("pep_recorded", "pep_up_to_date"): "the SSDA903 return holds no personal education plans",
    ("care_leavers", "care_leavers_suitable_accommodation", "care_leavers_eet", "care_leavers_eet_18_plus"):
        "the SSDA903 OC3 table describes care leavers once a year, around their birthdays (the ssda903 pack's "
        "oc3_* indicators), not those the council supports at each month end",
    ("caseload_duty_assessment", "caseload_safeguarding", "caseload_lac", "caseload_duty_assessment_max",
     "caseload_safeguarding_max", "caseload_lac_max"):
        "the SSDA903 return holds no teams or caseloads of social workers",
}


def pack_inputs(definitions) -> list[indicators.PackInput]:
    """The ``childrens-social-care`` pack on SSDA903 returns, defined by the ssda903 pack at ``definitions``."""
    return [indicators.PackInput(pack="childrens-social-care", loader="ssda903", definitions=definitions,
                                 unsupported=UNSUPPORTED)]
