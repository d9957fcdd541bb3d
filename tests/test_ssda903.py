"""The ssda903 loader (plugins/ssda903): the return's CSV files, one year or several."""

from __future__ import annotations

import numpy as np
import pytest

import indicators
from returns import registry, ssda903

from indicators_ssda903._loader import collection_end

read_ssda903 = ssda903.read_ssda903
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"


def write(path, text: str, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))


def values(table: indicators.Table, column: str) -> list:
    return [None if v is None or (isinstance(v, np.datetime64) and np.isnat(v)) else str(v)
            for v in table[column].to_numpy()]


def test_one_years_files_read_with_their_quirks(tmp_path):
    """UK dates, a byte-order mark, CHILD written as a float, an extra column and a dirty
    code (liia-tools' own sample episodes file has both) are read, not refused."""
    write(tmp_path / "2020" / "SSDA903_2020_episodes.csv", EPISODES + ",TEST_COLUMN\n"
          "1213.0,01/04/2019,S,C2,N1,U6,PR1,,,,AB1 2CD,C251YT,,x\n"
          "7,1/5/2019,*DUMMY*,C2,N1,U6,PR1,01/06/2020,E11,,,,,\n")
    write(tmp_path / "2020" / "header.csv", "\ufeffCHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n1213,1,01/02/2010,WBRI,,,\n")
    tables = read_ssda903(tmp_path / "2020")
    episodes = tables["episodes"]
    assert ["1213", "7"] == values(episodes, "child")
    assert ["2019-04-01", "2019-05-01"] == values(episodes, "decom")
    assert [None, "2020-06-01"] == values(episodes, "dec")
    assert ["S", "*DUMMY*"] == values(episodes, "rne")
    assert (1, ((1, "*DUMMY*"),)) == (episodes["rne"].unknown_codes, episodes["rne"].unknown_examples)
    assert ["x", None] == values(episodes, "test_column")
    assert ["2020-03-31", "2020-03-31"] == values(episodes, "collection_end")
    assert ["2010-02-01"] == values(tables["header"], "dob")
    assert "row 2 (line 3 of SSDA903_2020_episodes.csv)" == episodes.row_label(1)


def test_several_years_merge_keeping_the_latest_years_row_of_each_episode(tmp_path):
    write(tmp_path / "2016" / "episodes.csv", EPISODES + "\n1,01/04/2015,S,C2,N1,U6,PR1,,,,,,\n")
    write(tmp_path / "2017" / "episodes.csv", EPISODES + "\n1,01/04/2015,S,C2,N1,U6,PR1,03/03/2017,X1,CARPL,,,\n"
                                              "1,03/03/2017,P,C2,N1,U4,PR1,,,,,,\n")
    episodes = read_ssda903(tmp_path)["episodes"]
    assert [("2015-04-01", "2017-03-03", "2017-03-31"), ("2017-03-03", None, "2017-03-31")] == \
        sorted(zip(values(episodes, "decom"), values(episodes, "dec"), values(episodes, "collection_end")))


def test_unknown_codes_reach_the_results_notes(tmp_path):
    write(tmp_path / "episodes.csv", EPISODES + "\n1,01/04/2016,S,C2,N1,U6,PR1,,,,,,\n"
                                                "2,01/04/2016,S,ZZ,N1,U6,PR1,,,,,,\n")
    write(tmp_path / "header.csv", "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n1,1,01/02/2010,WBRI,,,\n")
    write(tmp_path / "oc2.csv", "CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,"
                                "HEALTH_ASSESSMENT,SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED\n")
    write(tmp_path / "oc3.csv", "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\n")
    pack = indicators.load_pack("ssda903", registry=registry())
    results = indicators.evaluate(pack, tmp_path, "2016-04", "2016-04", loader="ssda903")
    lac = next(r for r in results if r.indicator == "lac_count")
    assert 2.0 == lac.value  # ZZ is not V3 or V4: both children count, and the unknown code is noted
    assert {"unknown code (episodes.ls)": 1} == {k: v for k, v in lac.notes.items() if k.startswith("unknown")}


def test_a_missing_column_names_the_file_and_the_closest_header(tmp_path):
    write(tmp_path / "episodes.csv", EPISODES.replace("DECOM", "DECOMM") + "\n")
    with pytest.raises(indicators.DataError) as caught:
        read_ssda903(tmp_path)
    assert [f"{tmp_path / 'episodes.csv'}:1: the Episodes table has no column 'DECOM'; the closest header present "
            "is 'DECOMM'"] == [str(p) for p in caught.value.problems]


def test_a_file_of_no_known_table_is_named(tmp_path):
    write(tmp_path / "notes.csv", "A,B\n1,2\n")
    with pytest.raises(indicators.DataError, match="notes.csv:1: not an SSDA903 table"):
        read_ssda903(tmp_path)


def test_windows_1252_files_read_and_undecodable_ones_are_one_message(tmp_path):
    write(tmp_path / "episodes.csv", EPISODES + "\n1,01/04/2016,S,C2,N1,U6,PR1,,,,,Caf\u00e9 Road,\n", "cp1252")
    assert ["Caf\u00e9 Road"] == values(read_ssda903(tmp_path)["episodes"], "pl_post")
    with pytest.raises(indicators.DataError, match=r"not UTF-8 \(byte 0xe9 on line 2\)"):
        read_ssda903(tmp_path, encoding="utf-8")


@pytest.mark.parametrize(("folder", "expected"), [("2017", "2017-03-31"), ("2016-17", "2017-03-31"),
                                                  ("201617", "2017-03-31"), ("ssda903_1617", "2017-03-31"),
                                                  ("returns", "")])
