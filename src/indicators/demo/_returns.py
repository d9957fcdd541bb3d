"""SYNTHETIC Annex A lists and SSDA903 returns, made from the demo's imaginary council.

The demo's case-level tables (``_demo.generate``) are cut as a council's systems would
cut them: Annex A as at 31 March 2017 (lists 1-8 cover the six months before, list 10
the twelve), and the SSDA903 return for each year ending 31 March 2015, 2016 and 2017.
Codes are written the ways councils write them, lettered ("a) Male") and bare ("M"),
so that the loaders' reading of both is exercised. Nothing here is real.
"""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

import numpy as np

from .._dates import NAT
from ._cases import LAST_DAY, SYNTHETIC_NOTE, generate

EXTRACT_DAY = LAST_DAY  # 31 March 2017
WINDOW_START = int(np.datetime64("2016-10-01", "D").astype(np.int64))
YEAR_BEFORE = int(np.datetime64("2016-04-01", "D").astype(np.int64))
RETURN_YEARS = (2015, 2016, 2017)  # years ending 31 March

ANNEX_A_HEADERS = {
    1: ("List 1: Contacts", ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
                            "Date of Contact", "Contact Source"]),
    2: ("List 2: Early Help", ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
                              "Assessment start date", "Assessment completion date",
                              "Organisation completing assessment"]),
    3: ("List 3: Referral", ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
                            "Date of referral", "Referral Source", "Referral NFA?",
                            "Number of Referrals in Last 12 Months", "Allocated Team", "Allocated Worker"]),
    4: ("List 4: Assessments", ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
                               "Does the Child have a Disability", "Continuous Assessment Start Date",
                               "Child Seen During Continuous Assessment", "Continuous Assessment Date of Authorisation",
                               "Was the child assessed as requiring LA children\u2019s social care support",
                               "Allocated Team", "Allocated Worker"]),
    5: ("List 5: Section 47 enquiries and Initial Child Protection Conferences",
        ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
         "Does the Child have a Disability", "Strategy discussion initiating Section 47 Enquiry Start Date",
         "Was an Initial Child Protection Conference deemed unnecessary?",
         "Date of Initial Child Protection Conference",
         "Did the Initial Child Protection Conference Result in a Child Protection Plan",
         "Number of Section 47 Enquiries in the last 12 months", "Number of ICPCs in the last 12 months",
         "Allocated Team", "Allocated Worker"]),
    6: ("List 6: Children in Need", ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth",
                                    "Age of Child (Years)", "Does the Child have a Disability", "CIN Start Date",
                                    "Primary Need Code", "Date Child Was Last Seen", "CIN Closure Date",
                                    "Reason for Closure", "Case status", "Allocated Team", "Allocated Worker"]),
    7: ("List 7: Child protection", ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth",
                                    "Age of Child (Years)", "Does the Child have a Disability",
                                    "Child Protection Plan Start Date", "Initial Category of Abuse",
                                    "Latest Category of Abuse", "Date of the Last Statutory Visit",
                                    "Was the Child Seen Alone?", "Date of latest review conference",
                                    "Child Protection Plan End Date",
                                    "Subject to Emergency Protection Order or Protected Under Police Powers in Last "
                                    "Six Months (Y/N)", "Number of Previous Child Protection Plans",
                                    "Allocated Team", "Allocated Worker"]),
    8: ("List 8: Children in care", [
        "Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
        "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)", "Does the Child have a Disability",
        "Date Started to be Looked After", "Child's Category of Need",
        "Is this a second or subsequent period of being a Looked After Child within the last 12 months (Y/N)",
        "Start date of current legal status", "Child's Legal Status", "Date of Latest Statutory Review",
        "Date of Last Social Work Visit", "What is the permanence plan for this child?",
        "Date of Last IRO Visit / Contact to the Child", "Date of Last Health Assessment", "Date of Last Dental Check",
        "Number of Placements in the Last 12 months", "Date Ceased to be Looked After ",
        "Reason Ceased to be Looked After", "Start Date of Most Recent Placement", "Placement Type",
        "Placement Provider", "Placement postcode", "URN of Placement", "Placement Location", "LA of Placement",
        "Number of Episodes the Child has been \u2018Missing\u2019 from their Placement in the last 12 months",
        "Number of Episodes the Child has been \u2018Absent\u2019 from their Placement in the last 12 months",
        "Was the child offered a Return Interview after their last missing episode (Y/N)?",
        "Did the child accept a Return Interview after their last missing episode (Y/N)?",
        "Allocated Team", "Allocated Worker"]),
    9: ("List 9: Care leavers", ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
                                "Does the Child have a Disability", "Allocated Team", "Allocated Worker",
                                "Eligibility Category", "LA In Touch ", "Type of Accommodation",
                                "Suitability of Accommodation", "Activity Status"]),
    10: ("List 10: Adoption", ["Child Unique ID", "Family identifier", "Gender", "Ethnicity", "Date of Birth",
                              "Age of Child (Years)", "Does the Child have a Disability", "Date the Child Entered Care",
                              "Date of Decision that Child Should be Placed for Adoption", "Date of Placement Order",
                              "Date of Matching Child and Prospective Adopters", "Date Placed for Adoption",
                              "Date of Adoption Order ",
                              "Date of Decision that Child Should No Longer be Placed for Adoption",
                              "Reason Why Child No Longer Placed for Adoption",
                              "Date the child was placed for fostering in FFA or concurrent planning placement"]),
}

