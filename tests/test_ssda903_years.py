"""SSDA903 code lists by collection year: a code valid in one year's return and not in
another's is checked against its own year's list, counted per year, never dropped."""

from __future__ import annotations

import pytest

import indicators
from indicators._cli import main
from returns import registry, ssda903
from test_ssda903 import EPISODES, values, write

from indicators_ssda903._loader import ACTIV, PLACE, REC, SEX, codes_for

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"


def episode(child: int, year: int, rec: str = "", place: str = "U6") -> str:
    """An episode that starts in the year ending 31 March ``year`` and, with ``rec``, ends in it."""
    ended = f"01/03/{year}" if rec else ""
    return f"{child},01/05/{year - 1},S,C2,N1,{place},PR1,{ended},{rec},,,,\n"


@pytest.mark.parametrize("codes, year, valid, invalid", [
    (REC, 2018, "E43", "E45"), (REC, 2019, "E45", "E43"),
    (PLACE, 2024, "H5", "K3"), (PLACE, 2025, "K3", "H5"), (PLACE, 2025, "P1", "Z11"), (PLACE, 2026, "Z11", "P2"),
    (ACTIV, 2021, "F3", "F4"), (ACTIV, 2022, "F4", "F3"), (SEX, 2024, "1", "M"), (SEX, 2025, "M", "1"),
    (REC, 2015, "E43", "E45"),  # before the earliest schema (2017): the 2017 list
])
def test_each_years_list_holds_that_years_codes(codes, year, valid, invalid):
    assert valid in codes_for(codes, year) and invalid not in codes_for(codes, year)
    assert {valid, invalid} <= codes_for(codes, None)  # a return whose year is not known: any year's


def test_codes_are_checked_against_their_own_years_list_and_counted_per_year(tmp_path):
    """E43/E44 (special guardianship) became E45-E48 in the 2018-19 return: each year's rows
    are checked against that year's list, and every row is kept."""
    write(tmp_path / "2018" / "episodes.csv", EPISODES + "\n" + episode(1, 2018, "E43") + episode(2, 2018, "E45")
          + episode(3, 2018, "E45"))
    write(tmp_path / "2019" / "episodes.csv", EPISODES + "\n" + episode(4, 2019, "E45") + episode(5, 2019, "E43"))
    rec = ssda903.read_ssda903(tmp_path)["episodes"]["rec"]
    assert (3, (("2017-18 return", 2), ("2018-19 return", 1))) == (rec.unknown_codes, rec.unknown_by)
    pack = indicators.load_pack("ssda903", registry=registry())
    results = indicators.evaluate(pack, tmp_path, "2018-03", "2019-03", loader="ssda903")
    march = results.get("lac_ceased", "2018-03")
    assert 3 == march.value  # the rows with unknown codes are counted, not dropped
    unknown = {k: v for k, v in march.notes.items() if k.startswith("unknown")}
    assert {"unknown code (episodes.rec, 2017-18 return)": 2, "unknown code (episodes.rec, 2018-19 return)": 1} \
        == unknown
    assert 2 == results.get("lac_ceased", "2019-03").value


def test_a_year_is_checked_against_its_list_even_when_a_later_year_allows_the_code(tmp_path):
    """K3 (supported accommodation) is a placement type from the 2024-25 return: in 2023-24 it
    is unknown, in 2024-25 it is not; H5 the other way round."""
    write(tmp_path / "2024-25" / "episodes.csv", EPISODES + "\n" + episode(1, 2025, place="K3")
          + episode(2, 2025, place="H5"))
    write(tmp_path / "2023-24" / "episodes.csv", EPISODES + "\n" + episode(3, 2024, place="K3"))
    place = ssda903.read_ssda903(tmp_path)["episodes"]["place"]
    assert {"K3", "H5"} == set(values(ssda903.read_ssda903(tmp_path)["episodes"], "place"))
    assert (2, (("2023-24 return", 1), ("2024-25 return", 1))) == (place.unknown_codes, place.unknown_by)


def test_a_folder_without_a_year_is_checked_against_every_years_codes(tmp_path):
    write(tmp_path / "episodes.csv", EPISODES + "\n" + episode(1, 2018, "E43") + episode(2, 2019, "E45"))
    write(tmp_path / "header.csv", HEADER + "\n1,1,01/02/2010,WBRI,,,\n2,M,01/02/2010,WBRI,,,\n")
    tables = ssda903.read_ssda903(tmp_path)
    assert (0, ()) == (tables["episodes"]["rec"].unknown_codes, tables["episodes"]["rec"].unknown_by)
    assert 0 == tables["header"]["sex"].unknown_codes


def test_the_command_line_names_the_year_of_each_unknown_code(tmp_path, capsys):
    write(tmp_path / "2018" / "episodes.csv", EPISODES + "\n" + episode(1, 2018, "E45"))
    write(tmp_path / "2019" / "episodes.csv", EPISODES + "\n" + episode(2, 2019, "E45"))
    status = main(["evaluate", str(ssda903.PACK), "--data", str(tmp_path), "--input", "ssda903",
                   "--from", "2018-03", "--to", "2018-03", "--indicator", "lac_ceased", "--quiet"])
    err = capsys.readouterr().err
    assert 0 == status
    assert ("warning: episodes.rec: 1 value(s) (2017-18 return) are not in the column's code list and are kept "
            "as written (row 1: 'E45')") in err
    assert 0 == main(["validate", str(ssda903.PACK), "--data", str(tmp_path), "--input", "ssda903"])
    assert ("warning: episodes.rec: 1 value(s) (1 in the 2017-18 return) are not in the column's code list"
            in capsys.readouterr().err)
