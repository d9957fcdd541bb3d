"""Shared fixtures and the hypothesis profile that keeps CI runs bounded."""

from __future__ import annotations

import os
import textwrap

import pytest
from hypothesis import HealthCheck, settings

import indicators

settings.register_profile("ci", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=25, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pack_from(text: str) -> indicators.Pack:
    """A pack from indented TOML text in a test."""
    return indicators.loads_pack(textwrap.dedent(text), file="test.toml")


def run(text: str, tables, start: str, end: str | None = None, **options) -> indicators.Results:
    """Load a pack from text and evaluate it."""
    return indicators.evaluate(pack_from(text), tables, start, end or start, **options)


@pytest.fixture
def contacts_pack() -> str:
    return """
    [indicators.decided_1wd]
    title = "Contacts decided within 1 working day"
    kind = "percentage"
    table = "contacts"
    date = "received_on"
    where = "decided_on is not missing"
    numerator = "working_days(received_on, decided_on) <= 1"
    target = 90
    tolerance = 5
    polarity = "higher_is_better"
    """


@pytest.fixture(params=["pyarrow", "plain"])
def csv_reader(request, monkeypatch):
    """Run a test with each CSV reader: pyarrow's (when installed) and the plain one."""
    from indicators import _loaders

    if request.param == "pyarrow":
        pytest.importorskip("pyarrow")
    else:
        monkeypatch.setattr(_loaders, "_read_plain_with_arrow", lambda *args: None)
    return request.param
