"""One contract: docs/contracts/raw_sources.yml is the single source of the raw tables. The generator's
schemas and bad-row kinds, the dbt sources, base models and quarantine, and the GX suites all derive
from it (orchestration/contract.py), agree column for column, and a table added to it appears
everywhere with no other edit (tests/test_contract_new_table.py)."""
import re

import pyarrow as pa
import yaml

from orchestration.generator.schema import TABLES

from conftest import REPO, Warehouse, query, rule_summary

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
            if src["name"] == "forecast":           # written by `warehouse forecast`, not a raw table
                continue
            assert src["config"]["loaded_at_field"] == "_loaded_at"
            for t in src["tables"]:
                declared[(src["name"], t["name"])] = [c["name"] for c in t["columns"]]
    assert sorted(declared) == sorted(contract_tables())
    for (source, table), cols in declared.items():
        assert cols == [name for name, _ in contract_columns(source, table)], f"{source}.{table}"


def test_loaded_raw_tables_have_exactly_the_contract_types(warehouse: Warehouse):
    schema_filter = "table_schema in (" + ", ".join(f"'{s}'" for s in CONTRACT["sources"]) + ")"
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


# --- one source of truth --------------------------------------------------------------------------

def test_the_generated_dbt_files_are_what_the_contract_makes():
    """`warehouse contract sync --check`: the dbt sources, base models, their YAML and raw_contract() are
    exactly what orchestration/contract.py renders from the contract (edit the contract, then sync)."""
    from orchestration import contract
    assert [str(p.relative_to(REPO)) for p in contract.sync(check=True)] == []
    base_models = sorted(p.stem for p in (REPO / "models/staging").glob("*/base/base_*.sql"))
    assert base_models == sorted(t.base_model for t in contract.load())


# The rules of each table as the hand-written base models applied them before they were derived from the
# contract (read off those models), plus the date bounds of docs/contracts/bad_input.md: a derivation
# that drifts (a rule lost, gained or reordered) fails here.
EXPECTED_RULES = {
    "raw_crm.users": ["null_key", "conflicting_versions", "unknown_enum:role", "out_of_range:dates"],
    "raw_crm.accounts": ["null_key", "conflicting_versions", "negative_quantity:employee_count", "out_of_range:dates"],
    "raw_crm.contacts": ["null_key", "conflicting_versions", "out_of_range:dates"],
    "raw_crm.leads": ["null_key", "conflicting_versions", "unknown_enum:source", "unknown_enum:status",
                      "out_of_range:score", "out_of_range:dates"],
    "raw_crm.opportunities": ["null_key", "conflicting_versions", "unknown_enum:type", "unknown_enum:stage",
                              "unknown_currency:currency", "negative_amount:amount", "out_of_range:probability",
                              "out_of_range:dates"],
    "raw_crm.activities": ["null_key", "conflicting_versions", "unknown_enum:type", "out_of_range:dates"],
    "raw_crm.health_scores": ["null_key", "conflicting_versions", "out_of_range:score", "out_of_range:dates"],
    "raw_billing.customers": ["null_key", "conflicting_versions", "unknown_currency:currency", "out_of_range:dates"],
    "raw_billing.products": ["null_key", "conflicting_versions", "out_of_range:dates"],
    "raw_billing.prices": ["null_key", "conflicting_versions", "unknown_enum:recurring_interval",
                           "unknown_currency:currency", "negative_amount:unit_amount",
                           "out_of_range:recurring_interval_count", "out_of_range:dates"],
    "raw_billing.subscriptions": ["null_key", "conflicting_versions", "unknown_enum:status",
                                  "end_before_start:ended_at,trial_end,current_period_end", "orphan_fk:customer_id",
                                  "out_of_range:dates"],
    "raw_billing.invoices": ["null_key", "conflicting_versions", "unknown_enum:status", "unknown_currency:currency",
                             "negative_amount:subtotal,discount_total,tax,total,amount_paid",
                             "end_before_start:period_end", "orphan_fk:customer_id", "out_of_range:dates"],
    "raw_billing.invoice_line_items": ["null_key", "conflicting_versions", "unknown_enum:type",
                                       "unknown_currency:currency", "negative_quantity:quantity",
                                       "negative_amount:amount,discount_amount", "end_before_start:period_end",
                                       "orphan_fk:invoice_id", "out_of_range:dates"],
    "raw_billing.payments": ["null_key", "conflicting_versions", "unknown_enum:status", "unknown_currency:currency",
                             "negative_amount:amount,amount_refunded", "out_of_range:dates"],
    "raw_commerce.customers": ["null_key", "conflicting_versions", "out_of_range:dates"],
    "raw_commerce.products": ["null_key", "conflicting_versions", "negative_amount:price,cost", "out_of_range:dates"],
    "raw_commerce.orders": ["null_key", "conflicting_versions", "unknown_enum:status", "unknown_enum:channel",
                            "unknown_currency:currency",
                            "negative_amount:subtotal,discount_total,shipping_total,tax_total,total",
                            "out_of_range:dates"],
    "raw_commerce.order_items": ["null_key", "conflicting_versions", "negative_quantity:quantity",
                                 "negative_amount:unit_price,discount", "orphan_fk:order_id"],
    "raw_commerce.refunds": ["null_key", "conflicting_versions", "negative_amount:amount", "orphan_fk:order_id",
                             "out_of_range:dates"],
    "raw_commerce.web_events": ["null_key", "conflicting_versions", "unknown_enum:event_type", "unknown_enum:device",
                                "out_of_range:dates"],
    "raw_commerce.marketing_spend": ["null_key", "conflicting_versions", "unknown_currency:currency",
                                     "negative_amount:spend", "out_of_range:dates"],
    # the messaging source (issue scope: orphans, unknown enums, end before start, negative tokens)
    "raw_messaging.whatsapp_accounts": ["null_key", "conflicting_versions", "out_of_range:dates"],
    "raw_messaging.contacts": ["null_key", "conflicting_versions", "unknown_enum:status", "out_of_range:dates"],
    "raw_messaging.campaigns": ["null_key", "conflicting_versions", "unknown_enum:category", "unknown_enum:status",
                                "negative_quantity:audience_size", "end_before_start:completed_at",
                                "out_of_range:dates"],
    "raw_messaging.conversations": ["null_key", "conflicting_versions", "unknown_enum:status",
                                    "end_before_start:ended_at", "out_of_range:dates"],
    "raw_messaging.messages": ["null_key", "conflicting_versions", "unknown_enum:direction",
                               "unknown_enum:sender_type", "unknown_enum:message_type",
                               "negative_quantity:tokens_used", "orphan_fk:conversation_id", "out_of_range:dates"],
    "raw_messaging.message_status_events": ["null_key", "conflicting_versions", "unknown_enum:status",
                                            "orphan_fk:message_id", "out_of_range:dates"],
    "raw_messaging.handoffs": ["null_key", "conflicting_versions", "unknown_enum:trigger",
                               "end_before_start:accepted_at", "orphan_fk:conversation_id", "out_of_range:dates"],
}


