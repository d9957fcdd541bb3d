"""The early help pack (plugins/early-help) on small hand-made data."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

import indicators
from indicators._plugins import PluginHost

SRC = Path(__file__).resolve().parent.parent / "plugins" / "early-help" / "src"


@pytest.fixture(scope="module")
def pack():
    sys.path.insert(0, str(SRC))
    try:
        module = importlib.import_module("indicators_early_help")
        host = PluginHost(entry_points=None)
        host.register(module, name="early-help")
        yield indicators.load_pack("early-help", registry=host.registry())
    finally:
        sys.path.remove(str(SRC))
        sys.modules.pop("indicators_early_help", None)


def tables():
    return {
        "eh_contacts": {
            "contact_id": [1, 2, 3, 4], "family_id": [1, 1, 2, 3], "child_id": [1, 2, 3, 4],
            "received_on": ["2017-01-03", "2017-01-04", "2017-01-20", "2016-12-30"],
            "route": ["front door", "front door", "step-down panel", "first response"],
            "recommendation": ["eha by council", "eh to partners", "eha by council", "eha by council"]},
        "eh_assessments": {
            "assessment_id": [1, 2, 3, 4], "family_id": [1, 2, 3, 4], "child_id": [1, 2, 3, 4],
            "started_on": ["2016-12-01", "2016-12-10", "2016-12-20", "2016-11-01"],
            "completed_on": ["2017-01-04", "2017-01-20", None, "2017-01-10"],  # due 5, 14, 24 Jan; 6 Dec
            "completed_by": ["partner", "council", None, "council"]},
        "step_downs": {
            "family_id": [1, 1, 2, 3, 4], "child_id": [1, 2, 3, 4, 5],
            "panel_on": ["2016-02-01", "2016-03-01", "2016-03-01", "2017-01-10", "2016-06-01"],
            "recommended_to": ["early help", "early help", "early help", "partners", "early help"]},
        "participation": {
            "young_person_id": [1, 2, 3, 4, 5],
            "date_of_birth": ["2000-05-01", "2000-10-01", "1999-09-01", "2001-01-01", "2000-01-01"],
            "activity": ["neet", "eet", "not known", "eet", "custody"],
            "from_date": ["2016-09-01"] * 5, "to_date": [None] * 5},
        "exit_surveys": {
            "survey_id": [1, 2, 3], "completed_on": ["2016-04-20", "2016-06-01", "2017-01-05"],
            "overall_experience": ["poor", "excellent", None], "support_when_needed": [True, False, True],
            "service_expected": [True, True, None], "listened_to": [True, True, True],
            "problems_dealt_with": [False, True, True]},
    }


def test_every_indicator_has_title_description_polarity_and_source(pack):
    for indicator in pack.indicators.values():
        assert indicator.title and indicator.description and indicator.source and indicator.group
        assert indicator.polarity in ("higher_is_better", "lower_is_better", "neutral")


def test_january_figures(pack):
    results = indicators.evaluate(pack, tables(), "2017-01", "2017-01")
    value = {r.indicator: (r.numerator, r.denominator) for r in results}
    assert (3, None) == value["eh_contacts"]
    assert (2, None) == value["eh_contacts_eha_council"]
    assert (1, 3) == value["eha_completed_by_partners"]
    assert (1, 3) == value["eha_within_35_days"]  # due in January: 1 on time, 2 late, 3 not done
    assert (3, None) == value["step_down_families"]  # 1, 2 and 4; the 1 Feb 2016 row predates the panel
    assert (3, None) == value["step_down_children"]
    assert (1, None) == value["step_down_partner_families"]
    # academic age 16-17 at 31 Aug 2016, custody excluded: people 1 (16), 2 (15: out), 3 (17), 4 (15: out)
    assert (1, 2) == value["neet"] and (1, 2) == value["not_known"]
    assert (1, None) == value["exit_surveys"] and (2, None) == value["exit_surveys_to_date"]
    assert (1, 1) == value["exit_overall_good"]
    assert (1, 2) == value["exit_support_when_needed"]