def test_the_collection_year_comes_from_the_folders_name(folder, expected):
    assert expected == collection_end(folder)


@pytest.mark.parametrize("line", ['"3,01/04/2016,S,C2,N1,U6,PR1,,,,,,', '3,"01/04/2016,S,C2,N1,U6,PR1,,,,,,'])
def test_a_stray_quote_is_an_error_naming_its_line_not_a_cell_that_swallows_the_rest(tmp_path, line):
    rows = [f"{n},01/04/2016,S,C2,N1,U6,PR1,,,,,," for n in range(1, 6)]
    rows[2] = line
    write(tmp_path / "episodes.csv", EPISODES + "\n" + "\n".join(rows) + "\n")
    with pytest.raises(indicators.DataError, match=r"episodes.csv:4: .*quoted cell starting on line 4"):
        read_ssda903(tmp_path)


def test_a_stray_quote_closed_by_another_is_still_an_error(tmp_path):
    write(tmp_path / "episodes.csv", EPISODES + "\n1,01/04/2016,S,C2,N1,U6,PR1,,,,,,\n"
                                                '"2,01/04/2016,S,C2,N1,U6,PR1,,,,,,\n3,01/04/2016,S,C2,N1,U6,PR1,,,,,,"\n')
    with pytest.raises(indicators.DataError, match=r"episodes.csv:3: .*quoted cell starting on line 3"):
        read_ssda903(tmp_path)


def test_loose_files_beside_year_folders_are_an_error_not_a_silently_wrong_merge(tmp_path):
    write(tmp_path / "2016" / "episodes.csv", EPISODES + "\n1,01/04/2015,S,C2,N1,U6,PR1,,,,,,\n")
    write(tmp_path / "episodes.csv", EPISODES + "\n1,01/04/2015,S,C2,N1,U6,PR1,03/03/2017,X1,CARPL,,,\n")
    with pytest.raises(indicators.DataError, match="holds both CSV files .* and folders of them"):
        read_ssda903(tmp_path)


def test_a_year_folder_holding_another_years_return_is_an_error(tmp_path):
    write(tmp_path / "2016" / "episodes.csv", EPISODES + "\n1,01/04/2015,S,C2,N1,U6,PR1,,,,,,\n")
    write(tmp_path / "2099" / "episodes.csv", EPISODES + "\n1,01/04/2015,S,C2,N1,U6,PR1,03/03/2016,X1,CARPL,,,\n")
    with pytest.raises(indicators.DataError, match=r"2099.episodes.csv: the folder's name \('2099'\) gives the "
                                                   r"collection year 2098-04-01 to 2099-03-31, but no episode"):
        read_ssda903(tmp_path)


def test_year_folders_merge_in_year_order_whatever_their_names(tmp_path):
    write(tmp_path / "a_2017" / "episodes.csv", EPISODES + "\n1,01/04/2015,S,C2,N1,U6,PR1,03/03/2017,X1,CARPL,,,\n")
    write(tmp_path / "b_2016" / "episodes.csv", EPISODES + "\n1,01/04/2015,S,C2,N1,U6,PR1,,,,,,\n")
    assert ["2017-03-03"] == values(read_ssda903(tmp_path)["episodes"], "dec")
    write(tmp_path / "returns" / "episodes.csv", EPISODES + "\n")
    with pytest.raises(indicators.DataError, match="name of folder 'returns' gives no collection year"):
        read_ssda903(tmp_path)


def test_a_years_cohort_in_a_folder_whose_name_gives_no_year_says_how_to_name_it(tmp_path):
    folder = tmp_path / "returns"
    write(folder / "episodes.csv", EPISODES + "\n1,01/04/2016,S,C2,N1,U6,PR1,,,,,,\n")
    write(folder / "oc3.csv", "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\n1,01/02/1998,YES,F1,B1\n")
    with pytest.raises(indicators.DataError, match=r"oc3.csv: the folder's name \('returns'\) gives no collection "
                                                   r"year, .* name the folder for the year the return ends"):
        read_ssda903(folder)
    assert 1 == read_ssda903(folder, only={"episodes"})["episodes"].n_rows


def test_a_year_or_a_small_number_in_a_date_column_is_unreadable_not_a_day_in_1905(tmp_path):
    write(tmp_path / "episodes.csv", EPISODES + "\n1,2016,S,C2,N1,U6,PR1,,,,,,\n2,42650.75,S,C2,N1,U6,PR1,1,,,,,\n")
    episodes = read_ssda903(tmp_path)["episodes"]
    assert [None, "2016-10-07"] == values(episodes, "decom")
    assert (1, ((0, "2016"),)) == (episodes["decom"].unreadable, episodes["decom"].unreadable_examples)
    assert 1 == episodes["dec"].unreadable


def test_strict_names_the_file_under_its_folder_and_quotes_the_cell_as_written(tmp_path):
    write(tmp_path / "2017" / "episodes.csv", EPISODES + "\n1,1/13/2016,S,C2,N1,U6,PR1,,,,,,\n")
    with pytest.raises(indicators.DataError) as caught:
        read_ssda903(tmp_path, strict=True)
    assert [f"{tmp_path / '2017' / 'episodes.csv'}:2: column 'DECOM': cannot read '1/13/2016' as date"] == \
        [str(p) for p in caught.value.problems]


def test_a_closest_header_is_suggested_only_when_it_is_alike(tmp_path):
    write(tmp_path / "episodes.csv", EPISODES.replace(",LS,", ",LAST,") + "\n")
    with pytest.raises(indicators.DataError) as caught:
        read_ssda903(tmp_path)
    assert [f"{tmp_path / 'episodes.csv'}:1: the Episodes table has no column 'LS'"] == \
        [str(p) for p in caught.value.problems]