SSDA903_HEADERS = {
    "header": "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB",
    "episodes": "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN",
    "reviews": "CHILD,DOB,REVIEW,REVIEW_CODE",
    "oc2": "CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,HEALTH_ASSESSMENT,"
           "SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED",
    "oc3": "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM",
    "missing": "CHILD,DOB,MISSING,MIS_START,MIS_END",
}


def _date(day: int) -> datetime.date | None:
    return None if day == NAT else datetime.date.fromordinal(719163 + int(day))


def _uk(day: int) -> str:
    return "" if day == NAT else _date(day).strftime("%d/%m/%Y")


class _People:
    """Gender, ethnicity and date of birth of every child id, the same in every list."""

    def __init__(self, rng: np.random.Generator, n: int, dob: dict[int, int]) -> None:
        self.rng = rng
        genders = ["a) Male", "b) Female", "Male", "Female", "M", "F", "c) Not stated/recorded"]
        self.gender = rng.choice(np.array(genders), n + 1, p=[0.3, 0.3, 0.14, 0.14, 0.05, 0.05, 0.02])
        self.ethnicity = rng.choice(np.array(["a) WBRI", "WBRI", "WBRI - White British", "g) MWBC", "j) APKN",
                                              "AOTH", "s) REFU"]), n + 1, p=[0.45, 0.2, 0.1, 0.08, 0.1, 0.05, 0.02])
        self.dob = EXTRACT_DAY - rng.integers(365, 17 * 365, n + 1)
        for child, day in dob.items():
            self.dob[child] = day

    def common(self, child: int) -> list:
        dob = int(self.dob[child])
        birth, extract = _date(dob), _date(EXTRACT_DAY)
        age = extract.year - birth.year - ((extract.month, extract.day) < (birth.month, birth.day))
        return [str(child), str(self.gender[child]), str(self.ethnicity[child]), birth, age]


def _pick(rng: np.random.Generator, choices: list[str], n: int, p=None) -> np.ndarray:
    return rng.choice(np.array(choices), n, p=p)


