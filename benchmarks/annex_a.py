"""Loading a 100-thousand-row Annex A workbook: python-calamine against openpyxl.

    python benchmarks/annex_a.py [--rows 100e3] [--repeat 3]

Writes two SYNTHETIC workbooks with the demo's writer: one whole Annex A (lists 1-10 of the
demo council, scaled to about ``--rows`` rows in all) and one List 1 of ``--rows`` rows.
For each Excel reader it times reading the cells alone and the annex-a loader end to end
(headers matched, codes read, typed tables built), and checks both readers give the same
tables; then times the same List 1 as a CSV file. Needs plugins/annex-a and both readers:
pip install -e '.[excel]' openpyxl -e plugins/annex-a. Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "plugins" / "annex-a" / "src"))

from indicators.demo._returns import _uk_cell, annex_a_lists  # noqa: E402
from indicators._xlsx import write_xlsx  # noqa: E402
from indicators_annex_a import read_annex_a  # noqa: E402

DEMO_ROWS = 21_000  # rows of lists 1-10 at demo scale 1, near enough


def median_seconds(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def read_cells_calamine(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    return sum(len(book.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in book.sheet_names)


def read_cells_openpyxl(path: Path) -> int:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = sum(sum(1 for _ in book[name].iter_rows(values_only=True)) for name in book.sheetnames)
    book.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, default=100e3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--readers", nargs="+", default=["calamine", "openpyxl"], choices=["calamine", "openpyxl"])
    args = parser.parse_args()
    rows = int(args.rows)
    with tempfile.TemporaryDirectory() as folder:
        lists = annex_a_lists(scale=rows / DEMO_ROWS)
        whole = write_xlsx(Path(folder) / "annex-a.xlsx",
                           {f"List_{n}": [[title], headers] + body for n, (title, headers, body) in lists.items()})
        total = sum(len(body) for _, _, body in lists.values())
        title, headers, body = lists[1]
        body = (body * (rows // max(len(body), 1) + 1))[:rows]
        single = write_xlsx(Path(folder) / "list-1.xlsx", {"List 1": [headers] + body})
        size = whole.stat().st_size / 2**20
        print(f"workbooks: whole Annex A {total:,} rows in {len(lists)} lists ({size:.1f} MiB); "
              f"List 1 alone {rows:,} rows ({single.stat().st_size / 2**20:.1f} MiB)")
        print(f"{'workbook':<22} {'reader':<9} {'cells only':>11} {'annex-a loader':>15}")
        for label, path in (("whole Annex A", whole), ("List 1 alone", single)):
            tables = {}
            for reader, cells in (("calamine", read_cells_calamine), ("openpyxl", read_cells_openpyxl)):
                if reader not in args.readers:
                    continue
                raw = median_seconds(lambda: cells(path), args.repeat)
                loader = median_seconds(lambda: tables.__setitem__(reader, read_annex_a(path, excel_reader=reader)),
                                        args.repeat)
                print(f"{label:<22} {reader:<9} {raw:>10.2f}s {loader:>14.2f}s")
            if len(tables) < 2:
                continue
            first, second = tables["calamine"], tables["openpyxl"]
            assert sorted(first) == sorted(second)
            for name in first:
                for column in first[name].columns:
                    assert [str(v) for v in first[name][column].to_numpy()] == \
                        [str(v) for v in second[name][column].to_numpy()], (name, column)


        folder_csv = Path(folder) / "csv"
        folder_csv.mkdir()
        with open(folder_csv / "List 1.csv", "w", newline="", encoding="utf-8") as stream:
            csv.writer(stream).writerows([headers] + [[_uk_cell(v) for v in row] for row in body])
        seconds = median_seconds(lambda: read_annex_a(folder_csv), args.repeat)
        print(f"{'List 1 alone, as CSV':<22} {'-':<9} {'':>11} {seconds:>14.2f}s")


if __name__ == "__main__":
    main()
