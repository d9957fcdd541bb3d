"""``indicators explain``: the rows behind one figure, as a table, CSV or JSON."""

from __future__ import annotations

import argparse
import sys
from typing import Callable

from . import Explanation, Registry

FORMATS = ("table", "csv", "json")


def add_parser(commands, period, seconds, memory_size, default_time_limit: float) -> None:
    """The ``explain`` subcommand (the argument types are the command line's own)."""
    explain = commands.add_parser(
        "explain", help="list the rows behind one indicator's figure in one month",
        description="List the rows behind the figure of indicator ID in month YYYY-MM: each row its window "
                    "holds, with its key, the columns its filters and value read (derived and lookup values "
                    "as evaluated for that month), and whether it counts in the numerator, in the denominator "
                    "only, or is left out (with the reason, as the row accounting names it).")
    explain.add_argument("pack", metavar="PACK", help="a pack TOML file or folder, or an installed pack's name")
    explain.add_argument("--data", required=True, metavar="DIR", help="folder of CSV files, one per table")
    explain.add_argument("--indicator", required=True, metavar="ID", help="the indicator to explain")
    explain.add_argument("--period", required=True, type=period, metavar="YYYY-MM", help="the month to explain")
    explain.add_argument("--group", action="append", default=[], metavar="COLUMN=VALUE",
                         help="keep only the rows whose COLUMN is VALUE (empty VALUE: missing); repeatable")
    explain.add_argument("--by", action="append", default=[], metavar="COLUMN",
                         help="also show this column of each row (repeatable)")
    explain.add_argument("--key", metavar="COLUMN",
                         help="the key column to show (default: the indicator's distinct or each column, "
                              "else the column its lookups join on, else the by of a previous() or next() it reads)")
    explain.add_argument("--format", choices=FORMATS, default="table", help="table (default), csv or json")
    explain.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")
    explain.add_argument("--from", dest="start", type=period, metavar="YYYY-MM",
                         help="with --to: the run the month must lie in")
    explain.add_argument("--to", dest="end", type=period, metavar="YYYY-MM")
    explain.add_argument("--loader", "--input", dest="loader", default="csv", metavar="NAME",
                         help="how to read --data: an installed loader (default csv)")
    explain.add_argument("--strict", action="store_true", default=None,
                         help="stop at the first value that cannot be read")
    explain.add_argument("--function-time-limit", type=seconds, default=default_time_limit, metavar="SECONDS",
                         help=f"limit on one plugin function call (default {default_time_limit:g}; 0 for none)")
    explain.add_argument("--memory-budget", type=memory_size, default=argparse.SUPPRESS, metavar="SIZE",
                         help="refuse work that would take more memory in one step (default: half the "
                              "machine's memory; 0 for no limit)")


def group_of(texts: list[str]) -> dict[str, str | None]:
    """``--group COLUMN=VALUE`` options as a group mapping (an empty VALUE is missing)."""
    from . import IndicatorsError

    group: dict[str, str | None] = {}
    for text in texts:
        name, equals, value = text.partition("=")
        name = name.strip()
        if not equals or not name:
            raise IndicatorsError(f"--group {text!r}: expected COLUMN=VALUE, such as team=\"Duty 1\"")
        if name in group:
            raise IndicatorsError(f"--group {text!r}: column {name!r} is given twice")
        group[name] = value if value != "" else None
    return group


def run(args: argparse.Namespace, write: Callable[[str, str | None], None], registry: Registry) -> int:
    """Explain one figure and ``write(text, args.output)`` it; the exit status."""
    from . import (DataError, IndicatorsError, Problem, explain, format_period, load_pack, pack_for_input,
                   parse_period, select)

    pack = load_pack(args.pack, registry=registry)
    chosen = select([pack], [args.indicator])[0]  # an unknown id is one message, as for evaluate --indicator
    group = group_of(args.group)
    code = parse_period(args.period)
    if (args.start is None) != (args.end is None):
        raise IndicatorsError("--from and --to go together: give both, or neither")
    if args.start is not None:
        first, last = parse_period(args.start), parse_period(args.end)
        if not first <= code <= last:
            raise DataError([Problem(f"--period {args.period} is outside the run "
                                     f"({format_period(first)} to {format_period(last)})")])
    # the indicator as the loader's input answers it, as evaluate reads it
    _, unsupported = pack_for_input(chosen, args.loader, registry=registry)
    if args.indicator in unsupported:
        raise DataError([Problem(f"--indicator {args.indicator}: cannot be explained from the {args.loader!r} "
                                 f"input: {unsupported[args.indicator]}")])
    budget = {"memory_budget": args.memory_budget} if hasattr(args, "memory_budget") else {}
    explanation = explain(pack, args.data, args.indicator, args.period, group=group, key=args.key,
                          columns=args.by, loader=args.loader, strict=args.strict,
                          function_time_limit=args.function_time_limit, registry=registry,
                          **budget)  # a missing table is an error
    for warning in explanation.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    write(render(explanation, args.format), args.output)
    return 0


def render(explanation: Explanation, format_: str) -> str:
    """The explanation as ``table`` (for reading), ``csv`` or ``json`` text."""
    if format_ == "json":
        return explanation.to_json() + "\n"
    return explanation.to_csv() if format_ == "csv" else explanation.to_text()