def annex_a_lists(seed: int = 2017, scale: float = 1.0, tables: dict | None = None
                  ) -> dict[int, tuple[str, list[str], list[list]]]:
    """Annex A lists 1-10 as at 31 March 2017: list number to (title, headers, rows)."""
    tables = tables if tables is not None else generate(seed=seed, scale=scale)
    t = {name: {c: (v.astype(np.int64) if v.dtype.kind == "M" else v) for c, v in cols.items()}
         for name, cols in tables.items()}
    rng = np.random.default_rng(seed + 1)
    dob = dict(zip(t["care_periods"]["child_id"].tolist(), t["care_periods"]["date_of_birth"].tolist()))
    dob.update(zip(t["care_leavers"]["child_id"].tolist(), t["care_leavers"]["date_of_birth"].tolist()))
    biggest = max(int(cols[c].max()) for cols in t.values() for c in ("child_id",) if c in cols and cols[c].size)
    people = _People(rng, biggest, dob)
    teams = ["Duty and Assessment", "Safeguarding 1", "Safeguarding 2", "Looked After Children"]
    workers = [f"Worker {i}" for i in range(1, 41)]
    lists: dict[int, list[list]] = {}

    def in_window(days: np.ndarray, first: int = WINDOW_START) -> np.ndarray:
        return (days != NAT) & (days >= first) & (days <= EXTRACT_DAY)

    def open_at_or_ended_since(start: np.ndarray, end: np.ndarray) -> np.ndarray:
        return (start != NAT) & (start <= EXTRACT_DAY) & ((end == NAT) | (end >= WINDOW_START))

    def latest_per_child(rows: np.ndarray, child: np.ndarray, start: np.ndarray) -> np.ndarray:
        order = rows[np.lexsort((start[rows], child[rows]))]
        if order.size == 0:
            return order
        last = np.append(child[order][1:] != child[order][:-1], True)
        return order[last]

    c = t["contacts"]
    rows = np.flatnonzero(in_window(c["received_on"]))
    source = _pick(rng, ["q) 6: Police", "6", "e) 2A: Schools", "2A", "g) 3A: GP", "a) 1A: Individual", "s) 8: Other",
                         "n) 5A: LA services"], rows.size)
    lists[1] = [people.common(int(c["child_id"][r])) + [_date(c["received_on"][r]), str(s)]
                for r, s in zip(rows, source)]

    e = t["eh_assessments"]
    rows = np.flatnonzero(open_at_or_ended_since(e["started_on"], e["completed_on"]))
    lists[2] = [people.common(int(e["child_id"][r])) + [
        _date(e["started_on"][r]), _date(e["completed_on"][r]),
        "Council early help" if e["completed_by"][r] == "council" else "Partner agency"] for r in rows]

    f = t["referrals"]
    rows = np.flatnonzero(in_window(f["referred_on"]))
    nfa = _pick(rng, ["a) Yes", "b) No", "No", "Yes"], rows.size, p=[0.06, 0.64, 0.26, 0.04])
    by_child: dict[int, list[int]] = {}
    for child, day in zip(f["child_id"].tolist(), f["referred_on"].tolist()):
        by_child.setdefault(child, []).append(day)
    lists[3] = []
    for r, flag in zip(rows, nfa):
        child = int(f["child_id"][r])
        days = [d for d in by_child[child] if d <= EXTRACT_DAY]
        latest = max(days)
        before = sum(1 for d in days if latest - 365 <= d < latest)
        lists[3].append(people.common(child) + [_date(f["referred_on"][r]), "q) 6: Police", str(flag), before,
                                                rng.choice(teams[:1]), rng.choice(workers)])

    a = t["assessments"]
    rows = np.flatnonzero(open_at_or_ended_since(a["started_on"], a["completed_on"])
                          & ((a["completed_on"] == NAT) | (a["completed_on"] >= WINDOW_START)))
    seen = _pick(rng, ["a) Yes", "Yes", "b) No"], rows.size, p=[0.6, 0.35, 0.05])
    support = _pick(rng, ["a) Yes", "b) No"], rows.size, p=[0.55, 0.45])
    lists[4] = [people.common(int(a["child_id"][r])) + [
        "b) No", _date(a["started_on"][r]), str(s),
        _date(a["completed_on"][r]) if a["completed_on"][r] <= EXTRACT_DAY else None,
        str(n) if a["completed_on"][r] != NAT else "", "Duty and Assessment", rng.choice(workers)]
        for r, s, n in zip(rows, seen, support)]

    s47 = t["s47_enquiries"]
    rows = np.flatnonzero(in_window(s47["started_on"]))
    lists[5] = []
    for r in rows:
        icpc = s47["icpc_on"][r]
        lists[5].append(people.common(int(s47["child_id"][r])) + [
            "b) No", _date(s47["started_on"][r]), "b) No" if icpc != NAT else "a) Yes", _date(icpc),
            ("a) Yes" if rng.random() < 0.8 else "b) No") if icpc != NAT else "", 0, 1 if icpc != NAT else 0,
            "Safeguarding 1", rng.choice(workers)])

    cin = t["cin_episodes"]
    rows = latest_per_child(np.flatnonzero(open_at_or_ended_since(cin["started_on"], cin["ended_on"])),
                            cin["child_id"], cin["started_on"])
    need = _pick(rng, ["N1 - Abuse or neglect", "N1", "N2 - Child's disability", "N3", "N4 - Family in acute stress",
                       "N5 - Family dysfunction"], rows.size)
    lists[6] = [people.common(int(cin["child_id"][r])) + [
        "b) No", _date(cin["started_on"][r]), str(nd), None, _date(cin["ended_on"][r]),
        "RC8 - Case closed after assessment, no further action" if cin["ended_on"][r] != NAT else "",
        "Closed" if cin["ended_on"][r] != NAT else "Open", rng.choice(teams[1:3]), rng.choice(workers)]
        for r, nd in zip(rows, need)]

    cp = t["cp_plans"]
    rows = latest_per_child(np.flatnonzero(open_at_or_ended_since(cp["started_on"], cp["ended_on"])),
                            cp["child_id"], cp["started_on"])
    category = {"neglect": "a) Neglect", "physical abuse": "b) Physical abuse", "sexual abuse": "c) Sexual abuse",
                "emotional abuse": "d) Emotional abuse", "multiple": "e) Multiple/not recommended"}
    visits = t["cp_visits"]
    lists[7] = []
    for r in rows:
        child = int(cp["child_id"][r])
        earlier = int(((cp["child_id"] == child) & (cp["started_on"] < cp["started_on"][r])).sum())
        mine = visits["visited_on"][(visits["child_id"] == child) & (visits["visited_on"] <= EXTRACT_DAY)]
        lists[7].append(people.common(child) + [
            "b) No", _date(cp["started_on"][r]), category.get(str(cp["category"][r]), str(cp["category"][r])),
            category.get(str(cp["category"][r]), str(cp["category"][r])), _date(int(mine.max()) if mine.size else NAT),
            "a) Yes", None, _date(cp["ended_on"][r]), "b) No", earlier, rng.choice(teams[1:3]), rng.choice(workers)])

    lists[8] = _children_in_care(t, people, rng, teams, workers, open_at_or_ended_since, latest_per_child)

    cl = t["care_leavers"]
    rows = np.flatnonzero((cl["from_date"] <= EXTRACT_DAY) & ((cl["to_date"] == NAT) | (cl["to_date"] > EXTRACT_DAY)))
    activity = {"education": "F1) Full time in higher education", "training": "F3", "employment": "P3",
                "neet": "G6", "not known": "G5"}
    lists[9] = [people.common(int(cl["child_id"][r])) + [
        "b) No", "Leaving Care", rng.choice(workers), "b) Former relevant", "a) Yes", "D1",
        "a) Suitable" if cl["accommodation_suitable"][r] else "b) Unsuitable", activity[str(cl["activity"][r])]]
        for r in rows]

    ad = t["adoptions"]
    rows = np.flatnonzero(in_window(ad["adopted_on"], YEAR_BEFORE))
    lists[10] = []
    for r in rows:
        order = int(ad["adopted_on"][r])
        placed = order - int(rng.integers(70, 200))
        matched = placed - int(rng.integers(7, 40))
        placement_order = matched - int(rng.integers(60, 200))
        decision = placement_order - int(rng.integers(30, 120))
        entered = decision - int(rng.integers(60, 300))
        common = people.common(int(ad["child_id"][r]))
        lists[10].append(common[:1] + [f"F{r + 1}"] + common[1:] + [
            "b) No", _date(entered), _date(decision), _date(placement_order), _date(matched), _date(placed),
            _date(order), None, "", None])
    return {n: (ANNEX_A_HEADERS[n][0], ANNEX_A_HEADERS[n][1], lists[n]) for n in sorted(lists)}


