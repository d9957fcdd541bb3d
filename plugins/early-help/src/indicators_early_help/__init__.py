"""The early help pack and its academic_age() function, as an indicators plugin."""

from __future__ import annotations

from importlib.resources import files

import numpy as np

import indicators

PACK = files(__name__) / "early-help.toml"


def academic_age(dob: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Whole years of age on the 31 August before the academic year holding ``at``.

    Dates arrive as int64 day numbers (days since 1970-01-01).
    """
    at_year, at_month, _ = indicators.split_dates(at)
    dob_year, dob_month, _ = indicators.split_dates(dob)
    start_year = np.where(at_month >= 9, at_year, at_year - 1)
    return start_year - dob_year - (dob_month >= 9)


@indicators.hookimpl
def indicators_packs():
    return {"early-help": PACK}


@indicators.hookimpl
def indicators_functions():
    return [indicators.Function(
        "academic_age", ("date", "date"), "int", academic_age,
        description="age on 31 August before the academic year holding the second date")]
