"""Every command of the CLI fails in one line with exit code 2 when the environment lets it down
(an unreachable Postgres, a missing directory), never with a traceback. Bad arguments, dates and
locked DuckDB files: tests/test_generator.py, tests/test_loader.py and tests/test_summary.py."""
import pytest

from conftest import base_env, warehouse_cli


@pytest.mark.parametrize("args", [
    ["access", "tenant-login", "bi_nobody", "tn_001"],
    ["access", "platform-login", "bi_nobody"],
    ["access", "drop-login", "bi_nobody"],
    ["load", "{tmp}", "--target", "postgres"],
    ["generate", "--target", "postgres", "--no-progress"],
    ["api", "key", "create", "--tenant", "tn_001", "--target", "postgres"],
    ["api", "key", "revoke", "--platform", "--target", "postgres"],
    ["report", "--cadence", "weekly", "--as-of-date", "2026-12-06", "--target", "postgres"],
])
def test_an_unreachable_postgres_is_one_line_and_exit_2(tmp_path, args):
    env = base_env(tmp_path)
    env.update(PGHOST="127.0.0.1", PGPORT="1")
    proc = warehouse_cli(env, *[a.format(tmp=tmp_path) for a in args], check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("warehouse: error: "), proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


@pytest.mark.parametrize("args", [[], ["summary", "--duckdb-path"], ["contract", "sync", "--nope"], ["frobnicate"],
                                  ["api", "key", "create"], ["api", "key", "create", "--tenant", "tn-1;drop"],
                                  ["api", "serve", "--target", "bigquery"],
                                  ["report", "--cadence", "daily", "--tenant", "tn-1;drop"],
                                  ["report", "--kind", "marketing", "--cadence", "daily"]])
def test_bad_arguments_to_any_command_are_one_line_and_exit_2(tmp_path, args):
    proc = warehouse_cli(base_env(tmp_path), *args, check=False)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("warehouse: error: "), proc.stderr