def _children_in_care(t, people, rng, teams, workers, open_at_or_ended_since, latest_per_child) -> list[list]:
    cp = t["care_periods"]
    rows = latest_per_child(np.flatnonzero(open_at_or_ended_since(cp["started_on"], cp["ended_on"])),
                            cp["child_id"], cp["started_on"])
    pl, rv, vs, hc = t["placements"], t["lac_reviews"], t["lac_visits"], t["health_checks"]
    place = {"foster care": "f) U6: Foster placement - not FFA", "residential": "K2",
             "placed with parents": "P1: Placed with own parents", "placed for adoption": "A4"}

    def last(days: np.ndarray) -> int:
        days = days[(days != NAT) & (days <= EXTRACT_DAY)]
        return int(days.max()) if days.size else NAT

    out = []
    for r in rows:
        child = int(cp["child_id"][r])
        mine = pl["child_id"] == child
        starts = pl["started_on"][mine]
        current = np.flatnonzero(mine)[np.argmax(starts)] if starts.size else None
        placements_12m = int(((starts > EXTRACT_DAY - 365) & (starts <= EXTRACT_DAY)).sum())
        ended = cp["ended_on"][r]
        out.append(people.common(child) + [
            "b) No", "b) No", _date(cp["started_on"][r]), "N1", "b) No", _date(cp["started_on"][r]),
            str(cp["legal_status"][r]) + ": " + {"C2": "Full care order", "C1": "Interim care order",
                                                 "V2": "Single period S20", "E1": "Placement order",
                                                 "V3": "Short breaks"}.get(str(cp["legal_status"][r]), ""),
            _date(last(rv["held_on"][rv["child_id"] == child])), _date(last(vs["visited_on"][vs["child_id"] == child])),
            "f) Long-term fostering", None,
            _date(last(hc["done_on"][(hc["child_id"] == child) & (hc["kind"] != "dental check")])),
            _date(last(hc["done_on"][(hc["child_id"] == child) & (hc["kind"] == "dental check")])),
            max(placements_12m, 1), _date(ended), "E8" if ended != NAT else "",
            _date(pl["started_on"][current]) if current is not None else None,
            place.get(str(pl["placement_type"][current]), "") if current is not None else "",
            "PR1", "", "", "a) In", "", 0, 0, "", "", "Looked After Children", rng.choice(workers)])
    return out


