"""Overlapping writers on one DuckDB file (docs/FAULTS.md): a second `warehouse build` (or generate,
load, forecast) stops at once with one line naming the first; a build on a file another program
holds stops with DuckDB's lock error on one line, naming the holder's PID. Neither writes anything."""
import subprocess
import sys
import time

import duckdb

from conftest import BIN, REPO, base_env, warehouse_cli

BUILD_ARGS = ["build", "--as-of-date", "2026-11-21", "--full-refresh"]


def small_warehouse(tmp_path) -> dict:
    env = base_env(tmp_path)
    env["DBT_DUCKDB_PATH"] = str(tmp_path / "w.duckdb")
    warehouse_cli(env, "generate", "--tenants", "1", "--scale", "0.01", "--seed", "3", "--as-of-date",
                  "2026-11-21", "--target", "duckdb", "--no-progress")
    return env


def test_a_second_build_on_one_duckdb_file_stops_at_once_naming_the_first(tmp_path):
    env = small_warehouse(tmp_path)
    lock = tmp_path / "w.duckdb.lock"
    first = subprocess.Popen([str(BIN / "warehouse"), *BUILD_ARGS, "--", "--exclude", "resource_type:unit_test",
                              "--target-path", str(tmp_path / "target")],
                             cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        while not (lock.exists() and f"pid {first.pid}" in lock.read_text()) and first.poll() is None:
            time.sleep(0.05)
        second = warehouse_cli(env, *BUILD_ARGS, check=False)
        generate = warehouse_cli(env, "generate", "--tenants", "1", "--scale", "0.01", "--target", "duckdb",
                                 "--no-progress", check=False)
    finally:
        out = first.communicate()[0]
    assert first.returncode == 0, out[-3000:]
    for proc in (second, generate):
        assert proc.returncode == 2
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("warehouse: error: ")
        assert f"is being written by pid {first.pid} (warehouse build" in lines[0]
        assert proc.stdout == ""
    con = duckdb.connect(env["DBT_DUCKDB_PATH"], read_only=True)    # the first build's result is whole
    try:
        assert con.execute("select count(*) from marts.mrr_monthly").fetchone()[0] > 0
    finally:
        con.close()
    # the lock goes with its holder: the next build starts
    again = warehouse_cli(env, *BUILD_ARGS, "--", "--select", "util_months", "--target-path",
                          str(tmp_path / "target"), check=False)
    assert again.returncode == 0, again.stdout[-2000:]


def test_a_build_on_a_file_another_program_holds_is_one_line_naming_its_pid(tmp_path):
    env = small_warehouse(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, time\n"
                               f"con = duckdb.connect({env['DBT_DUCKDB_PATH']!r})\nprint('held', flush=True)\n"
                               "time.sleep(120)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        proc = warehouse_cli(env, *BUILD_ARGS, check=False)
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("warehouse: error: cannot open DuckDB file")
    assert f"PID {holder.pid}" in lines[0]
