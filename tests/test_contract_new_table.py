"""A table added to the contract (docs/contracts/raw_sources.yml) appears everywhere with no other edit,
in a copy of the project: a module apart from tests/test_contract.py, whose other tests share the
session warehouses, so that xdist can run this build on the other worker (tests/conftest.py, test_group)."""
import json
import subprocess

from conftest import BIN, REPO, rule_summary


def test_a_table_added_to_the_contract_appears_everywhere(tmp_path):
    """One edit in a copy of the contract (a throwaway table raw_billing.credit_notes) plus the stg model
    that uses it: sync writes its dbt source, base model and rules; the build quarantines its bad rows in
    quarantine_rows with their reasons and reconciles it; the generator and GX see it."""
    import shutil

    import duckdb

    from orchestration import contract
    from orchestration.generator.mess import bad_rules

    from conftest import csv_fixture_to_parquet, land_raw

    project = tmp_path / "project"
    for part in ("models", "macros", "seeds", "snapshots", "tests/dbt", "docs/contracts"):
        shutil.copytree(REPO / part, project / part)
    shutil.copy(REPO / "dbt_project.yml", project / "dbt_project.yml")
    path = project / "docs/contracts/raw_sources.yml"
    text = path.read_text()
    anchor = "      payments:\n"
    assert anchor in text
    path.write_text(text.replace(anchor, """      credit_notes:
        description: Credit notes issued against invoices.
        columns:
          id: text, not null
          tenant_id: text, not null
          invoice_id: text         # -> invoices.id
          status: "text: issued | void"
          amount: bigint           # minor units
          currency: text
          created_at: timestamp
          _loaded_at: timestamp
""" + anchor))
    contract.load.cache_clear()
    try:
        written = contract.sync(root=project, path=path)
        assert project / "models/staging/billing/base/base_billing__credit_notes.sql" in written
        new = contract.table("raw_billing", "credit_notes", path)
        assert [rule_summary(c) for c in new.checks()] == [
            "null_key", "conflicting_versions", "unknown_enum:status", "unknown_currency:currency",
            "negative_amount:amount", "out_of_range:dates"]
        assert [r for r, _ in bad_rules("raw_billing", "payments")]      # the real contract is untouched
        assert "credit_notes" in contract.arrow_schemas(path)["raw_billing"]
    finally:
        contract.load.cache_clear()
    # the model that uses it: hand-written like every stg_ model, with its reconciliation test
    (project / "models/staging/billing/stg_billing__credit_notes.sql").write_text(
        "select id as credit_note_id, tenant_id, amount as amount_minor\n"
        "from {{ ref('base_billing__credit_notes') }}\nwhere quarantine_reason is null\n")
    (project / "models/staging/billing/_stg_billing__credit_notes.yml").write_text("""version: 2
models:
  - name: stg_billing__credit_notes
    description: Clean credit notes.
    data_tests:
      - raw_reconciles:
          arguments:
            source_relation: source('raw_billing', 'credit_notes')
            base_relation: ref('base_billing__credit_notes')
            key_columns: [id]
    columns:
      - name: credit_note_id
        description: The credit note.
        data_tests: [not_null]
""")
    # raw data: the bad-row fixture for the existing tables, and the new table by hand
    csv_fixture_to_parquet(REPO / "tests/fixtures/bad_rows", tmp_path / "raw")
    env = land_raw("duckdb", tmp_path / "raw", tmp_path, "unused")
    con = duckdb.connect(env["DBT_DUCKDB_PATH"])
    con.execute("create table raw_billing.credit_notes (id text, tenant_id text, invoice_id text, status text, "
                "amount bigint, currency text, created_at timestamp, _loaded_at timestamp)")
    con.execute("""insert into raw_billing.credit_notes values
        ('cn_1', 't1', 'inv_1', 'issued', 500, 'USD', '2024-02-01', '2024-02-01 01:00'),
        ('cn_enum', 't1', 'inv_1', 'pending', 500, 'USD', '2024-02-01', '2024-02-01 01:00'),
        ('cn_neg', 't1', 'inv_1', 'issued', -5, 'USD', '2024-02-01', '2024-02-01 01:00'),
        ('cn_old', 't1', 'inv_1', 'issued', 5, 'usd', '1960-02-01', '2024-02-01 01:00'),
        (null, 't1', 'inv_1', 'issued', 5, 'USD', '2024-02-01', '2024-02-01 01:00')""")
    con.close()
    proc = subprocess.run([str(BIN / "dbt"), "build", "--project-dir", str(project), "--target", "duckdb",
                           "--target-path", str(tmp_path / "target"), "--exclude", "resource_type:unit_test",
                           "--vars", "{as_of_date: '2026-11-21', quarantine_max_share: 1}",
                           "--select", "+stg_billing__credit_notes", "+quarantine_rows", "--indirect-selection", "cautious"],
                          cwd=project, env=env, capture_output=True, check=False, text=True)
    assert proc.returncode == 0, proc.stdout[-4000:]
    con = duckdb.connect(env["DBT_DUCKDB_PATH"], read_only=True)
    quarantined = sorted(con.execute("select record_id, reason from quarantine.quarantine_rows "
                                     "where source_table = 'raw_billing.credit_notes'").fetchall(),
                         key=lambda r: (r[0] is None, r[0] or ""))
    assert quarantined == [("cn_enum", "unknown_enum"), ("cn_neg", "negative_amount"), ("cn_old", "out_of_range"),
                           (None, "null_key")]
    assert con.execute("select credit_note_id from staging.stg_billing__credit_notes").fetchall() == [("cn_1",)]
    con.close()
    results = json.loads((tmp_path / "target/run_results.json").read_text())["results"]
    recon = [r["status"] for r in results if "raw_reconciles_stg_billing__credit_notes" in r["unique_id"]]
    assert recon == ["pass"]
