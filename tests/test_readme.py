"""The README is executable: every ```sh block of README.md and docs/*.md runs, in order, in a copy
of the repository (the files git would commit, nothing built), on DuckDB and Postgres, at a small
scale. A README that drifts from the code (a renamed flag, a missing step, a build that needs a
--full-refresh it does not say) fails here.

Commands that serve until stopped (`make dagster`, `make superset`, `make docs`), the replay of the
demo through Dagster (tests/test_dagster.py runs that job) and `make test` (this suite) run as
`make -n`: the target must exist and resolve, without running.
"""
import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from conftest import REPO, pg_test_db, reset_pg_database

BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
DRY_RUN = re.compile(r"^make (test|dagster|dagster-job|superset|docs)\b")


def shell_blocks() -> list[tuple[str, str]]:
    """(where, block) for every sh block, README.md first, then docs/*.md by name."""
    out = []
    for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for n, match in enumerate(BLOCK.finditer(path.read_text()), 1):
            out.append((f"{path.relative_to(REPO)} block {n}", match.group(1)))
    return out


def as_run(block: str) -> str:
    lines = [f"make -n {line[len('make '):]}" if DRY_RUN.match(line) else line for line in block.splitlines()]
    return "\n".join(["set -euo pipefail", *lines])


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory) -> Path:
    """The working tree's committable files, with the suite's own .venv linked in (never reinstalled:
    pyproject.toml is dated before it, so make sees the venv as up to date)."""
    copy = tmp_path_factory.mktemp("readme") / "warehouse"
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                           capture_output=True, check=True, text=True).stdout.split("\0")
    for name in filter(None, files):
        src = REPO / name
        if src.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, copy / name)
    (copy / ".venv").symlink_to(REPO / ".venv")
    venv_date = (REPO / ".venv" / "bin" / "activate").stat().st_mtime
    os.utime(copy / "pyproject.toml", (venv_date - 60, venv_date - 60))
    return copy


def test_the_readme_has_the_commands_it_promises():
    blocks = "\n".join(block for _, block in shell_blocks())
    for command in ("make demo", "make test", "make dagster", "--target postgres", "--target duckdb",
                    "dbt build --full-refresh"):
        assert command in blocks, command


def test_every_shell_block_of_the_readme_runs(repo_copy):
    database = pg_test_db("warehouse_readme")
    reset_pg_database(database)             # this process's own, dropped when the session ends
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "WAREHOUSE_", "VIRTUAL_ENV"))}
    env.update(PYTHONPATH=str(repo_copy), PGDATABASE=database, SCALE="0.01", TENANTS="2",
               DBT_SEND_ANONYMOUS_USAGE_STATS="false", DAGSTER_DISABLE_TELEMETRY="1",
               BI_ACME_PASSWORD=uuid.uuid4().hex, BI_PLATFORM_PASSWORD=uuid.uuid4().hex,
               # the commands are the subject here: the unit tests (the same on any data) run in the
               # session builds on both engines (tests/test_dbt_build.py), not three more times
               DBT_EXCLUDE_RESOURCE_TYPES="unit_test")
    logins = []
    try:
        for where, block in shell_blocks():
            logins += re.findall(r"warehouse access \S+-login (\S+)", block)
            proc = subprocess.run(["bash", "-c", as_run(block)], cwd=repo_copy, env=env, capture_output=True,
                                  check=False, text=True, timeout=1200)
            assert proc.returncode == 0, f"{where} failed:\n{block}\n{proc.stdout[-4000:]}\n{proc.stderr[-3000:]}"
        summary = subprocess.run([str(repo_copy / ".venv" / "bin" / "warehouse"), "summary"], cwd=repo_copy, env=env,
                                 capture_output=True, check=True, text=True).stdout
        assert "built as of 2026-11-21" in summary     # the README's last DuckDB block, not the demo's today
    finally:
        for role in logins:
            subprocess.run([str(repo_copy / ".venv" / "bin" / "warehouse"), "access", "drop-login", role], cwd=repo_copy,
                           env=env, capture_output=True, check=False)