def test_each_tables_rules_are_derived_as_the_contract_says():
    from orchestration import contract
    assert {t.id: [rule_summary(c) for c in t.checks()] for t in contract.load()} == EXPECTED_RULES
    # the special cases the contract states in prose
    lines = contract.table("raw_billing", "invoice_line_items")
    assert [c.exempt for c in lines.checks() if c.reason == "negative_amount"] == [(("amount", "is_proration"),)]
    assert contract.table("raw_crm", "health_scores").key == ("account_id", "scored_on")
    assert contract.table("raw_commerce", "marketing_spend").key == ("spend_date", "channel")
    opp_dates = next(c for c in contract.table("raw_crm", "opportunities").checks()
                     if c.reason == "out_of_range" and not c.columns)
    assert (opp_dates.event_columns, opp_dates.floor_columns) == (("created_at", "closed_at"), ("expected_close_date",))


def test_generator_plants_one_row_kind_per_contract_rule():
    """Against the hand-read rules above: one planted kind per reason a table can break (conflicting versions
    need two rows of one key and are planted by the hand-made fixture instead)."""
    from orchestration.generator.mess import bad_rules
    for table_id, rules in EXPECTED_RULES.items():
        source, table = table_id.split(".")
        expected = list(dict.fromkeys(r.split(":")[0] for r in rules if r != "conflicting_versions"))
        assert [reason for reason, _ in bad_rules(source, table)] == expected, table_id


def test_gx_suites_check_the_contracts_keys_enums_and_counts():
    import os
    from datetime import date

    from orchestration import contract
    from orchestration.dagster_defs import raw_quality
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")     # GX must never call home
    import great_expectations as gx
    gx.get_context(mode="ephemeral")
    for t in contract.load():
        suite = raw_quality.build_suite(t.source, t.name, date(2026, 11, 21))
        by_type = {}
        for e in suite.expectations:
            by_type.setdefault(type(e).__name__, []).append(e)
        not_null = sorted(e.column for e in by_type["ExpectColumnValuesToNotBeNull"])
        assert not_null == sorted(["tenant_id", *t.key]), t.id
        in_set = {e.column: list(e.value_set) for e in by_type.get("ExpectColumnValuesToBeInSet", [])}
        # the enum sets read straight from the contract's YAML, not through the parser
        yaml_enums = {col: [v.strip() for v in str(spec).split(":", 1)[1].split("|")]
                      for col, spec in CONTRACT["sources"][t.source]["tables"][t.name]["columns"].items()
                      if re.fullmatch(r"text:\s*.+\|.+", str(spec).strip())}
        assert in_set == yaml_enums, t.id
        between = sorted(e.column for e in by_type.get("ExpectColumnValuesToBeBetween", []))
        counts = sorted(col for c in t.checks() if c.reason == "negative_quantity" for col in c.columns)
        assert between == counts, t.id
        assert {e.mostly for e in by_type["ExpectColumnValuesToNotBeNull"] if e.column != "tenant_id"} \
            == {1 - raw_quality.tolerated_bad_share()}
        fresh = by_type.get("ExpectColumnMaxToBeBetween", [])
        assert bool(fresh) == (t.freshness_hours is not None), t.id
        # every column GX reads exists in the contract
        assert {e.column for e in suite.expectations if hasattr(e, "column")} <= set(t.column_names)
