"""What `make demo` shows after its build: the build warns only about quarantined (planted bad)
rows, once per raw table, and `warehouse summary` accounts for every raw row per source, names
the as-of date and each tenant's headline numbers, and fails in one line on a missing or locked
file. Its figures are held to counts read here straight from the warehouse's tables."""
import re
import subprocess

import pytest

from conftest import AS_OF, BIN, REPO, TENANTS, contract_table_count, duck_query

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_the_demo_build_warns_only_about_quarantined_rows(duckdb_warehouse):
    warned = [ANSI.sub("", line) for line in duckdb_warehouse.build.stdout.splitlines() if "[WARN" in ANSI.sub("", line)]
    assert warned, "the generator plants bad rows: the build should report them"
    stray = [line for line in warned if not re.search(r"quarantine_\w+_is_empty", line)]
    assert stray == []
    assert len(warned) <= contract_table_count()      # at most one warning per raw table


@pytest.fixture(scope="module")
def summary(duckdb_warehouse) -> str:
    proc = subprocess.run([str(BIN / "warehouse"), "summary", "--duckdb-path", duckdb_warehouse.env["DBT_DUCKDB_PATH"]],
                          cwd=REPO, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _relations(wh, schema: str, prefix: str = "") -> list[str]:
    return [t for (t,) in duck_query(wh, f"select table_name from information_schema.tables "
                                         f"where table_schema = '{schema}' and table_name like '{prefix}%'")]


def _rows(wh, schema: str, tables: list[str]) -> int:
    return sum(duck_query(wh, f'select count(*) from "{schema}"."{t}"')[0][0] for t in tables)


def test_the_summary_accounts_for_every_raw_row_per_source(duckdb_warehouse, summary):
    wh = duckdb_warehouse
    lines = {line.split()[0]: line.split()[1:] for line in summary.splitlines() if re.match(r"^\w+\s+[\d,]+\s", line)}
    for source in ("crm", "billing", "commerce", "messaging"):
        raw, staged, quarantined, redelivered = (int(v.replace(",", "")) for v in lines[source])
        assert raw == _rows(wh, f"raw_{source}", _relations(wh, f"raw_{source}")), source
        # staged: the stg_ models only (tables and the web-events view), never the base tables under them
        assert staged == _rows(wh, "staging", _relations(wh, "staging", f"stg_{source}__")), source
        assert quarantined == duck_query(wh, "select count(*) from quarantine.quarantine_rows "
                                             f"where source_table like 'raw_{source}.%'")[0][0], source
        assert quarantined > 0, f"{source}: the generator plants bad rows in every source"
        assert raw == staged + quarantined + redelivered and redelivered >= 0, source


def test_the_summary_names_the_as_of_date_the_tenants_and_what_to_run_next(summary):
    assert f"built as of {AS_OF.isoformat()}" in summary
    assert "quarantine.quarantine_rows" in summary and "docs/contracts/bad_input.md" in summary
    headline = [line for line in summary.splitlines() if re.match(r"^tn_\d{3}\s", line)]
    assert len(headline) == TENANTS
    for command in ("make docs", "make dagster", "make superset"):
        assert command in summary


def _summary_error(path) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(BIN / "warehouse"), "summary", "--duckdb-path", str(path)],
                          cwd=REPO, capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and proc.stdout == "", proc
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    return proc


def test_summary_on_a_missing_file_is_one_line(tmp_path):
    assert "run `make demo` first" in _summary_error(tmp_path / "absent.duckdb").stderr


def test_summary_on_a_locked_file_is_one_line(tmp_path):
    import duckdb
    path = tmp_path / "busy.duckdb"
    writer = duckdb.connect(str(path))            # another process writing: the file is locked
    try:
        assert "another process may be writing" in _summary_error(path).stderr
    finally:
        writer.close()


def test_summary_on_a_database_without_raw_tables_is_one_line(tmp_path):
    import duckdb
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    assert "holds no raw tables" in _summary_error(path).stderr
