"""An example indicators plugin: an expression function and a holiday calendar."""

from __future__ import annotations

import datetime

import numpy as np

import indicators


def financial_quarter(days: np.ndarray) -> np.ndarray:
    """Quarter of the April-to-March financial year (1-4) of each date.

    Dates arrive as int64 day numbers; missing values were filled in and are masked again
    by the engine, so the function needs no missing-value handling of its own.
    """
    month = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12 + 1
    return (month - 4) % 12 // 3 + 1


def christmas_closure() -> list[datetime.date]:
    """England and Wales bank holidays plus 27 to 31 December (weekends do not matter)."""
    import holidays

    years = range(1990, 2051)
    bank_holidays = list(holidays.country_holidays("GB", subdiv="ENG", years=years))
    return bank_holidays + [datetime.date(year, 12, day) for year in years for day in range(27, 32)]


@indicators.hookimpl
def indicators_functions():
    return [indicators.Function("financial_quarter", ("date",), "int", financial_quarter,
                                description="quarter 1-4 of the April-March financial year")]


@indicators.hookimpl
def indicators_calendars():
    return {"england-and-wales-christmas-closure": christmas_closure}
