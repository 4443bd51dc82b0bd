"""The BigQuery emulator the tests run on, each of its workarounds on its own, and the BigQuery loader.

The emulator (tests/bigquery_emulator.py) is installed by `make test` into .bqemulator/venv with its
DuckDB extensions from their wheels, starts offline on a free loopback port and stops after. Each
workaround in tests/bqemulator_workarounds.py must cover a bug the pinned emulator still has (the
probe fails unpatched) and fix it (the probe passes patched): when an upgrade fixes a bug, this
test says its workaround can go."""
import json
import subprocess
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import bigquery_emulator
from bigquery_emulator import Emulator, client_env
from bigquery_offline import NetworkAccessError, loopback_only
from conftest import free_port


def test_the_emulator_is_installed_with_its_extensions_from_the_wheels():
    assert bigquery_emulator.installed(), "run `make bigquery-emulator-venv` (make test does)"
    extensions = {p.name for p in (bigquery_emulator.HOME / ".duckdb").rglob("*.duckdb_extension")}
    assert {"spatial.duckdb_extension", "avro.duckdb_extension"} <= extensions


def test_each_workaround_covers_a_bug_of_the_pinned_emulator_and_fixes_it():
    out = subprocess.run([str(bigquery_emulator.python()), str(bigquery_emulator.WORKAROUNDS), "check"],
                         capture_output=True, text=True, check=True, env=bigquery_emulator.emulator_env())
    probes = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(probes) >= 3
    assert probes == {name: [False, True] for name in probes}, "a probe passes unpatched (drop it) or fails patched"


def test_loopback_only_refuses_other_hosts():
    import socket
    with loopback_only(), pytest.raises(NetworkAccessError):
        socket.create_connection(("bigquery.googleapis.com", 443), timeout=1)


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    emu = Emulator(free_port(), free_port(), tmp_path_factory.mktemp("bqemu") / "emulator.log").start()
    yield emu
    emu.stop()
    assert emu.process.poll() is not None


@pytest.fixture
def bq_env(emulator, monkeypatch):
    for k, v in client_env(emulator.endpoint).items():
        monkeypatch.setenv(k, v)
    with loopback_only():
        yield


def test_the_emulator_listens_on_loopback_only(emulator):
    """Its REST and gRPC ports are bound to the loopback interface (IPv4 or IPv6), nothing wider."""
    loopback = {"0100007F", "00000000000000000000000001000000", "0000000000000000FFFF00000100007F"}  # ::ffff:127.0.0.1
    listening = {}
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{emulator.process.pid}/net/{table}").read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            if state == "0A":       # LISTEN
                address, port = local.split(":")
                listening.setdefault(int(port, 16), set()).add(address)
    assert emulator.rest_port in listening
    for port in (emulator.rest_port, emulator.grpc_port):
        assert listening.get(port, set()) <= loopback, (port, listening.get(port))


def test_a_file_lacking_a_contract_column_loads_nothing(tmp_path, bq_env):
    """Checked before the first load job: nothing is created (this runs on the fresh emulator)."""
    from orchestration.generator.load import LoadError, bigquery_client, load_bigquery
    (tmp_path / "raw_crm").mkdir()
    pq.write_table(pa.table({"id": ["a"]}), tmp_path / "raw_crm" / "accounts.parquet")
    with pytest.raises(LoadError, match=r"raw_crm\.accounts lacks contract column"):
        load_bigquery(tmp_path, progress=False)
    assert "raw_crm" not in {d.dataset_id for d in bigquery_client().list_datasets()}


def test_the_loader_uses_the_contracts_types_and_keeps_extra_columns(tmp_path, bq_env):
    from orchestration.generator.load import bigquery_client, load_bigquery
    from orchestration.generator.schema import TABLES
    invoices = TABLES["raw_billing"]["invoices"]
    row = {f.name: None for f in invoices}
    row.update(id="in_1", tenant_id="tn_001", amount_paid=1250, created_at="2026-11-20T10:00:00+02:00")
    table = pa.Table.from_pylist([row]).append_column("source_note", pa.array(["exported"]))
    (tmp_path / "raw_billing").mkdir()
    pq.write_table(table, tmp_path / "raw_billing" / "invoices.parquet")
    load_bigquery(tmp_path, progress=False)
    client = bigquery_client()
    schema = {f.name: f.field_type for f in client.get_table("raw_billing.invoices").schema}
    assert schema["amount_paid"] in ("INT64", "INTEGER") and schema["created_at"] == "TIMESTAMP"
    assert schema["source_note"] == "STRING" and list(schema)[-1] == "source_note"
    assert {f.name: f.field_type for f in client.get_table("raw_commerce.order_items").schema}["unit_price"] \
        == "NUMERIC"
    (created,) = next(iter(client.query("select created_at from raw_billing.invoices").result()))
    assert created.isoformat() == "2026-11-20T08:00:00+00:00"     # the offset made UTC, as on the other engines
    assert next(iter(client.query("select count(*) from raw_commerce.orders").result()))[0] == 0
