"""The annex-a loader (plugins/annex-a): workbooks and CSV folders as councils produce them."""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import indicators
from indicators._xlsx import write_xlsx
from returns import annex_a

from indicators_annex_a._codes import read_code
from indicators.extracts import date_text
from indicators_annex_a._text import age_text
from indicators_annex_a._spec import (ABUSE, ACTIVITY, ETHNICITY, GENDER, LEGAL_STATUS, LISTS, PLACEMENT_TYPE,
                                      PRIMARY_NEED, SOURCE, YES_NO)

read_annex_a = annex_a.read_annex_a
LIST_1 = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)", "Date of Contact",
          "Contact Source"]


def readers() -> list[str]:
    found = []
    for name, module in (("calamine", "python_calamine"), ("openpyxl", "openpyxl")):
        try:
            __import__(module)
            found.append(name)
        except ImportError:
            pass
    return found


def dates(table: indicators.Table, column: str) -> list[str | None]:
    return [None if np.isnat(d) else str(d) for d in table[column].to_numpy()]


def test_the_template_layout_a_title_row_above_the_headers_is_read(tmp_path):
    """Ofsted's template puts the list's title in row 1 and the headers in row 2."""
    path = write_xlsx(tmp_path / "a.xlsx", {"List_1": [["List 1: Contacts"], LIST_1,
                                                      ["7", "a) Male", "a) WBRI", datetime.date(2010, 5, 1), 6,
                                                       datetime.date(2017, 1, 3), "q) 6: Police"]]})
    table = read_annex_a(path)["annex_a_contacts"]
    assert ["child_id", "gender", "ethnicity", "date_of_birth", "age", "contact_on", "source"] == list(table.columns)
    assert ["7", "male", "WBRI", "6"] == [table[c].to_numpy()[0] for c in ("child_id", "gender", "ethnicity", "source")]
    assert ["2017-01-03"] == dates(table, "contact_on")
    assert "row 1 (line 3 of a.xlsx sheet 'List_1')" == table.row_label(0)


@pytest.mark.parametrize("reader", readers())
def test_excel_dates_serials_uk_and_iso_text_all_read_and_the_rest_is_counted(tmp_path, reader):
    """The same day written five ways reads as that day with either Excel reader; text that
    is not a date is counted as unreadable, not dropped."""
    rows = [["1", "M", "WBRI", None, 1, value, "6"] for value in (
        datetime.date(2020, 9, 16), datetime.datetime(2020, 9, 16, 0, 0), 44090, "16/09/2020", "2020-09-16",
        "16/9/2020 00:00", "44090", "next week")]
    path = write_xlsx(tmp_path / "a.xlsx", {"List 1": [LIST_1] + rows})
    table = read_annex_a(path, excel_reader=reader)["annex_a_contacts"]
    assert ["2020-09-16"] * 7 + [None] == dates(table, "contact_on")
    assert 1 == table["contact_on"].unreadable
    assert [(7, "next week")] == list(table["contact_on"].unreadable_examples)
    assert 8 == table.n_rows


def test_known_header_variants_match_as_liia_tools_matches_them(tmp_path):
    """Case, spacing, punctuation, curly quotes and councils' own wordings (FORMATS.md 1.6 item 4)."""
    list_8 = [c.header for c in LISTS[8].columns]
    variants = {"Age of Child (Years)": "Age",
                "Date Ceased to be Looked After": "Date Ceased to be Looked After ",
                "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)":
                    "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N))",
                "Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months":
                    "Number of Episodes the Child has been \u2018Missing\u2019 from their Placement in the last "
                    "12 months",
                "Child Unique ID": "child  unique id", "Placement Type": "PLACEMENT_TYPE"}
    headers = [variants.get(h, h) for h in list_8]
    path = write_xlsx(tmp_path / "a.xlsx", {"List_8 Children in care": [headers, ["1"] + [None] * (len(headers) - 1)]})
    table = read_annex_a(path)["annex_a_children_in_care"]
    assert [c.name for c in LISTS[8].columns] == list(table.columns)
    list_4 = [c.header for c in LISTS[4].columns]
    list_4[list_4.index("Was the child assessed as requiring LA children's social care support?")] = \
        "Was the child assessed as requiring LA children\u2019s social care support"
    path = write_xlsx(tmp_path / "b.xlsx", {"Assessments": [list_4]})  # found by its headers
    assert 0 == read_annex_a(path)["annex_a_assessments"].n_rows


