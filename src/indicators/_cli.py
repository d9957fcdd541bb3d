"""The ``indicators`` command line.

Every problem with the user's input is printed as one clear message per problem on
standard error with exit status 1; wrong usage exits with status 2. No traceback is
shown unless ``INDICATORS_DEBUG`` is set.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Sequence

from . import DEFAULT_TIME_LIMIT, IndicatorsError, Registry, parse_period


def _period(text: str) -> str:
    try:
        parse_period(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value}")
    return value


def _seconds(text: str) -> float | None:
    """A time limit in seconds; 0 means none."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds of at least 0, got {text}")
    return value or None


def _formats(registry: Registry) -> str:
    """The installed output formats, for --help."""
    renderers = registry.renderers
    names = sorted(renderers)
    text = ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else "".join(names)
    needs = [f"{name} needs {getattr(r, 'requires')[0]}" for name, r in sorted(renderers.items())
             if getattr(r, "requires", None)]
    return text + (f" ({'; '.join(needs)})" if needs else "")


_UNITS = {"": 1, "b": 1, "k": 2**10, "kb": 10**3, "kib": 2**10, "m": 2**20, "mb": 10**6, "mib": 2**20,
          "g": 2**30, "gb": 10**9, "gib": 2**30, "t": 2**40, "tb": 10**12, "tib": 2**40}


