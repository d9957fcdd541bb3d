"""indicators: declarative, vectorised performance indicators for children's services."""

from ._benchmark_sets import with_benchmarks
from ._calendars import Calendar
from ._data_check import check_data
from ._dates import format_period, parse_period, split as split_dates
from ._evaluate import evaluate
from ._errors import DataError, IndicatorsError, PackError, PluginError, Problem, ResourceError
from ._explain import explain
from ._explanation import ExplainedRow, Explanation
from ._framing import Framing, read_framing
from ._functions import DEFAULT_TIME_LIMIT, Function
from ._inputs import pack_for_input
from ._loaders import read_csv_folder, read_csv_table
from ._pack import Indicator, Pack, load_pack, loads_pack
from ._pack_input import PackInput
from ._partial import Partial, evaluate_partial, merge_partials
from ._plan import Plan, Step, compile
from ._plugins import default_registry
from ._registry import Registry
from ._renderers import render_terminal, render_xlsx
from ._results import Result, Results
from ._schema import pack_schema
from ._selection import load_packs, select
from ._tables import Column, Table, table_from_mapping
from ._version import __version__
from .hookspecs import hookimpl

__all__ = [
    "Calendar",
    "Column",
    "DEFAULT_TIME_LIMIT",
    "DataError",
    "ExplainedRow",
    "Explanation",
    "Framing",
    "Function",
    "Indicator",
    "IndicatorsError",
    "Pack",
    "PackError",
    "PackInput",
    "Partial",
    "Plan",
    "PluginError",
    "Problem",
    "ResourceError",
    "Registry",
    "Result",
    "Results",
    "Step",
    "Table",
    "check_data",
    "compile",
    "default_registry",
    "evaluate",
    "evaluate_partial",
    "explain",
    "format_period",
    "hookimpl",
    "load_pack",
    "load_packs",
    "loads_pack",
    "merge_partials",
    "pack_for_input",
    "pack_schema",
    "parse_period",
    "read_framing",
    "read_csv_folder",
    "read_csv_table",
    "render_terminal",
    "render_xlsx",
    "select",
    "split_dates",
    "table_from_mapping",
    "with_benchmarks",
]
