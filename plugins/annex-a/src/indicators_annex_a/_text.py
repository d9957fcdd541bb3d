"""Annex A's own cell reading: ages as whole years. Everything else comes from
:mod:`indicators.extracts`, which every extract loader shares."""

from __future__ import annotations

import math
import re

import numpy as np

from indicators.extracts import check_encoding, plain_text, read_csv_rows
from indicators.extracts import text_column as _text_column

__all__ = ["age_text", "check_encoding", "read_csv_rows", "text_column"]

_MONTHS = re.compile(r"^(\d{1,2})\s*(?:months?|mths?|m)$", re.IGNORECASE)


def age_text(value) -> str:
    """An age cell as whole years, as liia-tools reads ages: fractions floored ("6.14" is
    6), "<1" and "N months" under a year are 0."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(math.floor(value)) if math.isfinite(value) else repr(value)
    text = plain_text(value)
    if text.replace(" ", "") == "<1":
        return "0"
    match = _MONTHS.match(text)
    if match:
        return str(int(match.group(1)) // 12)
    try:
        number = float(text)
    except ValueError:
        return text
    return str(math.floor(number)) if math.isfinite(number) else text


def text_column(cells: list, type_: str) -> np.ndarray:
    """A column of cells as text the engine reads, ages as whole years."""
    return _text_column(cells, type_, {"age": age_text})
