"""The README's example: synthetic data written by make_data.py, evaluated by the example pack."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import indicators

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "social-care"


def test_example_pack_runs_over_its_synthetic_data(tmp_path):
    subprocess.run([sys.executable, str(EXAMPLE / "make_data.py"), str(tmp_path)], check=True,
                   capture_output=True)
    pack = indicators.load_pack(EXAMPLE / "pack.toml")
    results = indicators.evaluate(pack, tmp_path, "2016-04", "2017-01")
    assert len(pack.indicators) * 10 == len(results)
    contacts = [r.numerator for r in results.for_indicator("contacts")]
    assert all(800 < n < 1500 for n in contacts)  # ~40,000 contacts over three years
    assert all(r.value is not None for r in results.for_indicator("contacts_decided_1wd"))
    # Assessments still open have no completion date; that is the only data-quality note.
    reasons = {reason for r in results for reason in r.notes}
    assert {"missing date (assessments.completed_on)"} == reasons