@given(st.dates(min_value=datetime.date(1900, 3, 1), max_value=datetime.date(2099, 12, 31)))
def test_every_way_a_spreadsheet_holds_a_date_reads_as_that_date(day):
    """Excel dates and datetimes, serial numbers (as numbers and as digits), UK text with
    and without leading zeros or a time, and ISO text."""
    serial = (day - datetime.date(1899, 12, 30)).days
    forms = [day, datetime.datetime.combine(day, datetime.time(0, 0)),
             day.strftime("%d/%m/%Y"), f"{day.day}/{day.month}/{day.year}", day.strftime("%d/%m/%Y 00:00:00"),
             day.isoformat(), f"{day.isoformat()}T00:00:00"]
    if day.year >= 1910:  # serials read only from 1910 to 2099
        forms += [serial, float(serial), str(serial), serial + 0.75, f"{serial}.75"]
    table = indicators.table_from_mapping("t", {"day": [date_text(form) for form in forms]}, {"day": "date"})
    assert [day.isoformat()] * len(forms) == [str(d) for d in table["day"].to_numpy()]


CODED = (ETHNICITY, SOURCE, PRIMARY_NEED, LEGAL_STATUS, PLACEMENT_TYPE, ACTIVITY)
WORDED = (YES_NO, GENDER, ABUSE)


@given(st.sampled_from(CODED).flatmap(lambda v: st.tuples(st.just(v), st.sampled_from(v.values))),
       st.sampled_from("abcdefghijklmnopqrs"), st.sampled_from(["{c}", "{l}) {c}", "{l}) {c}: Some label",
                                                               "{c} - Some label", "{c}: label", " {c} ",
                                                               "{l}) {lc}"]))
def test_any_form_of_a_code_reads_to_the_code(vocabulary_and_code, letter, form):
    """Bare, lettered, labelled and lower-case forms of every code of every coded list."""
    vocabulary, code = vocabulary_and_code
    assert code == read_code(form.format(c=code, l=letter, lc=code.lower()), vocabulary)


@pytest.mark.parametrize(("vocabulary", "letter"), [(v, letter) for v in WORDED for letter in v.letters])
def test_lettered_labels_read_to_their_value_with_or_without_the_letter(vocabulary, letter):
    value = vocabulary.letters[letter]
    for text in (f"{letter}) {value.title()}", value.upper(), f" {value} ", f"{letter}) {value}"):
        assert value == read_code(text, vocabulary), text


@pytest.mark.parametrize(("cell", "expected"), [(6.1382614647501708, "6"), ("6.9", "6"), (7, "7"), ("<1", "0"),
                                              ("11 months", "0"), ("-1", "-1"), ("unborn", "unborn")])
def test_ages_read_as_whole_years_as_liia_tools_reads_them(cell, expected):
    """Fractional ages (the liia-tools sample's), "<1" and months; other text stays to be counted."""
    assert expected == age_text(cell)


@pytest.mark.parametrize(("text", "vocabulary", "expected"), [
    ("q) 6: Police", SOURCE, "6"), ("b) 1B: Individual", SOURCE, "1B"), ("6", SOURCE, "6"),
    ("a) WBRI", ETHNICITY, "WBRI"), ("WBRI - White British", ETHNICITY, "WBRI"),
    ("N1 - Abuse or Neglect", PRIMARY_NEED, "N1"), ("C2: FCO", LEGAL_STATUS, "C2"),
    ("f) U6: Foster placement - not FFA", PLACEMENT_TYPE, "U6"), ("F1) Full time in higher education", ACTIVITY, "F1"),
    ("Female", GENDER, "female"), ("b) Female", GENDER, "female"), ("2", GENDER, "female"), ("F", GENDER, "female"),
    ("a) Yes", YES_NO, "yes"), ("No", YES_NO, "no"), ("c) Unknown", YES_NO, "unknown"),
    ("e) Multiple/not recommended", ABUSE, "multiple"), ("Martian", GENDER, None), ("zz) 99", SOURCE, None)])
def test_lettered_and_bare_codes_read_to_one_value(text, vocabulary, expected):
    """Ofsted's lettered forms and bare codes (FORMATS.md 1.6 item 5); anything else is unknown."""
    assert expected == read_code(text, vocabulary)


def test_unknown_codes_are_kept_as_written_and_counted(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"List 1": [LIST_1, ["1", "Martian", "WBRI", None, 1, "01/01/2017", "6"],
                                                      ["2", "a) Male", "WBRI", None, 1, "01/01/2017", "6"]]})
    gender = read_annex_a(path)["annex_a_contacts"]["gender"]
    assert ["Martian", "male"] == list(gender.to_numpy())
    assert (1, ((0, "Martian"),)) == (gender.unknown_codes, gender.unknown_examples)


