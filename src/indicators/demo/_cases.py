"""SYNTHETIC case-level data for the demo: one imaginary council, April 2014 to March 2017.

Nothing here is real. The generator is shaped after the council in the January 2017
performance report (about 56,400 children; 1,300-1,600 contacts a month from September
2016; the volumes, durations and rates the report describes) so that the demo's January
2017 figures land near the report's own. It writes every table the children's social
care and early help packs read, is seeded, and is vectorised with numpy: loops run over
the 36 months only, never over rows. ``scale`` multiplies every volume, for benchmarks.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Callable

import numpy as np

from .._dates import NAT, days_from_civil, month_code, month_end, month_start
from ._teams import allocate

FIRST_MONTH = 2014 * 12 + 3  # April 2014
N_MONTHS = 36  # to March 2017
LAST_DAY = int(month_end(FIRST_MONTH + N_MONTHS - 1))
FIRST_DAY = int(month_start(FIRST_MONTH))
SYNTHETIC_NOTE = "SYNTHETIC demo data made by indicators demo-data: not real children or records"

# The report framing a council keeps beside its data (docs/demo.md); as synthetic as the data.
DEMO_COMMENTARY = """\
# SYNTHETIC: made up by indicators demo-data, like the data beside it.
[report]
council = "Demo council (synthetic)"
extracted = 2017-02-03

[commentary.contacts_decided_1wd]
"2017-01" = "Illustrative commentary (synthetic): a service writes its narrative in commentary.toml beside the data, by indicator and period, and it appears here."

[commentary.re_referrals_12m]
"2017-01" = "Illustrative commentary (synthetic): compare the rolling rate with the 23% target and with England's figure."
"""


def demo_framing():
    """The demo's framing: council, extract date and commentary (all synthetic)."""
    from .._framing import framing_from_text

    return framing_from_text(DEMO_COMMENTARY, "commentary.toml (demo)")

# Months of the run by index: 0 = April 2014, 24 = April 2016, 29 = September 2016,
# 31 = November 2016 (the new case management system went live), 33 = January 2017.
SEP_2016, NOV_2016, JAN_2017 = 29, 31, 33


def _day(text: str) -> int:
    return int(np.datetime64(text, "D").astype(np.int64))


def _by_month(default: float, **changes: float) -> np.ndarray:
    """A value per month index; ``m24=0.9`` sets month 24 onwards (until the next change)."""
    out = np.full(N_MONTHS, default, dtype=np.float64)
    for key, value in sorted(changes.items(), key=lambda kv: int(kv[0][1:])):
        out[int(key[1:]):] = value
    return out


