"""The two CSV readers (pyarrow's, when installed, and the plain one) read alike."""

from __future__ import annotations

import pytest

import indicators


def write(path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))


@pytest.mark.parametrize("text, typed", [
    ("id,d,x,s\n1,2017-01-31,1.5,a\n2,31/01/2017,,b\n3,2017-02-30,2, c\n4,,3,\n", False),  # text, then our rules
    ("id,d,x,s\n1,2017-01-31,1.5,b\n2,,,a\n3,2016-02-29,2,b\n-4,1900-01-01,3e2,\n", True),  # parsed as read
    ("id,d,x,s\n1,2017-01-31,inf,b\n", False),
])
def test_the_arrow_reader_and_the_plain_reader_agree(tmp_path, monkeypatch, text, typed):
    pytest.importorskip("pyarrow")
    from indicators import _loaders

    write(tmp_path / "t.csv", text)
    schema = {"id": "int", "d": "date", "x": "float", "s": "str"}
    typed_columns = []
    original = _loaders._column_from_typed_arrow
    monkeypatch.setattr(_loaders, "_column_from_typed_arrow",
                        lambda name, *args, **kwargs: typed_columns.append(name) or original(name, *args, **kwargs))
    for declared in (schema, None):  # declared types, or types inferred from the first rows
        typed_columns.clear()
        with_arrow = indicators.read_csv_table(tmp_path / "t.csv", schema=declared)
        if declared:
            assert (sorted(schema) if typed else []) == sorted(typed_columns)
        with monkeypatch.context() as plain_only:
            plain_only.setattr(_loaders, "_read_plain_with_arrow", lambda *args: None)
            plain = indicators.read_csv_table(tmp_path / "t.csv", schema=declared)
        for name in schema:
            a, b = with_arrow[name], plain[name]
            assert (a.type, a.declared) == (b.type, b.declared), name
            assert list(map(str, a.to_numpy())) == list(map(str, b.to_numpy())), name
            assert list(a.missing_mask()) == list(b.missing_mask()), name
            assert a.unreadable == b.unreadable, name