def _memory_size(text: str) -> int | None:
    """A size such as ``8GiB``, ``500MB`` or a number of bytes; 0 means no limit."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", text)
    if not match or match.group(2).lower() not in _UNITS:
        raise argparse.ArgumentTypeError(f"expected a size such as 4GiB, 500MB or a number of bytes, got {text!r}")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()]) or None


def build_parser(registry: Registry | None = None) -> argparse.ArgumentParser:
    from . import default_registry

    registry = registry or default_registry()
    parser = argparse.ArgumentParser(
        prog="indicators",
        description="Evaluate performance indicator packs over case-level data.")
    from . import __version__

    parser.add_argument("--version", action="version", version=f"indicators {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    evaluate = commands.add_parser("evaluate", help="evaluate packs over data for a run of months",
                                   description="Evaluate every indicator of each PACK (or those chosen with "
                                               "--indicator and --group) for every month from --from to "
                                               "--to; several packs make one set of results.")
    evaluate.add_argument("pack", metavar="PACK", nargs="+",
                          help="a pack TOML file or folder, or an installed pack's name")
    evaluate.add_argument("--data", required=True, metavar="DIR", help="folder of CSV files, one per table")
    evaluate.add_argument("--from", dest="start", required=True, type=_period, metavar="YYYY-MM")
    evaluate.add_argument("--to", dest="end", required=True, type=_period, metavar="YYYY-MM")
    evaluate.add_argument("--format", default="table", metavar="FORMAT",
                          help=f"output format: {_formats(registry)}; default table")
    evaluate.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")
    evaluate.add_argument("--indicator", action="append", metavar="ID",
                          help="evaluate only this indicator (repeat for more)")
    evaluate.add_argument("--group", action="append", metavar="NAME",
                          help="evaluate only the indicators of this report group (repeat for more)")
    evaluate.add_argument("--by", action="append", metavar="COLUMN",
                          help="break every figure down by this column of the indicators' tables, beside the "
                               "total (repeat for combinations: --by team --by age_band)")
    evaluate.add_argument("--quiet", action="store_true", help="no progress display on standard error")
    evaluate.add_argument("--benchmarks", action="append", default=[], metavar="CSV|NAME",
                          help="add a benchmark set: a CSV file or a set a plugin provides (repeatable)")
    evaluate.add_argument("--loader", "--input", dest="loader", default="csv", metavar="NAME",
                          help="how to read --data: an installed loader (default csv)")
    evaluate.add_argument("--strict", action="store_true", default=None,
                          help="stop at the first value that cannot be read")
    evaluate.add_argument("--suppress-below", type=_positive_int, metavar="N",
                          help="suppress results whose counts are between 1 and N-1")
    evaluate.add_argument("--function-time-limit", type=_seconds, default=DEFAULT_TIME_LIMIT, metavar="SECONDS",
                          help="fail the indicators using a plugin function when one call takes longer "
                               f"(default {DEFAULT_TIME_LIMIT:g}; 0 for no limit)")
    cluster = evaluate.add_mutually_exclusive_group()
    cluster.add_argument("--workers", type=_positive_int, metavar="N",
                         help="evaluate on a local Dask cluster of N worker processes; --data is then a folder "
                              "with a folder of Parquet or CSV partitions per table (needs the dask extra)")
    cluster.add_argument("--scheduler", metavar="ADDRESS",
                         help="evaluate on the Dask cluster whose scheduler is at ADDRESS (tcp://HOST:PORT); "
                              "--data as for --workers, a path the workers can read too")
    evaluate.add_argument("--partitions", type=_positive_int, metavar="N",
                          help="with --workers or --scheduler: split every table into N partitions by key "
                               "(default: as many as the table with the most partition files)")
    evaluate.add_argument("--memory-limit", type=_memory_size, default=argparse.SUPPRESS, metavar="SIZE",
                          help="with --workers: each worker's memory limit, past which Dask spills its results "
                               "to disk and restarts it at 95%% (default: the machine's memory shared among "
                               "the workers; 0 for no limit)")
    evaluate.add_argument("--block-size", type=_memory_size, default=argparse.SUPPRESS, metavar="SIZE",
                          help="with --workers or --scheduler: read files in pieces of at most SIZE (CSV blocks, "
                               "Parquet row groups; default 64MiB; 0 for a whole file each)")
    evaluate.add_argument("--memory-budget", type=_memory_size, default=argparse.SUPPRESS,
                          metavar="SIZE",
                          help="fail the indicators whose work would take more memory in one step, before "
                               "it begins (default: half the machine's memory; 0 for no limit)")

    from ._explain_cli import add_parser as add_explain

    add_explain(commands, _period, _seconds, _memory_size, DEFAULT_TIME_LIMIT)

    validate = commands.add_parser("validate", help="check a pack and report every problem",
                                   description="Check PACK (and, with --data, the data against it).")
    validate.add_argument("pack", metavar="PACK", help="a pack TOML file or folder, or an installed pack's name")
    validate.add_argument("--data", metavar="DIR", help="also check this folder of CSV files")
    validate.add_argument("--loader", "--input", dest="loader", default="csv", metavar="NAME",
                          help="how to read --data (default csv)")

    demo = commands.add_parser("demo", help="run both packs on synthetic data and write scorecard.html",
                               description="Generate SYNTHETIC data in memory, evaluate the children's "
                                           "social care and early help packs from April 2016 to January "
                                           "2017, print the scorecard and write it as HTML.")
    demo.add_argument("--output", default="scorecard.html", metavar="FILE",
                      help="where to write the HTML scorecard (default scorecard.html)")
    demo.add_argument("--seed", type=int, default=2017, help="seed of the synthetic data (default 2017)")
    demo.add_argument("--no-color", action="store_true", help="no colours in the terminal")

    demo_data = commands.add_parser("demo-data", help="write the synthetic demo data as CSV files",
                                    description="Write SYNTHETIC case-level data for one imaginary council, "
                                                "April 2014 to March 2017, one CSV file per table.")
    demo_data.add_argument("folder", metavar="DIR")
    demo_data.add_argument("--seed", type=int, default=2017, help="seed (default 2017)")
    demo_data.add_argument("--scale", type=_positive_float, default=1.0,
                           help="multiply every volume by this factor (default 1)")
    demo_data.add_argument("--format", choices=("csv", "annex-a", "ssda903"), default="csv",
                           help="csv: one CSV file per table of the packs (default); annex-a: an Ofsted Annex A "
                                "workbook and CSV folder as at March 2017; ssda903: SSDA903 returns, one folder a "
                                "year")

    schema = commands.add_parser("schema", help="print the JSON Schema of the pack format",
                                 description="Print a JSON Schema (draft 4) of pack files, for completion "
                                             "and inline errors in an editor (taplo, Even Better TOML).")
    schema.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")

    plan = commands.add_parser("plan", help="print the steps an evaluation of a pack does, and who shares each",
                               description="Print the evaluation plan of PACK: each unit of work (reading "
                                           "columns, placing rows in windows, filters, lookups, counts) that "
                                           "an evaluation does once, with the indicators that use it.")
    plan.add_argument("pack", metavar="PACK", help="a pack TOML file or folder, or an installed pack's name")
    plan.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")

    commands.add_parser("list", help="show installed packs, functions, calendars, loaders and renderers",
                        description="Show everything the built-ins and plugins provide, with the "
                                    "plugin (and distribution version) that gave it.")
    return parser


def output_problem(output: str | None) -> str | None:
    """Why ``output`` cannot be written, found before any work is done (None: it can)."""
    if output is None:
        return None
    target = Path(output)
    if target.is_dir():
        return f"--output {output}: is a folder; name a file in it"
    directory = target.resolve().parent
    if not directory.is_dir():
        return f"--output {output}: the folder {directory} does not exist"
    if not os.access(directory, os.W_OK) and not (target.exists() and os.access(target, os.W_OK)):
        return f"--output {output}: the folder {directory} is not writable"
    return None


def _write(text: str | bytes, output: str | None) -> None:
    """Write to standard output, or to ``output`` whole: a regular file (through a link, to
    the file it points to) is replaced at once by a finished copy with the same permissions,
    so no half-written file is left; anything else (a device, a pipe) is written to."""
    if output is None:
        if isinstance(text, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(text)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(text)
        return
    problem = output_problem(output)
    if problem:
        raise IndicatorsError(problem)
    target = Path(output).resolve()  # through a link, to the file it names
    if target.exists() and not target.is_file():  # /dev/null, a pipe: write to it, never replace it
        with open(target, "wb" if isinstance(text, bytes) else "w", **({} if isinstance(text, bytes) else
                                                                      {"encoding": "utf-8", "newline": ""})) as out:
            out.write(text)
        return
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        if isinstance(text, bytes):
            with os.fdopen(handle, "wb") as binary:
                binary.write(text)
        else:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                stream.write(text)
        if target.exists():  # keep the permissions the user gave the file
            mode = target.stat().st_mode & 0o7777
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask  # mkstemp makes it private; the output is not
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _evaluate(args: argparse.Namespace, registry: Registry) -> int:
    from . import Results, evaluate, load_packs, select
    from ._progress import Progress
    from ._tables_cli import load_tables

    packs = load_packs(args.pack, benchmarks=args.benchmarks, registry=registry)
    renderers = registry.renderers
    unknown = _unknown_format(registry, args.format)
    if unknown:
        print(f"error: {unknown}", file=sys.stderr)
        return 2
    problem = _renderer_problem(args.format, renderers[args.format], args.output)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    every_indicator = [ident for pack in packs for ident in pack.indicators]  # before --indicator, --group
    packs = select(packs, args.indicator or (), args.group or ())
    from . import read_framing

    framing = read_framing(args.data) if os.path.isdir(args.data) else None  # its problems before the work
    if args.workers or args.scheduler:
        if args.by:
            print("error: --by does not work with --workers or --scheduler yet; leave those out to break "
                  "figures down", file=sys.stderr)
            return 2
        results = _evaluate_on_dask(args, packs, registry)
        if results is None:
            return 2
        output = renderers[args.format](results)
        return _report(results, output, args.output)
    cluster_only = [flag for flag, given in (("--partitions", args.partitions is not None),
                                             ("--memory-limit", hasattr(args, "memory_limit")),
                                             ("--block-size", hasattr(args, "block_size"))) if given]
    if cluster_only:
        print(f"error: {', '.join(cluster_only)} {'applies' if len(cluster_only) == 1 else 'apply'} only with "
              "--workers or --scheduler", file=sys.stderr)
        return 2
    progress = Progress(enabled=False if args.quiet else None)
    try:
        from . import pack_for_input

        # the tables of the packs as the input answers them; evaluate() adapts each pack alike
        tables = load_tables([pack_for_input(pack, args.loader, registry=registry)[0] for pack in packs],
                             args.data, args.loader, args.strict, registry, progress)
        total = sum(len(pack.indicators) for pack in packs)
        parts: list[Results] = []
        for pack, pack_tables in zip(packs, tables):
            before = sum(len(done_pack.indicators) for done_pack in packs[:len(parts)])

            def step(done: int, _total: int, name: str, before: int = before) -> None:
                progress.step("evaluating", before + done, total, name)

            parts.append(evaluate(pack, pack_tables, args.start, args.end, strict=args.strict,
                                  suppress_below=args.suppress_below, loader=args.loader,
                                  function_time_limit=args.function_time_limit,
                                  progress=step, by=args.by, registry=registry, **_budget(args)))
        progress.step("evaluating", total, total)
        results = parts[0] if len(parts) == 1 else Results.combine(
            parts, title=" and ".join(pack.title for pack in packs))
        if results.framing is None and framing is not None:  # the tables came in already read
            results.framing = framing
            results.warnings.extend(framing.unused(every_indicator))
        progress.step("writing", 0, 0, args.format)
        output = renderers[args.format](results)
    finally:
        progress.close()
    return _report(results, output, args.output, {name: table for part in tables if isinstance(part, dict)
                                                  for name, table in part.items()})


def _budget(args: argparse.Namespace) -> dict[str, int | None]:
    """``memory_budget`` when ``--memory-budget`` was given (else the engine's default)."""
    return {"memory_budget": args.memory_budget} if hasattr(args, "memory_budget") else {}


def _report(results, output, destination: str | None, tables: dict | None = None) -> int:
    """Warnings, the output, and what was skipped or failed; the exit status."""
    _warn_unreadable(results, tables)
    for warning in results.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    _write(output, destination)
    for ident, reason in results.skipped.items():
        print(f"skipped: indicators.{ident}: {reason}", file=sys.stderr)
    for failure in results.failures:
        print(f"error: {failure} (its results are empty; the other indicators are complete)", file=sys.stderr)
    return 1 if results.failures else 0


def _evaluate_on_dask(args: argparse.Namespace, packs, registry: Registry):
    """The results of ``indicators evaluate --workers N | --scheduler ADDRESS``; None (after
    saying why) when it cannot start."""
    from . import Results

    try:
        import distributed

        from . import dask as on_dask
    except ImportError:
        print("error: --workers and --scheduler need the dask extra: pip install 'indicators[dask]'",
              file=sys.stderr)
        return None
    if args.loader != "csv":
        print("error: --loader does not apply with --workers or --scheduler: --data is a folder with a folder of "
              "Parquet or CSV partitions per table", file=sys.stderr)
        return None
    if not os.path.isdir(args.data):
        from . import DataError, Problem

        raise DataError([Problem(f"no folder {args.data}", file=args.data)])
    if args.scheduler and hasattr(args, "memory_limit"):
        print("error: --memory-limit applies to the workers --workers starts; give a cluster's workers theirs "
              "where they start (dask worker --memory-limit SIZE)", file=sys.stderr)
        return None
    if args.scheduler:
        try:
            client = distributed.Client(args.scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            print(f"error: cannot reach the Dask scheduler at {args.scheduler}: {exc}", file=sys.stderr)
            return None
        cluster = None
    else:
        cluster = on_dask.local_cluster(args.workers, getattr(args, "memory_limit", "auto"))
        client = distributed.Client(cluster)
    try:
        parts = [on_dask.evaluate(pack, args.data, args.start, args.end, client=client,
                                  npartitions=args.partitions, strict=args.strict,
                                  suppress_below=args.suppress_below, function_time_limit=args.function_time_limit,
                                  registry=registry, blocksize=getattr(args, "block_size", on_dask.DEFAULT_BLOCKSIZE),
                                  **_budget(args))
                 for pack in packs]
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    if len(parts) == 1:
        return parts[0]
    combined = Results.combine(parts, title=" and ".join(pack.title for pack in packs))
    if combined.framing is not None:  # commentary on any pack's indicator is used: not each pack's alone
        each = {w for part in parts for w in part.framing.unused(part.pack.indicators)}
        combined.warnings = ([w for w in combined.warnings if w not in each]
                             + combined.framing.unused({r.indicator for r in combined}))
    return combined


def _unknown_format(registry: Registry, name: str) -> str | None:
    """Why the registry has no renderer ``name`` (None: it has)."""
    if name in registry.renderers:
        return None
    return registry.unavailable("renderer", name) or (
        f"unknown format {name!r}; choose one of: {', '.join(sorted(registry.renderers))}")


def _renderer_problem(name: str, renderer, output: str | None) -> str | None:
    """Why the renderer cannot write this run's output, known before the run."""
    import importlib.util

    requires = getattr(renderer, "requires", None)
    if requires and importlib.util.find_spec(requires[0]) is None:
        return f"the {name} format needs {requires[0]}: pip install '{requires[1]}'"
    if getattr(renderer, "binary", False) and output is None and sys.stdout.isatty():
        return (f"the {name} format is a binary file, not for a terminal: "
                f"give --output FILE.{name} or redirect standard output")
    return None


def _examples(tables: dict, where: str, attribute: str) -> str:
    """`` (row 3 (line 4 of FILE): 'text'; ...)`` for a TABLE.COLUMN's first few cells, if known."""
    name, _, column_name = where.partition(".")
    table = tables.get(name)
    column = table.columns.get(column_name) if table is not None else None
    examples = getattr(column, attribute, None) or ()
    text = "; ".join(f"{table.row_label(row)}: {cell!r}" for row, cell in examples)
    return f" ({text})" if text else ""


def _warn_unreadable(results, tables: dict | None = None) -> None:
    seen = set()
    tables = tables or {}
    for record in results:
        for reason, count in record.notes.items():
            if reason.startswith("unreadable (") and reason not in seen:
                seen.add(reason)
                where = reason[len('unreadable ('):-1]
                print(f"warning: {where}: {count} value(s) could not be read and count as missing (use "
                      f"--strict to stop on them){_examples(tables, where, 'unreadable_examples')}", file=sys.stderr)
            elif reason.startswith("unknown code (") and reason not in seen:
                seen.add(reason)
                where, _, part = reason[len('unknown code ('):-1].partition(", ")
                print(f"warning: {where}: {count} value(s){f' ({part})' if part else ''} are not in the column's "
                      f"code list and are kept as written{_examples(tables, where, 'unknown_examples')}",
                      file=sys.stderr)


DEMO_PACKS = ("childrens-social-care", "early-help")
DEMO_CAPTION = ("SYNTHETIC DATA – made up by indicators demo-data to resemble one council's "
                "January 2017 report; not real children or records")


def _demo(args: argparse.Namespace, registry: Registry) -> int:
    from . import PackError, Problem, Results, load_pack, render_terminal
    from .demo import demo_framing, generate

    unknown = _unknown_format(registry, "html")
    if unknown:
        raise IndicatorsError(f"the demo writes its scorecard in the html format: {unknown}")

    packs = []
    for name in DEMO_PACKS:
        try:
            packs.append(load_pack(name, registry=registry))
        except PackError as exc:
            raise PackError([Problem(f"the demo needs the {name} pack: install it with "
                                     f"pip install -e plugins/{name}")] + exc.problems[:1]) from None
    tables = generate(seed=args.seed)
    # from April 2015, so that the scorecard has last year's outturn and the same month last year
    results = Results.combine([_by_team_where_recorded(pack, tables, "2015-04", "2017-01", registry)
                               for pack in packs],
                              title="Children's and young people's services performance (demo)",
                              caption=DEMO_CAPTION)
    results.framing = demo_framing()
    color = not args.no_color and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    sys.stdout.write(render_terminal(
        results, color=color, explain_command="indicators demo-data demo/ && indicators explain childrens-social-care "
                                              "--data demo/ --indicator {indicator} --period {period} {group}"))
    _write(registry.renderers["html"](results), args.output)
    print(f"\nwrote {args.output}", file=sys.stderr)
    return 0


def _by_team_where_recorded(pack, tables: dict, start: str, end: str, registry: Registry):
    """The pack's results, broken down by team for the indicators whose rows record one
    (a breakdown column every counted table must hold), in the pack's order."""
    import attrs

    from . import Results, evaluate

    def by_team(indicator) -> bool:
        return all("team" in tables.get(measure.table, {}) for measure in indicator.measures())

    parts = [evaluate(attrs.evolve(pack, indicators={i: x for i, x in pack.indicators.items() if by_team(x) == split}),
                      tables, start, end, by=["team"] if split else None, registry=registry)
             for split in (True, False)]
    order = {ident: n for n, ident in enumerate(pack.indicators)}
    results = Results(sorted((r for part in parts for r in part), key=lambda r: order[r.indicator]), pack, start, end,
                      failures=[f for part in parts for f in part.failures],
                      skipped={i: why for part in parts for i, why in part.skipped.items()})
    results.warnings = list(dict.fromkeys(w for part in parts for w in part.warnings))
    return results


def _demo_data(args: argparse.Namespace, registry: Registry) -> int:
    from .demo import SYNTHETIC_NOTE, generate, write_csv

    folder = Path(args.folder)
    if folder.exists() and not folder.is_dir():
        raise IndicatorsError(f"{folder} is a file; name a new or empty folder for the demo data")
    readme = folder / "README.txt"
    if folder.is_dir() and any(folder.iterdir()) and not (
            readme.is_file() and SYNTHETIC_NOTE in readme.read_text(encoding="utf-8", errors="replace")):
        raise IndicatorsError(f"{folder} is not empty and holds no earlier demo data; name a new or empty "
                              "folder, so that nothing of yours is overwritten")
    if args.format != "csv":
        from .demo import annex_a_lists, ssda903_returns, write_annex_a, write_ssda903

        if args.format == "annex-a":
            lists = annex_a_lists(seed=args.seed, scale=args.scale)
            write_annex_a(lists, args.folder)
            rows = sum(len(rows) for _, _, rows in lists.values())
            print(f"wrote an Annex A workbook (annex-a.xlsx) and CSV folder (annex-a-csv) of {len(lists)} lists "
                  f"({rows:,} rows) to {args.folder}: {SYNTHETIC_NOTE}", file=sys.stderr)
        else:
            years = ssda903_returns(seed=args.seed, scale=args.scale)
            write_ssda903(years, args.folder)
            print(f"wrote SSDA903 returns for the years ending March {', '.join(map(str, years))} to "
                  f"{args.folder}: {SYNTHETIC_NOTE}", file=sys.stderr)
        return 0
    written = write_csv(generate(seed=args.seed, scale=args.scale), args.folder)
    rows = sum(sum(1 for _ in open(path, encoding="utf-8")) - 1 for path in written)
    print(f"wrote {len(written)} tables ({rows:,} rows) to {args.folder}: {SYNTHETIC_NOTE}", file=sys.stderr)
    return 0


def _schema(args: argparse.Namespace, registry: Registry) -> int:
    import json

    from . import pack_schema

    _write(json.dumps(pack_schema(), indent=2, ensure_ascii=False) + "\n", args.output)
    return 0


def _list(args: argparse.Namespace, registry: Registry) -> int:
    headings = {"pack": "Packs", "function": "Functions", "calendar": "Calendars",
                "loader": "Loaders", "renderer": "Renderers", "benchmarks": "Benchmark sets",
                "input": "Packs on other inputs"}
    rows = registry.listing()
    width = max((len(name) for _, name, _ in rows), default=0)
    for kind, heading in headings.items():
        print(f"{heading}:")
        entries = [(name, provider) for k, name, provider in rows if k == kind]
        for name, provider in entries:
            detail = ""
            if kind == "function":
                detail = "  " + registry.functions[name].signature()
            print(f"  {name.ljust(width)}  {provider}{detail}")
        for (clash_kind, name), providers in sorted(registry.clashes.items()):
            if clash_kind == kind and name not in [n for n, _ in entries]:
                print(f"  {name.ljust(width)}  unavailable: provided by "
                      + " and ".join(str(p) for p in providers))
        if not entries and not any(k == kind for k, _ in registry.clashes):
            print("  (none)")
    return 0


def _warn_plugin_failures(registry: Registry) -> None:
    for failure in registry.failures:
        print(f"warning: {failure}", file=sys.stderr)


def _plan(args: argparse.Namespace, registry: Registry) -> int:
    import json

    from . import compile, load_pack

    plan = compile(load_pack(args.pack, registry=registry))
    sys.stdout.write(json.dumps(plan.to_records(), indent=2) + "\n" if args.format == "json" else plan.to_text())
    return 0


def _validate(args: argparse.Namespace, registry: Registry) -> int:
    from . import check_data, load_pack

    pack = load_pack(args.pack, registry=registry)
    for warning in pack.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if not args.data:
        for table, names in pack.names_checked_against_data().items():
            print(f"{table}: {', '.join(names)} (not declared: checked against the data when it arrives)")
    if args.data:
        tables, skipped = check_data(pack, args.data, loader=args.loader, registry=registry)
        for ident, reason in skipped.items():
            print(f"skipped: indicators.{ident}: {reason}", file=sys.stderr)
        for table in tables.values():
            for name, column in table.columns.items():
                if column.unreadable:
                    examples = "; ".join(f"{table.row_label(row)}: {text!r}" for row, text in column.unreadable_examples)
                    print(f"warning: {table.name}.{name}: {column.unreadable} value(s) could not be read as "
                          f"{column.type} and will count as missing" + (f" ({examples})" if examples else ""),
                          file=sys.stderr)
                if column.unknown_codes:
                    examples = "; ".join(f"{table.row_label(row)}: {text!r}" for row, text in column.unknown_examples)
                    parts = ", ".join(f"{count} in the {label}" for label, count in column.unknown_by)
                    count = f"{column.unknown_codes} value(s)" + (f" ({parts})" if parts else "")
                    print(f"warning: {table.name}.{name}: {count} are not in the column's code list and are kept "
                          "as written"
                          + (f" ({examples})" if examples else ""),
                          file=sys.stderr)
    print(f"{pack.name}: {len(pack.indicators)} indicator(s), no problems found")
    return 0


def _explain(args: argparse.Namespace, registry: Registry) -> int:
    from ._explain_cli import run

    return run(args, _write, registry)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    from . import default_registry

    registry = default_registry()  # one for the whole command: its plugins are found once
    parser = build_parser(registry)
    args = parser.parse_args(argv)
    handlers = {"evaluate": _evaluate, "validate": _validate, "list": _list, "demo": _demo,
                "demo-data": _demo_data, "schema": _schema, "plan": _plan, "explain": _explain}
    try:
        _warn_plugin_failures(registry)
        problem = output_problem(getattr(args, "output", None))
        if problem:  # before the work, not after it
            raise IndicatorsError(problem)
        return handlers[args.command](args, registry)
    except IndicatorsError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        count = len(exc.problems)
        if count > 1:
            print(f"{count} problems found", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug of ours: say so plainly instead of a traceback
        if os.environ.get("INDICATORS_DEBUG"):
            raise
        print(f"internal error (a bug in indicators, please report it): {type(exc).__name__}: {exc}\n"
              "set INDICATORS_DEBUG=1 to see the traceback", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
