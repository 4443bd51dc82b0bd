"""The raw contract, the generator's schemas and the dbt sources say the same thing."""
import re
from pathlib import Path

import pyarrow as pa
import pytest
import yaml

from orchestration.generator.schema import TABLES

from conftest import REPO, Warehouse, query

CONTRACT = yaml.safe_load((REPO / "docs/contracts/raw_sources.yml").read_text())
ARROW_OF = {"text": pa.string(), "timestamp": pa.timestamp("us"), "date": pa.date32(), "integer": pa.int32(),
            "bigint": pa.int64(), "boolean": pa.bool_(), "numeric(18,2)": pa.decimal128(18, 2)}
# information_schema data_type spellings per engine
SQL_OF = {
    "duckdb": {"text": "VARCHAR", "timestamp": "TIMESTAMP", "date": "DATE", "integer": "INTEGER",
               "bigint": "BIGINT", "boolean": "BOOLEAN", "numeric(18,2)": "DECIMAL(18,2)"},
    "postgres": {"text": "text", "timestamp": "timestamp without time zone", "date": "date", "integer": "integer",
                 "bigint": "bigint", "boolean": "boolean", "numeric(18,2)": "numeric"},
}


def contract_columns(source, table):
    cols = CONTRACT["sources"][source]["tables"][table]["columns"]
    return [(name, re.match(r"\s*(numeric\(18,2\)|\w+)", str(spec)).group(1)) for name, spec in cols.items()]


def contract_tables():
    return [(s, t) for s, body in CONTRACT["sources"].items() for t in body["tables"]]


def test_generator_schema_is_the_contract():
    assert [(s, t) for s in TABLES for t in TABLES[s]] == contract_tables()
    for source, table in contract_tables():
        expected = [(name, ARROW_OF[typ]) for name, typ in contract_columns(source, table)]
        actual = [(f.name, f.type) for f in TABLES[source][table]]
        assert actual == expected, f"{source}.{table}"


def test_dbt_sources_declare_every_contract_table_and_column():
    declared = {}
    for path in (REPO / "models/staging").glob("*/_*__sources.yml"):
        for src in yaml.safe_load(path.read_text())["sources"]:
            assert src.get("loader") and src.get("description")
            assert src["config"]["loaded_at_field"] == "_loaded_at"
            assert {"warn_after", "error_after"} <= set(src["config"]["freshness"])
            for t in src["tables"]:
                declared[(src["name"], t["name"])] = [c["name"] for c in t["columns"]]
    assert sorted(declared) == sorted(contract_tables())
    for (source, table), cols in declared.items():
        assert cols == [name for name, _ in contract_columns(source, table)], f"{source}.{table}"


def test_loaded_raw_tables_have_exactly_the_contract_types(warehouse: Warehouse):
    schema_filter = "table_schema in ('raw_crm', 'raw_billing', 'raw_commerce')"
    extra = ", numeric_precision, numeric_scale" if warehouse.target == "postgres" else ""
    rows = query(warehouse, f"""
        select table_schema, table_name, column_name, data_type{extra}
        from information_schema.columns where {schema_filter}
        order by table_schema, table_name, ordinal_position""")
    loaded = {}
    for row in rows:
        typ = row[3]
        if warehouse.target == "postgres" and typ == "numeric":
            assert (row[4], row[5]) == (18, 2), row
        loaded.setdefault((row[0], row[1]), []).append((row[2], typ))
    assert sorted(loaded) == sorted(contract_tables())
    for source, table in contract_tables():
        expected = [(n, SQL_OF[warehouse.target][t]) for n, t in contract_columns(source, table)]
        assert loaded[(source, table)] == expected, f"{source}.{table}"
