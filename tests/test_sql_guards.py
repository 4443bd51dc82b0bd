"""Guards on the SQL itself: one clock, and no calendar bound written into a model.

Same raw data and as_of_date must give the same marts on any day, in any era: no model, macro or
snapshot may read the wall clock except the one clock (macros/as_of_date.sql) and the build stamp
(macros/build_stamp.sql: when a run wrote a row, a column left out of every comparison across
builds), and none may write a date literal (a floor like '2010-01-01' made every mart empty for
earlier history)."""
import re

import pytest

from conftest import REPO

SQL_FILES = sorted(p for d in ("models", "macros", "snapshots") for p in (REPO / d).rglob("*.sql"))
CLOCK = re.compile(r"\b(current_date|current_timestamp|now\s*\(|getdate\s*\(|sysdate|localtimestamp|"
                   r"run_started_at|modules\.datetime\.(date|datetime)\.(today|now|utcnow))", re.I)
DATE_LITERAL = re.compile(r"'(1[89]|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}'")
ONE_CLOCK = REPO / "macros" / "as_of_date.sql"
BUILD_STAMP = REPO / "macros" / "build_stamp.sql"


def _code(path):
    """The file without Jinja comments and SQL line comments (prose may name a date or a clock)."""
    text = re.sub(r"\{#.*?#\}", "", path.read_text(), flags=re.S)
    return re.sub(r"--[^\n]*", "", text)


def test_the_sql_files_are_found():
    assert len(SQL_FILES) > 50 and {ONE_CLOCK, BUILD_STAMP} <= set(SQL_FILES)


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_no_hidden_clock(path):
    if path in (ONE_CLOCK, BUILD_STAMP):
        assert len(CLOCK.findall(_code(path))) == 1      # each reads the run's start, once
        return
    assert CLOCK.findall(_code(path)) == []


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_no_calendar_bound_written_into_sql(path):
    assert DATE_LITERAL.findall(_code(path)) == []


def test_the_guards_catch_what_they_look_for(tmp_path):
    bad = tmp_path / "bad.sql"
    bad.write_text("select * from x where day >= '2010-01-01' and at < now()  -- '1999-01-01' in a comment is fine")
    assert CLOCK.findall(_code(bad)) and DATE_LITERAL.findall(_code(bad)) == ["20"]