def ssda903_returns(seed: int = 2017, scale: float = 1.0, tables: dict | None = None
                    ) -> dict[int, dict[str, list[list[str]]]]:
    """SSDA903 returns for the years ending March 2015-2017: year to table to rows of text
    (header first), as the return's CSV files hold them."""
    tables = tables if tables is not None else generate(seed=seed, scale=scale)
    t = {name: {c: (v.astype(np.int64) if v.dtype.kind == "M" else v) for c, v in cols.items()}
         for name, cols in tables.items()}
    rng = np.random.default_rng(seed + 2)
    cp, pl = t["care_periods"], t["placements"]
    period_of = {int(c): i for i, c in enumerate(cp["child_id"])}
    order = np.lexsort((pl["started_on"], pl["child_id"]))
    child = pl["child_id"][order]
    first = np.insert(child[1:] != child[:-1], 0, True)
    last = np.append(child[1:] != child[:-1], True)
    period = np.array([period_of[int(c)] for c in child], dtype=np.int64)
    code = {"foster care": ["U4", "U5", "U6"], "residential": ["K2"], "placed with parents": ["P1"],
            "placed for adoption": ["A4", "A6"]}
    place = np.array([rng.choice(code[str(k)]) for k in pl["placement_type"][order]])
    rec_end = _pick(rng, ["E4A", "E8", "E13", "E41", "E11", "E12"], order.size, p=[0.35, 0.25, 0.1, 0.1, 0.15, 0.05])
    episodes = {
        "child": child, "decom": pl["started_on"][order], "dec": pl["ended_on"][order],
        "rne": np.where(first, "S", "P"), "ls": cp["legal_status"][period], "place": place,
        "rec": np.where(last, np.where(pl["ended_on"][order] == NAT, "", rec_end), "X1"),
        "cin": _pick(rng, ["N1", "N2", "N4", "N5"], order.size),
        "provider": _pick(rng, ["PR1", "PR4"], order.size, p=[0.8, 0.2]),
        "reason": np.where(last, "", _pick(rng, ["CARPL", "LAREQ", "CHILD", "OTHER"], order.size)),
    }
    dob = dict(zip(cp["child_id"].tolist(), cp["date_of_birth"].tolist()))
    sex = {int(c): rng.choice(["1", "2"]) for c in cp["child_id"]}
    ethnic = {int(c): rng.choice(["WBRI", "WBRI", "WBRI", "MWBC", "APKN", "AOTH"]) for c in cp["child_id"]}
    out: dict[int, dict[str, list[list[str]]]] = {}
    for year in RETURN_YEARS:
        start = int(np.datetime64(f"{year - 1}-04-01", "D").astype(np.int64))
        end = int(np.datetime64(f"{year}-03-31", "D").astype(np.int64))
        live = (episodes["decom"] <= end) & ((episodes["dec"] == NAT) | (episodes["dec"] >= start))
        rows = np.flatnonzero(live)
        files: dict[str, list[list[str]]] = {name: [header.split(",")] for name, header in SSDA903_HEADERS.items()}
        for r in rows:
            closed = episodes["dec"][r] != NAT and episodes["dec"][r] <= end
            files["episodes"].append([
                str(episodes["child"][r]), _uk(episodes["decom"][r]), str(episodes["rne"][r]), str(episodes["ls"][r]),
                str(episodes["cin"][r]), str(episodes["place"][r]), str(episodes["provider"][r]),
                _uk(episodes["dec"][r]) if closed else "", str(episodes["rec"][r]) if closed else "",
                str(episodes["reason"][r]) if closed else "", "", "", ""])
        children = sorted({int(c) for c in episodes["child"][rows]})
        for c in children:
            files["header"].append([str(c), sex[c], _uk(dob[c]), ethnic[c], "", "", ""])
        rv = t["lac_reviews"]
        held = np.flatnonzero((rv["held_on"] >= start) & (rv["held_on"] <= end) & np.isin(rv["child_id"], children))
        for r in held:
            c = int(rv["child_id"][r])
            files["reviews"].append([str(c), _uk(dob[c]), _uk(rv["held_on"][r]), "PN1"])
        # OC2: looked after for the whole year to 31 March
        whole = [c for c in children if cp["started_on"][period_of[c]] <= start - 1
                 and (cp["ended_on"][period_of[c]] == NAT or cp["ended_on"][period_of[c]] > end)]
        for c in whole:
            flags = (rng.random(4) < [0.05, 0.9, 0.85, 0.8]).astype(int)
            files["oc2"].append([str(c), _uk(dob[c]), str(int(rng.integers(0, 30))), "", str(flags[0]), str(flags[1]),
                                 str(flags[1]), str(flags[2]), str(flags[3]), "0", "", ""])
        cl = t["care_leavers"]
        leavers = np.flatnonzero((cl["from_date"] <= end) & ((cl["to_date"] == NAT) | (cl["to_date"] > start)))
        activ = {"education": "F1", "training": "F3", "employment": "P3", "neet": "G6", "not known": "G5"}
        for r in leavers:
            files["oc3"].append([str(cl["child_id"][r]), _uk(cl["date_of_birth"][r]), "YES",
                                 activ[str(cl["activity"][r])], "D1" if cl["accommodation_suitable"][r] else "D2"])
        for c in children[:: 25]:
            began = start + int(rng.integers(0, 300))
            files["missing"].append([str(c), _uk(dob[c]), "M", _uk(began), _uk(began + int(rng.integers(0, 3)))])
        out[year] = files
    return out


