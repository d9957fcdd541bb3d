"""SYNTHETIC demo data: one imaginary council's case-level tables, and the same council's
Ofsted Annex A lists and SSDA903 returns. Nothing here is real; the engine never imports
it. ``indicators demo`` and ``indicators demo-data`` use it, and so can a notebook::

    from indicators.demo import generate
    tables = generate(seed=2017)          # {table name: {column: numpy array}}
"""

from ._cases import SYNTHETIC_NOTE, demo_framing, generate, write_csv
from ._returns import annex_a_lists, ssda903_returns, write_annex_a, write_ssda903

__all__ = ["SYNTHETIC_NOTE", "annex_a_lists", "demo_framing", "generate", "ssda903_returns", "write_annex_a",
           "write_csv", "write_ssda903"]
