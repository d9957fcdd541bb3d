"""The demo's teams and case-holding workers, and the pack's caseloads counted from them."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

import indicators
from indicators.demo import generate

CASELOADS = {  # indicator: (table, start, end, team type)
    "caseload_duty_assessment": ("assessments", "started_on", "completed_on", "duty and assessment"),
    "caseload_safeguarding": ("cin_episodes", "started_on", "ended_on", "safeguarding"),
    "caseload_lac": ("care_periods", "started_on", "ended_on", "looked after children"),
}
MONTHS = ("2015-03", "2016-03", "2016-10", "2016-12", "2017-01")


@pytest.fixture(scope="module")
def data():
    return generate(seed=2017)


@pytest.fixture(scope="module")
def results(data):
    return indicators.evaluate(indicators.load_pack("childrens-social-care"), data, "2015-03", "2017-01")


def _children_by_worker(table, start, end, team_type, period):
    """Children held by each worker at the month's end, counted row by row."""
    month_end = (np.datetime64(period, "M") + 1).astype("datetime64[D]") - 1
    held = defaultdict(set)
    for child, worker, kind, began, ended in zip(table["child_id"], table["worker_id"], table["team_type"],
                                                 table[start], table[end]):
        if kind == team_type and worker != "" and began <= month_end and (np.isnat(ended) or ended > month_end):
            held[worker].add(child)
    return [len(children) for children in held.values()]


@pytest.mark.parametrize("period", MONTHS)
@pytest.mark.parametrize("indicator", CASELOADS)
def test_caseloads_equal_the_children_each_worker_holds_counted_from_the_rows(data, results, indicator, period):
    table, start, end, team_type = CASELOADS[indicator]
    counts = _children_by_worker(data[table], start, end, team_type, period)
    mean, largest = results.get(indicator, period), results.get(indicator + "_max", period)
    assert (len(counts), pytest.approx(sum(counts) / len(counts))) == (mean.numerator, mean.value)
    assert (len(counts), max(counts)) == (largest.numerator, largest.value)


def test_every_worker_holding_rows_is_in_the_workers_table_with_the_rows_team(data):
    workers = dict(zip(data["workers"]["worker_id"], zip(data["workers"]["team"], data["workers"]["team_type"])))
    assert len(workers) == data["workers"]["worker_id"].size  # each worker once
    for name in ("assessments", "cin_episodes", "care_periods", "care_leavers"):
        table = data[name]
        assert "" not in set(table["worker_id"]), name
        assert {(w, t) for w, t in zip(table["worker_id"], table["team"])} <= {(w, t) for w, (t, _) in workers.items()}
    for name in ("referrals", "cp_plans"):
        allocated = data[name]["worker_id"] != ""
        assert {(w, t) for w, t in zip(data[name]["worker_id"][allocated], data[name]["team"][allocated])} <= \
            {(w, t) for w, (t, _) in workers.items()}


def test_the_teams_are_those_of_a_council_like_the_reports(data):
    teams = defaultdict(set)
    for team, team_type in zip(data["workers"]["team"], data["workers"]["team_type"]):
        teams[str(team_type)].add(str(team))
    assert {"duty and assessment": {f"Duty {n}" for n in range(1, 6)},
            "safeguarding": {"Locality North", "Locality Central", "Locality South"},
            "looked after children": {f"Looked After Children {n}" for n in range(1, 4)},
            "care leavers": {"Leaving Care"}} == teams


def test_a_protection_plan_is_held_by_the_worker_of_its_childs_episode(data):
    plans, episodes = data["cp_plans"], data["cin_episodes"]
    held = set(zip(episodes["child_id"], episodes["worker_id"], episodes["team"]))
    assert all(row in held for row in zip(plans["child_id"], plans["worker_id"], plans["team"]))


def test_referrals_carry_the_team_of_their_assessment(data):
    first = {}
    for referral, team in zip(data["assessments"]["referral_id"], data["assessments"]["team"]):
        first.setdefault(referral, team)
    referrals = data["referrals"]
    assert [first.get(r, "") for r in referrals["referral_id"]] == list(referrals["team"])


@pytest.mark.parametrize("indicator", CASELOADS)
def test_workers_hold_plausible_caseloads_at_every_scale(indicator):
    """A worker holds about 10 to 25 children, whatever the volume (the DfE average is
    about 17); the largest caseload is never far above the average."""
    for scale in (0.2, 1.0, 2.0):
        table, start, end, team_type = CASELOADS[indicator]
        counts = _children_by_worker(generate(seed=5, scale=scale)[table], start, end, team_type, "2017-01")
        assert 10 <= sum(counts) / len(counts) <= 25 and max(counts) <= 35, (scale, counts)