class _Generator:
    def __init__(self, seed: int, scale: float) -> None:
        from .._plugins import default_registry

        self.rng = np.random.default_rng(seed)
        self.seed = seed
        self.scale = scale
        self.calendar = default_registry().calendar("england-and-wales")
        self.next_id = 1
        self.tables: dict[str, dict[str, np.ndarray]] = {}

    # -- helpers ------------------------------------------------------------------------

    def ids(self, n: int) -> np.ndarray:
        out = np.arange(self.next_id, self.next_id + n, dtype=np.int64)
        self.next_id += n
        return out

    def volumes(self, per_month: np.ndarray, noise: float = 0.03) -> np.ndarray:
        """Counts per month: ``per_month`` × scale, varied by about ``noise`` (a share)."""
        per_month = np.asarray(per_month, dtype=np.float64) * self.scale
        varied = per_month * (1 + noise * self.rng.standard_normal(per_month.size))
        return np.maximum(np.round(varied), 0).astype(np.int64)

    def share(self, month: np.ndarray, shares: np.ndarray) -> np.ndarray:
        """A random choice of exactly round(share × n) of each month's n elements."""
        key = self.rng.random(month.size)
        order = np.lexsort((key, month))
        sorted_month = month[order]
        counts = np.bincount(sorted_month, minlength=N_MONTHS)
        first = np.cumsum(counts) - counts
        rank = np.arange(month.size) - first[sorted_month]
        quota = np.round(np.asarray(shares)[sorted_month] * counts[sorted_month])
        chosen = np.zeros(month.size, dtype=bool)
        chosen[order] = rank < quota
        return chosen

    def days_in_months(self, counts: np.ndarray, first_month: int = FIRST_MONTH,
                       working: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Random days within each month, ``counts[k]`` of them in month k; and k."""
        k = np.repeat(np.arange(len(counts)), counts)
        starts = month_start(first_month + k)
        lengths = month_end(first_month + k) - starts + 1
        days = starts + (self.rng.random(k.size) * lengths).astype(np.int64)
        if working:
            rolled = self.next_working(days)
            # a weekend at a month's end rolls back, so that every day stays in its month
            days = np.where(rolled > starts + lengths - 1, self.add_wd(days + 1, -np.ones_like(days)), rolled)
        order = np.argsort(days, kind="stable")
        return days[order], k[order]

    def next_working(self, days: np.ndarray) -> np.ndarray:
        """The day itself when a working day, else the next working day."""
        return self.calendar.add_working_days(days - 1, np.ones_like(days))

    def add_wd(self, days: np.ndarray, n: np.ndarray) -> np.ndarray:
        return self.calendar.add_working_days(days, np.asarray(n, dtype=np.int64))

    def month_index(self, days: np.ndarray) -> np.ndarray:
        return np.clip(month_code(days) - FIRST_MONTH, 0, N_MONTHS - 1)

    def periodic(self, owners: np.ndarray, starts: np.ndarray, ends: np.ndarray, low: int, high: int,
                 drop: Callable[[np.ndarray], np.ndarray] | None = None, offset: tuple[int, int] = (0, 0)
                 ) -> tuple[np.ndarray, np.ndarray]:
        """Events every ``low``-``high`` days from each start to its end (or the data's end).

        ``drop(days)`` gives each event's chance of not happening (a missed visit).
        Returns the owner index and the day of each event.
        """
        ends = np.where(ends == NAT, LAST_DAY, np.minimum(ends, LAST_DAY))
        span = np.maximum(ends - starts, 0)
        counts = span // low + 2
        owner = np.repeat(np.arange(starts.size), counts)
        steps = self.rng.integers(low, high + 1, owner.size)
        group_start = np.repeat(np.cumsum(counts) - counts, counts)
        first = np.arange(owner.size) == group_start
        steps[first] = self.rng.integers(offset[0], offset[1] + 1, int(first.sum()))
        cumulative = np.cumsum(steps)
        within = cumulative - np.repeat(cumulative[np.cumsum(counts) - counts] - steps[first], counts)
        days = starts[owner] + within
        keep = (days <= ends[owner]) & (days >= FIRST_DAY - 800)
        if drop is not None:
            keep &= self.rng.random(owner.size) >= drop(days)
        return owners[owner[keep]], days[keep]

    def by_day(self, values: np.ndarray, days: np.ndarray) -> np.ndarray:
        """A per-month series read at each day (months before April 2014 take month 0)."""
        return values[self.month_index(days)]

    # -- children's social care ---------------------------------------------------------

    def contacts_and_referrals(self) -> None:
        volume = _by_month(1050, m29=1300, m30=1450, m31=1550, m32=1350, m33=1450, m34=1400, m35=1450)
        received, k = self.days_in_months(self.volumes(volume))
        n = received.size
        quick = self.share(k, _by_month(0.945, m31=0.86, m32=0.83, m33=0.80, m34=0.83, m35=0.86))
        lag = np.where(quick, self.rng.integers(0, 2, n), 2 + self.rng.geometric(0.45, n))
        decided = self.add_wd(received, lag)
        referral = self.share(k, _by_month(0.42, m29=0.31, m33=0.20, m34=0.23))
        roll = self.rng.random(n)
        outcome = np.where(referral, "referral", np.where(roll < 0.35, "early help",
                                                          np.where(roll < 0.6, "advice", "no further action")))
        child = self.ids(n)
        undecided = decided > LAST_DAY
        decided[undecided] = NAT
        outcome = np.where(undecided, "", outcome)

        # Re-referrals: a share of each month's referrals go to children referred in the
        # ten months before, so that the previous referral is within 12 months.
        is_referral = outcome == "referral"
        re_share = _by_month(0.31, m29=0.29, m30=0.28, m31=0.27, m32=0.25, m33=0.22, m34=0.22)
        referral_rows = np.flatnonzero(is_referral)
        referral_month = self.month_index(decided[referral_rows])
        for month in range(1, N_MONTHS):
            now = referral_rows[referral_month == month]
            pool = referral_rows[(referral_month >= month - 10) & (referral_month < month)]
            if now.size == 0 or pool.size == 0:
                continue
            again = now[self.share(np.zeros(now.size, np.int64), np.full(N_MONTHS, re_share[month]))]
            child[again] = child[self.rng.choice(pool, again.size)]
        contact_id = np.arange(1, n + 1)
        rows = referral_rows
        self.tables["referrals"] = {"referral_id": np.arange(1, rows.size + 1), "child_id": child[rows],
                                    "contact_id": contact_id[rows], "referred_on": decided[rows]}
        # Contacts that the move to the new system in November 2016 left without their dates
        # (the report's data-migration gaps): in no month, counted in the results' notes.
        lost = max(1, int(round(14 * self.scale)))
        self.tables["contacts"] = {
            "contact_id": np.arange(1, n + lost + 1), "child_id": np.concatenate([child, child[:lost]]),
            "received_on": np.concatenate([received, np.full(lost, NAT)]),
            "decided_on": np.concatenate([decided, np.full(lost, NAT)]),
            "outcome": np.concatenate([outcome, np.full(lost, "")])}

    def assessments(self) -> None:
        referrals = self.tables["referrals"]
        chosen = np.flatnonzero(self.rng.random(referrals["referral_id"].size) < 0.99)
        start_a = self.add_wd(referrals["referred_on"][chosen], (self.rng.random(chosen.size) < 0.2).astype(np.int64))
        per_month = np.bincount(self.month_index(start_a), minlength=N_MONTHS) / self.scale
        extra, _ = self.days_in_months(self.volumes(np.clip(_by_month(505) - per_month, 20, None)))
        started = np.concatenate([start_a, extra])
        referral_id = np.concatenate([referrals["referral_id"][chosen], np.zeros(extra.size, np.int64)])
        child = np.concatenate([referrals["child_id"][chosen], self.ids(extra.size)])
        k = self.month_index(started)
        quick = self.share(k, _by_month(0.93, m24=0.9, m28=0.84, m29=0.8, m30=0.66, m31=0.58,
                                        m32=0.64, m33=0.8, m34=0.88))
        lag = np.where(quick, self.rng.integers(12, 46, started.size), self.rng.integers(46, 85, started.size))
        completed = self.add_wd(started, lag)
        completed[completed > LAST_DAY] = NAT
        order = np.argsort(started, kind="stable")
        self.tables["assessments"] = {
            "assessment_id": np.arange(1, started.size + 1), "child_id": child[order],
            "referral_id": np.where(referral_id[order] > 0, referral_id[order], 0),
            "started_on": started[order], "completed_on": completed[order],
            "team": np.full(started.size, "duty and assessment")}

    def s47_and_conferences(self) -> None:
        volume = _by_month(95, m12=105, m22=140, m24=109, m33=111, m34=109)
        started, k = self.days_in_months(self.volumes(volume))
        n = started.size
        concluded = self.add_wd(started, self.rng.integers(8, 25, n))
        not_substantiated = self.share(k, _by_month(0.112, m24=0.106))
        outcome = np.where(not_substantiated, "not substantiated", "substantiated")
        conference = ~not_substantiated & self.share(k, np.full(N_MONTHS, 0.36))
        timely = self.share(k, _by_month(0.86, m24=0.9, m33=0.976, m34=0.92))
        icpc = self.add_wd(started, np.where(timely, self.rng.integers(9, 16, n), self.rng.integers(16, 26, n)))
        icpc = np.where(conference, icpc, NAT)
        concluded = np.where(concluded > LAST_DAY, NAT, concluded)
        outcome = np.where(concluded == NAT, "", outcome)
        icpc = np.where(icpc > LAST_DAY, NAT, icpc)
        self.tables["s47_enquiries"] = {"s47_id": np.arange(1, n + 1), "child_id": self.ids(n),
                                        "started_on": started, "concluded_on": concluded,
                                        "outcome": outcome, "icpc_on": icpc}

    def child_protection(self) -> None:
        # Plans start at conferences; earlier plans (from April 2012) set the scene.
        s47 = self.tables["s47_enquiries"]
        with_conference = np.flatnonzero(s47["icpc_on"] != NAT)
        becomes_plan = with_conference[self.rng.random(with_conference.size) < 0.92]
        history, _ = self.days_in_months(self.volumes(np.full(24, 36.0)), FIRST_MONTH - 24)
        started = np.concatenate([history, s47["icpc_on"][becomes_plan]])
        child = np.concatenate([self.ids(history.size), s47["child_id"][becomes_plan]])
        shape = 4.0
        mean_days = np.where(started >= _day("2016-04-01"), 296.0, 330.0)
        ended = started + np.round(self.rng.gamma(shape, mean_days / shape)).astype(np.int64)
        order = np.argsort(started, kind="stable")
        started, child, ended = started[order], child[order], ended[order]
        # Second or subsequent plans: some plans go to a child whose last plan ended in
        # the 24 months before.
        repeat = _by_month(0.055, m31=0.07, m33=0.088, m34=0.07)
        month = month_code(started) - FIRST_MONTH
        for k in range(N_MONTHS):
            now = np.flatnonzero(month == k)
            first_day = int(month_start(FIRST_MONTH + k))
            pool = np.flatnonzero((ended < first_day) & (ended >= first_day - 700))
            if now.size == 0 or pool.size == 0:
                continue
            again = now[self.share(np.zeros(now.size, np.int64), np.full(N_MONTHS, repeat[k]))]
            child[again] = child[self.rng.choice(pool, again.size)]
        open_end = ended > LAST_DAY
        ended_out = np.where(open_end, NAT, ended)
        categories = np.array(["neglect", "emotional abuse", "physical abuse", "sexual abuse", "multiple"])
        self.tables["cp_plans"] = {
            "plan_id": np.arange(1, started.size + 1), "child_id": child, "started_on": started,
            "ended_on": ended_out,
            "category": categories[self.rng.choice(5, started.size, p=[0.45, 0.3, 0.12, 0.05, 0.08])]}
        # Visits every 5 to 10 working days (as calendar days, 7 to 14); more are missed
        # after the new system went live.
        missed = _by_month(0.015, m31=0.08, m32=0.11, m33=0.12, m34=0.08)
        owner, visited = self.periodic(np.arange(started.size), started, ended_out, 6, 13,
                                       drop=lambda d: self.by_day(missed, d), offset=(1, 5))
        visited = self.next_working(visited)
        self.tables["cp_visits"] = {"child_id": child[owner], "visited_on": visited}
        # Reviews: first due 3 months after the conference, then every 6 months.
        owner, due = self.periodic(np.arange(started.size), started + 91, ended_out, 182, 182)
        due = self.next_working(due)
        late = self.rng.random(due.size) < self.by_day(_by_month(0.04, m24=0.03, m28=0.0), due)
        held = np.where(late, self.add_wd(due, self.rng.integers(1, 10, due.size)),
                        self.add_wd(due, -self.rng.integers(0, 6, due.size)))
        keep = held <= LAST_DAY
        self.tables["cp_reviews"] = {"child_id": child[owner][keep], "due_on": due[keep], "held_on": held[keep]}
        self._plan_records("cp", child, started, ended_out, lapse=0.02)

    def children_in_need(self) -> None:
        # Episodes of children in need who are not on plans, plus one for each plan.
        starts = _by_month(215, m26=246, m32=192)
        history, _ = self.days_in_months(self.volumes(np.full(24, 215.0)), FIRST_MONTH - 24)
        recent, _ = self.days_in_months(self.volumes(starts))
        started = np.concatenate([history, recent])
        ended = started + np.round(self.rng.gamma(2.0, 125.0, started.size)).astype(np.int64)
        # From December 2016 managers stepped cases down to early help more readily.
        open_december = (started < _day("2016-12-01")) & (ended > _day("2016-12-01"))
        stepped = open_december & (self.rng.random(started.size) < 0.19)
        ended[stepped] = _day("2016-12-01") + self.rng.integers(0, 61, int(stepped.sum()))
        child = self.ids(started.size)
        plans = self.tables["cp_plans"]
        plan_start = plans["started_on"] - self.rng.integers(20, 60, plans["started_on"].size)
        plan_end = np.where(plans["ended_on"] == NAT, NAT, plans["ended_on"] + self.rng.integers(30, 120, plans["ended_on"].size))
        cin_started = np.concatenate([started, plan_start])
        cin_ended = np.concatenate([np.where(ended > LAST_DAY, NAT, ended), plan_end])
        cin_ended = np.where(cin_ended > LAST_DAY, NAT, cin_ended)
        self.tables["cin_episodes"] = {"child_id": np.concatenate([child, plans["child_id"]]),
                                       "started_on": cin_started, "ended_on": cin_ended}
        self._plan_records("cin", child, started, np.where(ended > LAST_DAY, NAT, ended), lapse=0.05)

    def _plan_records(self, plan_type: str, child: np.ndarray, started: np.ndarray, ended: np.ndarray,
                      lapse: float) -> None:
        """Plans recorded every 3 months; some cases' plans lapse in summer 2016 and were
        not re-entered after the move to the new system in November 2016."""
        lapse_day = np.where(self.rng.random(child.size) < lapse,
                             _day("2016-06-01") + self.rng.integers(0, 92, child.size), LAST_DAY + 1)
        stop = np.where(ended == NAT, lapse_day, np.minimum(ended, lapse_day))
        owner, recorded = self.periodic(np.arange(child.size), started, stop, 80, 100, offset=(0, 10))
        keep = recorded <= LAST_DAY
        owner, recorded = owner[keep], recorded[keep]
        table = self.tables.setdefault("plans", {"child_id": np.zeros(0, np.int64),
                                                 "plan_type": np.zeros(0, dtype="<U3"),
                                                 "recorded_on": np.zeros(0, np.int64)})
        table["child_id"] = np.concatenate([table["child_id"], child[owner]])
        table["plan_type"] = np.concatenate([table["plan_type"], np.full(owner.size, plan_type)])
        table["recorded_on"] = np.concatenate([table["recorded_on"], recorded])

    def looked_after(self) -> None:
        entries = _by_month(15, m24=19, m33=18)
        history, _ = self.days_in_months(self.volumes(np.full(120, 15.0)), FIRST_MONTH - 120)
        recent, _ = self.days_in_months(self.volumes(entries))
        started = np.concatenate([history, recent])
        n = started.size
        weights = np.r_[np.full(5, 2.0), np.full(10, 1.0), np.full(3, 0.9)]
        age_at_entry = self.rng.choice(np.arange(18), n, p=weights / weights.sum())
        dob = started - (age_at_entry * 365.25 + self.rng.integers(0, 365, n)).astype(np.int64)
        long_stay = self.rng.random(n) < 0.62
        length = np.where(long_stay, self.rng.gamma(2.0, 900.0, n), self.rng.gamma(1.5, 90.0, n))
        ended = started + np.round(length).astype(np.int64)
        eighteenth = dob + 6574
        ended = np.minimum(ended, eighteenth)
        ended = np.where(ended > LAST_DAY, NAT, ended)
        child = self.ids(n)
        legal = self.rng.choice(np.array(["C2", "C1", "V2", "E1", "V3"]), n, p=[0.45, 0.17, 0.25, 0.08, 0.05])
        self.tables["care_periods"] = {"child_id": child, "date_of_birth": dob, "started_on": started,
                                       "ended_on": ended, "legal_status": legal}
        self._placements(child, started, ended)
        self._lac_reviews(child, started, ended)
        missed = _by_month(0.03, m31=0.25, m32=0.33, m33=0.36, m34=0.3)
        owner, visited = self.periodic(np.arange(n), started, ended, 10, 38,
                                       drop=lambda d: self.by_day(missed, d), offset=(1, 7))
        self.tables["lac_visits"] = {"child_id": child[owner], "visited_on": self.next_working(visited)}
        self._health(child, dob, started, ended)
        self._peps(child, dob, started, ended)
        self._plan_records("lac", child, started, ended, lapse=0.2)
        adoptions = np.r_[np.full(12, 3.0), [4, 3, 4, 3, 4, 3, 4, 3, 4, 3, 4, 4],
                          [2, 3, 2, 2, 3, 2, 2, 2, 2, 9, 3, 3]]
        adopted, _ = self.days_in_months(self.volumes(adoptions, noise=0))
        self.tables["adoptions"] = {"child_id": self.ids(adopted.size), "adopted_on": adopted}

    def _placements(self, child: np.ndarray, started: np.ndarray, ended: np.ndarray) -> None:
        stop = np.where(ended == NAT, LAST_DAY, ended)
        years = (stop - started) / 365.25
        unsettled = self.rng.random(child.size) < 0.23
        rate = np.where(unsettled, 2.8, 0.04)
        moves = self.rng.poisson(rate * years)
        owner = np.repeat(np.arange(child.size), moves)
        move_day = started[owner] + (self.rng.random(owner.size) * (stop - started)[owner]).astype(np.int64)
        owners = np.concatenate([np.arange(child.size), owner])
        starts = np.concatenate([started, move_day])
        order = np.lexsort((starts, owners))
        owners, starts = owners[order], starts[order]
        next_start = np.append(starts[1:], NAT)
        same = np.append(owners[1:] == owners[:-1], False)
        ends = np.where(same, next_start, ended[owners])
        types = np.array(["foster care", "residential", "placed with parents", "placed for adoption"])
        self.tables["placements"] = {"child_id": child[owners], "started_on": starts, "ended_on": ends,
                                     "placement_type": types[self.rng.choice(4, owners.size, p=[0.75, 0.12, 0.08, 0.05])]}

    def _lac_reviews(self, child: np.ndarray, started: np.ndarray, ended: np.ndarray) -> None:
        first_due = self.add_wd(started, np.full(started.size, 20))
        owner_a, due_a = np.arange(child.size), first_due
        owner_b, due_b = self.periodic(np.arange(child.size), first_due + 91, ended, 182, 182)
        owner = np.concatenate([owner_a, owner_b])
        due = self.next_working(np.concatenate([due_a, due_b]))
        stop = np.where(ended == NAT, LAST_DAY + 1, ended)
        keep = due < stop[owner]
        owner, due = owner[keep], due[keep]
        late = self.rng.random(due.size) < self.by_day(_by_month(0.03, m24=0.02, m26=0.07, m29=0.015), due)
        held = np.where(late, self.add_wd(due, self.rng.integers(1, 15, due.size)),
                        self.add_wd(due, -self.rng.integers(0, 5, due.size)))
        keep = held <= LAST_DAY
        self.tables["lac_reviews"] = {"child_id": child[owner][keep], "due_on": due[keep], "held_on": held[keep]}

    def _health(self, child: np.ndarray, dob: np.ndarray, started: np.ndarray, ended: np.ndarray) -> None:
        n = child.size
        entry_month = self.month_index(started)
        done = self.rng.random(n) < 0.3
        timely = self.rng.random(n) < _by_month(0.55, m24=0.5)[entry_month]
        iha = self.add_wd(started, np.where(timely, self.rng.integers(5, 21, n), self.rng.integers(21, 70, n)))
        stop = np.where(ended == NAT, LAST_DAY, ended)
        done &= (iha <= stop) & (iha >= FIRST_DAY - 400)
        kinds, owners, days = [], [], []
        kinds.append(np.full(int(done.sum()), "initial health assessment"))
        owners.append(np.flatnonzero(done))
        days.append(iha[done])
        under_five = (started - dob) < 5 * 365
        for mask, low, high in ((under_five, 150, 185), (~under_five, 300, 365)):
            rows = np.flatnonzero(mask)
            owner, day = self.periodic(rows, started[rows] + 30, ended[rows], low, high,
                                       drop=lambda d: self.by_day(_by_month(0.03, m32=0.2), d))
            kinds.append(np.full(owner.size, "health assessment"))
            owners.append(owner)
            days.append(day)
        missed = _by_month(0.22, m30=0.56)
        owner, day = self.periodic(np.arange(n), started + 60, ended, 240, 360,
                                   drop=lambda d: self.by_day(missed, d))
        kinds.append(np.full(owner.size, "dental check"))
        owners.append(owner)
        days.append(day)
        owner = np.concatenate(owners)
        self.tables["health_checks"] = {"child_id": child[owner], "kind": np.concatenate(kinds),
                                        "done_on": np.concatenate(days)}

    def _peps(self, child: np.ndarray, dob: np.ndarray, started: np.ndarray, ended: np.ndarray) -> None:
        fifth = dob + 1826
        sixteenth = dob + 5844
        begin = np.maximum(started, fifth)
        stop = np.where(ended == NAT, sixteenth, np.minimum(ended, sixteenth))
        has_peps = self.rng.random(child.size) < 0.97
        rows = np.flatnonzero(has_peps & (begin < stop))
        owner, day = self.periodic(rows, begin[rows], stop[rows], 75, 130, offset=(5, 20),
                                   drop=lambda d: self.by_day(_by_month(0.25, m29=0.3), d))
        self.tables["peps"] = {"child_id": child[owner], "recorded_on": day}

    def care_leavers(self) -> None:
        starts = np.full(48, 5.3)
        from_date, _ = self.days_in_months(self.volumes(starts), FIRST_MONTH - 12, working=False)
        n = from_date.size
        dob = from_date - 5844 - self.rng.integers(0, 730, n)  # care leavers from 16 to 18
        to_date = dob + 7670  # 21st birthday
        to_date = np.where(to_date > LAST_DAY, NAT, to_date)
        suitable = self.rng.random(n) < 0.955
        age_now = (LAST_DAY - dob) / 365.25
        eet_rate = np.where(age_now < 18.5, 0.85, 0.62)
        eet = self.rng.random(n) < eet_rate
        activity = np.where(eet, self.rng.choice(np.array(["education", "training", "employment"]), n),
                            self.rng.choice(np.array(["neet", "not known"]), n, p=[0.85, 0.15]))
        self.tables["care_leavers"] = {"child_id": self.ids(n), "date_of_birth": dob, "from_date": from_date,
                                       "to_date": to_date, "accommodation_suitable": suitable,
                                       "activity": activity}

    # -- early help ---------------------------------------------------------------------

    def early_help(self) -> None:
        volume = _by_month(280, m24=290, m32=267, m33=403, m34=330)
        received, k = self.days_in_months(self.volumes(volume))
        n = received.size
        council = self.share(k, np.full(N_MONTHS, 0.382))
        partners = ~council & self.share(k, np.full(N_MONTHS, 0.045 / 0.618))
        recommendation = np.where(council, "eha by council",
                                  np.where(partners, "eh to partners", "information and advice"))
        routes = np.array(["first response", "front door", "step-down panel"])
        self.tables["eh_contacts"] = {"contact_id": np.arange(1, n + 1), "family_id": self.ids(n),
                                      "child_id": self.ids(n), "received_on": received,
                                      "route": routes[self.rng.choice(3, n, p=[0.5, 0.35, 0.15])],
                                      "recommendation": recommendation}
        started, k = self.days_in_months(self.volumes(_by_month(118, m30=125)))
        n = started.size
        timely = self.rng.random(n) < _by_month(0.5, m24=0.45, m31=0.32, m32=0.3, m33=0.35)[k]
        completed = started + np.where(timely, self.rng.integers(20, 36, n), self.rng.integers(36, 90, n))
        never = self.rng.random(n) < 0.1
        completed = np.where(never | (completed > LAST_DAY), NAT, completed)
        partner = self.share(k, _by_month(0.1, m31=0.083))
        self.tables["eh_assessments"] = {"assessment_id": np.arange(1, n + 1), "family_id": self.ids(n),
                                         "child_id": self.ids(n), "started_on": started,
                                         "completed_on": completed,
                                         "completed_by": np.where(completed == NAT, "",
                                                                  np.where(partner, "partner", "council"))}
        panel_weeks = np.arange(_day("2016-02-09"), LAST_DAY + 1, 7)
        families = self.rng.poisson(35.5 / 4.33 * self.scale, panel_weeks.size)
        day = np.repeat(panel_weeks, families)
        children = 1 + self.rng.poisson(1.3, day.size)
        to_partners = self.rng.random(day.size) < 0.105
        family = self.ids(day.size)
        owner = np.repeat(np.arange(day.size), children)
        self.tables["step_downs"] = {"family_id": family[owner], "child_id": self.ids(owner.size),
                                     "panel_on": day[owner],
                                     "recommended_to": np.where(to_partners[owner], "partners", "early help")}
        self._participation()
        per_month = np.r_[np.zeros(25), [20, 21, 22, 21, 22, 21, 22, 22, 10, 15, 14]]
        surveys, k = self.days_in_months(self.volumes(per_month, noise=0))
        n = surveys.size
        answers = {}
        for name, answered, positive in (("overall_experience", 0.34, 0.97), ("support_when_needed", 0.38, 0.98),
                                         ("service_expected", 0.39, 0.98), ("listened_to", 0.32, 0.97),
                                         ("problems_dealt_with", 0.36, 0.96)):
            has = self.rng.random(n) < answered
            good = self.rng.random(n) < positive
            if name == "overall_experience":
                rating = np.where(good, self.rng.choice(np.array(["excellent", "good"]), n),
                                  self.rng.choice(np.array(["fair", "poor"]), n))
                answers[name] = np.where(has, rating, "")
            else:
                answers[name] = np.where(has, np.where(good, "true", "false"), "")
        self.tables["exit_surveys"] = {"survey_id": np.arange(1, n + 1), "completed_on": surveys, **answers}

    def _participation(self) -> None:
        people = int(round(2950 * self.scale))
        ids, dobs, activities, froms, tos = [], [], [], [], []
        for cohort_year in range(1995, 2002):  # born September cohort_year to August cohort_year + 1
            born = days_from_civil(np.full(people, cohort_year), np.full(people, 9), np.ones(people, np.int64))
            dob = born + self.rng.integers(0, 365, people)
            start = int(days_from_civil(cohort_year + 16, 9, 1))
            end = int(days_from_civil(cohort_year + 18, 8, 31))
            if end < FIRST_DAY - 365 or start > LAST_DAY:
                continue
            person = self.ids(people)
            change = start + self.rng.integers(30, 700, people)
            for low, high in ((start, change), (change + 1, np.full(people, end))):
                roll = self.rng.random(people)
                activity = np.where(roll < 0.032, "neet", np.where(roll < 0.060, "not known",
                                    np.where(roll < 0.0615, "custody", "eet")))
                ids.append(person)
                dobs.append(dob)
                activities.append(activity)
                froms.append(np.broadcast_to(low, (people,)).astype(np.int64))
                tos.append(np.broadcast_to(high, (people,)).astype(np.int64))
        to = np.concatenate(tos)
        self.tables["participation"] = {"young_person_id": np.concatenate(ids), "date_of_birth": np.concatenate(dobs),
                                        "activity": np.concatenate(activities), "from_date": np.concatenate(froms),
                                        "to_date": np.where(to > LAST_DAY, NAT, to)}

    def build(self) -> dict[str, dict[str, np.ndarray]]:
        self.contacts_and_referrals()
        self.assessments()
        self.s47_and_conferences()
        self.child_protection()
        self.children_in_need()
        self.looked_after()
        self.care_leavers()
        allocate(self.tables, self.seed, FIRST_MONTH, N_MONTHS)
        self.early_help()
        return dict(sorted(self.tables.items()))


DATE_COLUMNS = {"received_on", "decided_on", "referred_on", "started_on", "completed_on", "concluded_on",
                "icpc_on", "ended_on", "visited_on", "due_on", "held_on", "date_of_birth", "done_on",
                "recorded_on", "from_date", "to_date", "adopted_on", "panel_on"}


def generate(seed: int = 2017, scale: float = 1.0) -> dict[str, dict[str, np.ndarray]]:
    """Every table of the children's social care and early help packs, as SYNTHETIC data.

    Dates are ``datetime64[D]`` with NaT for missing; strings are str arrays with "" for
    missing; ``scale`` multiplies every volume.
    """
    if not scale > 0:
        raise ValueError("scale must be positive")
    tables = _Generator(seed, scale).build()
    out = {}
    for name, table in tables.items():
        columns = {}
        for column, values in table.items():
            if column in DATE_COLUMNS:
                values = np.asarray(values, dtype=np.int64).astype("datetime64[D]")
            columns[column] = values
        order_key = next((c for c in ("received_on", "referred_on", "started_on", "from_date", "visited_on",
                                      "done_on", "recorded_on", "held_on", "panel_on", "adopted_on",
                                      "completed_on") if c in columns), None)
        if order_key is not None:
            order = np.argsort(columns[order_key], kind="stable")
            columns = {c: v[order] for c, v in columns.items()}
        out[name] = columns
    return out


def write_csv(tables: dict[str, dict[str, np.ndarray]], folder: str | Path) -> list[Path]:
    """Write tables as CSV files (ISO dates, empty cells for missing) with a README."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, columns in tables.items():
        path = folder / f"{name}.csv"
        names = list(columns)
        texts = []
        for column in names:
            values = columns[column]
            if values.dtype.kind == "M":
                text = np.datetime_as_string(values, unit="D")
                text[np.isnat(values)] = ""
            elif values.dtype.kind == "b":
                text = np.where(values, "true", "false")
            else:
                text = values.astype(str)
            texts.append(text)
        with open(path, "w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(names)
            writer.writerows(zip(*texts))
        written.append(path)
    (folder / "commentary.toml").write_text(DEMO_COMMENTARY, encoding="utf-8")
    (folder / "README.txt").write_text(
        f"{SYNTHETIC_NOTE}.\nOne CSV file per table of the childrens-social-care and early-help packs; "
        "see docs/childrens-social-care.md and docs/early-help.md in the indicators repository.\n",
        encoding="utf-8")
    return written