def test_a_misspelt_header_is_one_message_naming_workbook_sheet_column_and_closest_header(tmp_path):
    headers = LIST_1[:5] + ["Date of Contcat", "Contact Source"]
    path = write_xlsx(tmp_path / "a.xlsx", {"List 1": [headers]})
    with pytest.raises(indicators.DataError) as caught:
        read_annex_a(path)
    assert [f"{path}: sheet 'List 1', column 'Date of Contcat': List 1 (Contacts) has no column 'Date of Contact', "
            "and this header matches no column; is it 'Date of Contact'?"] == [str(p) for p in caught.value.problems]


def test_a_missing_column_and_an_unknown_header_are_named(tmp_path):
    """A header like no missing column is reported on its own, and so is the missing column."""
    path = write_xlsx(tmp_path / "a.xlsx", {"List 1": [LIST_1[:6] + ["Favourite colour"]]})
    with pytest.raises(indicators.DataError) as caught:
        read_annex_a(path)
    assert [f"{path}: sheet 'List 1', column 'Favourite colour': unknown header in List 1 (Contacts)",
            f"{path}: sheet 'List 1': List 1 (Contacts) has no column 'Contact Source'"] == \
        [str(p) for p in caught.value.problems]
    path = write_xlsx(tmp_path / "b.xlsx", {"List 1": [LIST_1 + ["Contact Sauce"]]})
    with pytest.raises(indicators.DataError) as caught:
        read_annex_a(path)
    assert [f"{path}: sheet 'List 1', column 'Contact Sauce': unknown header in List 1 (Contacts); the closest "
            "known header is 'Contact Source'"] == [str(p) for p in caught.value.problems]


def test_an_unknown_sheet_is_named_and_template_sheets_are_skipped(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"Front_Sheet": [["Annex A"]], "Guidance": [["read me", "please"]],
                                            "List 1": [LIST_1], "Sheet3": [["x", "y"], ["1", "2"]]})
    with pytest.raises(indicators.DataError) as caught:
        read_annex_a(path)
    assert [f"{path}: sheet 'Sheet3': unknown sheet: its name does not say which list it holds (such as 'List 1') "
            "and none of its first rows holds the headers of an Annex A list"] == \
        [str(p) for p in caught.value.problems]


def test_a_csv_file_of_no_list_in_a_folder_is_named(tmp_path):
    (tmp_path / "List 1.csv").write_text(",".join(LIST_1) + "\n", encoding="utf-8")
    (tmp_path / "extra.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(indicators.DataError) as caught:
        read_annex_a(tmp_path)
    assert [f"{tmp_path / 'extra.csv'}: unknown file: its name does not say which list it holds (such as 'List 1') "
            "and none of its first rows holds the headers of an Annex A list"] == \
        [str(p) for p in caught.value.problems]


def test_whole_blank_rows_are_skipped_and_row_numbers_stay_the_sheets(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"List 1": [LIST_1, ["1", "M", "WBRI", None, 1, "01/01/2017", "6"],
                                                      [None] * 7, ["2", "M", "WBRI", None, 1, "bad", "6"]]})
    table = read_annex_a(path, strict=False)["annex_a_contacts"]
    assert 2 == table.n_rows
    with pytest.raises(indicators.DataError) as caught:
        read_annex_a(path, strict=True)
    assert [f"{path}: sheet 'List 1', column 'Date of Contact': row 4: cannot read 'bad' as date"] == \
        [str(p) for p in caught.value.problems]


def write_csv_list(path, rows, encoding):
    text = "\r\n".join(",".join(row) for row in rows) + "\r\n"
    path.write_bytes(text.encode(encoding))


def test_a_folder_of_windows_1252_csv_files_reads_by_name_and_encoding(tmp_path):
    """What Excel writes on council PCs: Windows-1252, curly quotes in headers, UK dates."""
    headers = [c.header for c in LISTS[8].columns]
    headers = [h.replace("'Missing'", "\u2018Missing\u2019") for h in headers]
    row = ["9", "b) Female", "WBRI", "01/02/2008", "9"] + [""] * (len(headers) - 5)
    row[headers.index("Allocated Worker")] = "Zo\u00eb Smith"
    row[headers.index("Date Started to be Looked After")] = "3/4/2016"
    write_csv_list(tmp_path / "List 8 Children in care.csv", [headers, row], "cp1252")
    table = read_annex_a(tmp_path)["annex_a_children_in_care"]
    assert ["Zo\u00eb Smith"] == list(table["allocated_worker"].to_numpy())
    assert ["2016-04-03"] == dates(table, "started_on")
    assert ["Zo\u00eb Smith"] == list(read_annex_a(tmp_path, encoding="windows-1252")
                                      ["annex_a_children_in_care"]["allocated_worker"].to_numpy())
    with pytest.raises(indicators.DataError) as caught:
        read_annex_a(tmp_path, encoding="utf-8")
    assert "not UTF-8 (byte 0x91 on line 1)" in str(caught.value)


