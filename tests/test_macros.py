"""The clock macro: as_of_date() is the var when set, the run's UTC date otherwise, and rejects non-dates."""
import subprocess
from datetime import datetime, UTC

import pytest

from conftest import BIN, REPO, base_env


def _compile_inline(tmp_path, sql, vars_yaml=None):
    env = base_env(tmp_path)
    env["DBT_DUCKDB_PATH"] = str(tmp_path / "x.duckdb")
    cmd = [str(BIN / "dbt"), "compile", "--inline", sql, "--target-path", str(tmp_path / "target"), "--quiet"]
    if vars_yaml:
        cmd += ["--vars", vars_yaml]
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, check=False, text=True)


def test_as_of_date_renders_the_var(tmp_path):
    proc = _compile_inline(tmp_path, "select {{ as_of_date() }} as d", "{as_of_date: '2024-02-29'}")
    assert proc.returncode == 0, proc.stdout
    assert "cast('2024-02-29' as date)" in proc.stdout


def test_as_of_date_defaults_to_the_run_date(tmp_path):
    proc = _compile_inline(tmp_path, "select {{ as_of_date() }} as d")
    assert proc.returncode == 0, proc.stdout
    assert f"cast('{datetime.now(UTC).date().isoformat()}' as date)" in proc.stdout


@pytest.mark.parametrize("bad", ["21/11/2026", "2026-02-30", "yesterday"])
def test_invalid_as_of_date_fails_with_a_clear_message(tmp_path, bad):
    proc = _compile_inline(tmp_path, "select {{ as_of_date() }} as d", f"{{as_of_date: '{bad}'}}")
    assert proc.returncode != 0
    assert "as_of_date must be a YYYY-MM-DD date" in proc.stdout + proc.stderr