def write_annex_a(lists: dict[int, tuple[str, list[str], list[list]]], folder: str | Path) -> list[Path]:
    """The lists as an Annex A workbook (title row above each list's headers, as Ofsted's
    template has it) and as a folder of CSV files, one per list."""
    from .._xlsx import write_xlsx

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sheets = {f"List_{n}": [[title]] + [headers] + rows for n, (title, headers, rows) in lists.items()}
    written = [write_xlsx(folder / "annex-a.xlsx", sheets)]
    csv_folder = folder / "annex-a-csv"
    csv_folder.mkdir(exist_ok=True)
    for n, (title, headers, rows) in lists.items():
        path = csv_folder / f"List {n}.csv"
        with open(path, "w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream, lineterminator="\r\n")
            writer.writerow(headers)
            writer.writerows([_uk_cell(value) for value in row] for row in rows)
        written.append(path)
    (folder / "README.txt").write_text(f"{SYNTHETIC_NOTE}.\nAn Ofsted Annex A as at 31 March 2017: annex-a.xlsx "
                                       "and the same lists as CSV files in annex-a-csv/.\n", encoding="utf-8")
    return written


def _uk_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def write_ssda903(returns: dict[int, dict[str, list[list[str]]]], folder: str | Path) -> list[Path]:
    """Each year's return as a folder of CSV files named as the return's tables."""
    folder = Path(folder)
    written = []
    for year, files in returns.items():
        target = folder / str(year)
        target.mkdir(parents=True, exist_ok=True)
        for name, rows in files.items():
            path = target / f"{name}.csv"
            with open(path, "w", newline="", encoding="utf-8") as stream:
                csv.writer(stream, lineterminator="\r\n").writerows(rows)
            written.append(path)
    (folder / "README.txt").write_text(f"{SYNTHETIC_NOTE}.\nSSDA903 returns for the years ending 31 March "
                                       f"{', '.join(map(str, returns))}, one folder per year.\n", encoding="utf-8")
    return written