def test_a_csv_file_neither_utf8_nor_windows_1252_is_one_clear_message(tmp_path):
    (tmp_path / "List 1.csv").write_bytes(",".join(LIST_1).encode() + b"\r\n1,M,WBRI,,1,01/01/2017,\x81\x9d\r\n")
    with pytest.raises(indicators.DataError) as caught:
        read_annex_a(tmp_path)
    assert [f"{tmp_path / 'List 1.csv'}: cannot decode the file: not UTF-8 (byte 0x81 on line 2); not Windows-1252 "
            "(byte 0x81 on line 2); save it as 'CSV UTF-8' from Excel, or pass encoding='windows-1252' or "
            "encoding='utf-8' to the loader"] == [str(p) for p in caught.value.problems]
    with pytest.raises(indicators.DataError, match="unknown encoding 'ebcdic'"):
        read_annex_a(tmp_path, encoding="ebcdic")


@pytest.mark.skipif(len(readers()) < 2, reason="needs both python-calamine and openpyxl")
def test_calamine_and_openpyxl_give_the_same_tables(tmp_path):
    from indicators.demo._returns import annex_a_lists, write_annex_a

    write_annex_a(annex_a_lists(scale=0.05), tmp_path)
    first = read_annex_a(tmp_path / "annex-a.xlsx", excel_reader="calamine")
    second = read_annex_a(tmp_path / "annex-a.xlsx", excel_reader="openpyxl")
    from_csv = read_annex_a(tmp_path / "annex-a-csv")
    assert sorted(first) == sorted(second) == sorted(from_csv)
    for name in first:
        for other in (second, from_csv):
            for column in first[name].columns:
                left, right = first[name][column].to_numpy(), other[name][column].to_numpy()
                assert [str(v) for v in left] == [str(v) for v in right], (name, column)


def test_a_stray_quote_in_a_csv_list_is_an_error_naming_its_line(tmp_path):
    rows = [LIST_1] + [[f"C{n}", "a) Male", "WBRI", "01/02/2010", "6", "01/04/2016", "1A"] for n in range(5)]
    text = "\n".join(",".join(row) for row in rows) + "\n"
    text = text.replace("C2,", '"C2,')
    (tmp_path / "List 1.csv").write_text(text)
    with pytest.raises(indicators.DataError, match=r"List 1.csv:4: unbalanced quote: the quoted cell starting on line 4"):
        read_annex_a(tmp_path)


def _rewrite_zip(source, target, change):
    import zipfile

    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            data = change(item.filename, old.read(item.filename))
            if data is not None:
                new.writestr(item, data)
    return target


