"""Write SYNTHETIC case-level data for the example pack: made-up children, not real records.

Usage: python make_data.py OUTPUT_DIR [--seed N]

Seeded and vectorised with numpy: contacts, assessments, child protection plans and
periods in care for one imaginary council from April 2014 to March 2017.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

FIRST = np.datetime64("2014-04-01")
LAST = np.datetime64("2017-03-31")


def _dates(rng: np.random.Generator, n: int) -> np.ndarray:
    span = int((LAST - FIRST).astype(int)) + 1
    return FIRST + rng.integers(0, span, n).astype("timedelta64[D]")


def _working_lag(rng, start, mean_days, n):
    lag = np.round(rng.exponential(mean_days, n)).astype(int)
    return np.busday_offset(start, lag, roll="forward")


def _episodes(rng: np.random.Generator, n: int, lead_days: int, mean_days: float) -> dict:
    """Episodes starting up to ``lead_days`` before the span, lasting about ``mean_days``."""
    start = _dates(rng, n) - np.timedelta64(lead_days, "D")
    end = start + np.round(rng.exponential(mean_days, n)).astype("timedelta64[D]")
    end = np.where(end > LAST, np.datetime64("NaT"), end)
    return {"child_id": rng.integers(1, 30_000, n), "started_on": start, "ended_on": end}


def _write(path: Path, columns: dict[str, np.ndarray]) -> None:
    names = list(columns)
    n = len(next(iter(columns.values())))
    text_columns = []
    for name in names:
        values = columns[name]
        if values.dtype.kind == "M":
            text = np.where(np.isnat(values), "", np.datetime_as_string(values, unit="D"))
        else:
            text = values.astype(str)
        text_columns.append(text)
    rows = ["," .join(names)] + [",".join(cells) for cells in zip(*text_columns)] if n else [",".join(names)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("output")
    parser.add_argument("--seed", type=int, default=2017)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)

    n_contacts = 40_000
    received = np.sort(_dates(rng, n_contacts))
    received = np.busday_offset(received, 0, roll="forward")
    decided = _working_lag(rng, received, 0.6, n_contacts)
    outcome = rng.choice(np.array(["referral", "early help", "no further action"]), n_contacts, p=[0.3, 0.2, 0.5])
    open_contact = rng.random(n_contacts) < 0.01
    decided = np.where(open_contact, np.datetime64("NaT"), decided)
    outcome = np.where(open_contact, "", outcome)
    child = rng.integers(1, 30_000, n_contacts)
    _write(out / "contacts.csv", {"contact_id": np.arange(1, n_contacts + 1), "child_id": child, "received_on": received,
                                  "decided_on": decided, "outcome": outcome})

    n_assess = 12_000
    started = np.busday_offset(np.sort(_dates(rng, n_assess)), 0, roll="forward")
    completed = _working_lag(rng, started, 28, n_assess)
    still_open = completed > LAST
    completed = np.where(still_open, np.datetime64("NaT"), completed)
    _write(out / "assessments.csv", {"child_id": rng.integers(1, 30_000, n_assess),
                                     "started_on": started, "completed_on": completed})

    _write(out / "cp_plans.csv", _episodes(rng, 1_400, lead_days=365, mean_days=300))
    _write(out / "care_periods.csv", _episodes(rng, 1_100, lead_days=900, mean_days=700))
    print(f"wrote synthetic example data to {out}")


if __name__ == "__main__":
    main()