@pytest.mark.parametrize("reader", readers())
@pytest.mark.parametrize("damage", ["cut sheet", "no workbook.xml"])
def test_a_damaged_workbook_is_one_message_naming_it(tmp_path, reader, damage):
    rows = [[f"C{n}", "a) Male", "WBRI", datetime.date(2010, 2, 1), 6, datetime.date(2016, 4, 1), "1A"]
            for n in range(50)]
    good = write_xlsx(tmp_path / "good.xlsx", {"List 1": [LIST_1] + rows})

    def change(name, data):
        if damage == "cut sheet" and name.startswith("xl/worksheets/sheet"):
            return data[: len(data) // 2]
        if damage == "no workbook.xml" and name == "xl/workbook.xml":
            return None
        return data

    bad = _rewrite_zip(good, tmp_path / "bad.xlsx", change)
    with pytest.raises(indicators.DataError) as caught:
        read_annex_a(bad, excel_reader=reader)
    [problem] = caught.value.problems
    assert str(problem).startswith(f"{bad}") and "cannot read" in str(problem)


@pytest.mark.parametrize(("text", "expected"), [("No further action", None), ("No (Unknown)", None),
                                                ("Not sure", None), ("Yes.", "yes"), ("N", "no"),
                                                ("b) No", "no"), ("Not known", "unknown")])
def test_a_yes_no_answer_reads_whole_never_by_its_first_word(text, expected):
    """"No further action" answers "Referral NFA?" yes, so it must not read as no: unknown or
    ambiguous answers are kept as written and counted as unknown codes."""
    assert expected == read_code(text, YES_NO)


@pytest.mark.parametrize("reader", readers())
def test_excel_errors_formulas_without_values_and_serials_before_1900_are_unreadable_with_either_reader(
        tmp_path, reader):
    """calamine gives an error cell and a formula with no saved value as blank, openpyxl
    gives "#N/A" and blank; a date-formatted -5 is a time to calamine and 25 December 1899
    to openpyxl. Each is counted unreadable, the same with both readers."""
    rows = [["1", "M", "WBRI", None, 1, value, "6"] for value in ("ERR", "FORM", -5, 0.5, datetime.date(2017, 1, 1))]
    good = write_xlsx(tmp_path / "good.xlsx", {"List 1": [LIST_1] + rows})

    def change(name, data):
        if not name.startswith("xl/worksheets/sheet"):
            return data
        text = data.decode()
        for ref, was, now in (("F2", '<is><t xml:space="preserve">ERR</t></is>', '<v>#N/A</v>'),
                              ("F3", '<is><t xml:space="preserve">FORM</t></is>', '<f>TODAY()</f>')):
            text = text.replace(f'<c r="{ref}" t="inlineStr">{was}</c>',
                                f'<c r="{ref}" s="1"{" t=" + chr(34) + "e" + chr(34) if ref == "F2" else ""}>{now}</c>')
        text = text.replace('<c r="F4"><v>-5</v>', '<c r="F4" s="1"><v>-5</v>')
        text = text.replace('<c r="F5"><v>0.5</v>', '<c r="F5" s="1"><v>0.5</v>')
        return text.encode()

    path = _rewrite_zip(good, tmp_path / "odd.xlsx", change)
    table = read_annex_a(path, excel_reader=reader)["annex_a_contacts"]
    assert [None, None, None, None, "2017-01-01"] == dates(table, "contact_on")
    assert 4 == table["contact_on"].unreadable
    assert [(0, "#N/A"), (1, "=TODAY() (a formula with no saved value)"), (2, "-5"), (3, "0.5")] == \
        list(table["contact_on"].unreadable_examples)
    assert 5 == table.n_rows


@pytest.mark.parametrize(("cell", "expected"), [("2016", "2016"), ("1", "1"), (2016, "2016"), (1.0, "1"),
                                                ("42650.75", "2016-10-07"), (42650.75, "2016-10-07"),
                                                ("42650", "2016-10-07"), ("99999", "99999"), (-5, "-5")])
def test_serial_numbers_read_as_dates_only_in_a_plausible_range(cell, expected):
    """A year ("2016") or a count in a date column is not a day in 1905 or 1899: serials
    read only from 1910 to 2099 (with a time of day allowed), else they are unreadable."""
    assert expected == date_text(cell)


def test_a_csv_row_longer_than_its_header_is_an_error_naming_its_line(tmp_path):
    rows = [LIST_1] + [[f"C{n}", "a) Male", "WBRI", "01/02/2010", "6", "01/04/2016", "1A"] for n in range(3)]
    rows[2] = rows[2] + ["", "stray"]
    rows[3] = rows[3] + ["", ""]  # empty cells beyond the header are fine
    (tmp_path / "List 1.csv").write_text("\n".join(",".join(row) for row in rows) + "\n")
    with pytest.raises(indicators.DataError) as caught:
        read_annex_a(tmp_path)
    assert [f"{tmp_path / 'List 1.csv'}:3: row has 9 cells but the header has 7, and the cells beyond it are not "
            "empty (a comma inside a cell that is not quoted?)"] == [str(p) for p in caught.value.problems]


def test_a_header_unlike_any_missing_column_gets_no_nonsense_suggestion(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"List 1": [LIST_1[:5] + ["Date Closed", "Contact Source"]]})
    with pytest.raises(indicators.DataError) as caught:
        read_annex_a(path)
    assert [f"{path}: sheet 'List 1', column 'Date Closed': unknown header in List 1 (Contacts)",
            f"{path}: sheet 'List 1': List 1 (Contacts) has no column 'Date of Contact'"] == \
        [str(p) for p in caught.value.problems]


def test_a_stray_quote_closed_by_another_in_a_csv_list_is_still_an_error(tmp_path):
    rows = [LIST_1] + [[f"C{n}", "a) Male", "WBRI", "01/02/2010", "6", "01/04/2016", "1A"] for n in range(5)]
    text = "\n".join(",".join(row) for row in rows) + "\n"
    text = text.replace("C1,", '"C1,').replace("C3,a) Male", 'C3",a) Male')
    (tmp_path / "List 1.csv").write_text(text)
    with pytest.raises(indicators.DataError, match=r"List 1.csv:3: a quoted cell starting on line 3 runs on to line 5"):
        read_annex_a(tmp_path)
