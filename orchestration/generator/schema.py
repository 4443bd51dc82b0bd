"""The raw contract (docs/contracts/raw_sources.yml) as Arrow schemas.

The generator writes exactly these columns and types; the loaders create
tables from them. tests/test_contract.py keeps this file, the contract and the
dbt sources in step.
"""
import pyarrow as pa

TEXT = pa.string()
TS = pa.timestamp("us")
DATE = pa.date32()
INT = pa.int32()
BIGINT = pa.int64()
BOOL = pa.bool_()
MONEY = pa.decimal128(18, 2)

# contract type name -> (arrow type, SQL type on DuckDB/Postgres)
SQL_TYPES = {
    TEXT: "text",
    TS: "timestamp",
    DATE: "date",
    INT: "integer",
    BIGINT: "bigint",
    BOOL: "boolean",
    MONEY: "numeric(18,2)",
}


def _t(*cols):
    return pa.schema([pa.field(name, typ) for name, typ in cols])


TABLES: dict[str, dict[str, pa.Schema]] = {
    "raw_crm": {
        "users": _t(("id", TEXT), ("tenant_id", TEXT), ("full_name", TEXT), ("email", TEXT),
                    ("role", TEXT), ("team", TEXT), ("created_at", TS), ("is_active", BOOL),
                    ("updated_at", TS), ("_loaded_at", TS)),
        "accounts": _t(("id", TEXT), ("tenant_id", TEXT), ("name", TEXT), ("domain", TEXT),
                       ("industry", TEXT), ("employee_count", INT), ("country_code", TEXT),
                       ("owner_user_id", TEXT), ("created_at", TS), ("updated_at", TS),
                       ("is_deleted", BOOL), ("_loaded_at", TS)),
        "contacts": _t(("id", TEXT), ("tenant_id", TEXT), ("account_id", TEXT), ("email", TEXT),
                       ("first_name", TEXT), ("last_name", TEXT), ("title", TEXT),
                       ("created_at", TS), ("updated_at", TS), ("_loaded_at", TS)),
        "leads": _t(("id", TEXT), ("tenant_id", TEXT), ("email", TEXT), ("company_name", TEXT),
                    ("source", TEXT), ("status", TEXT), ("score", INT), ("owner_user_id", TEXT),
                    ("created_at", TS), ("first_contacted_at", TS), ("qualified_at", TS),
                    ("converted_at", TS), ("converted_account_id", TEXT), ("updated_at", TS),
                    ("_loaded_at", TS)),
        "opportunities": _t(("id", TEXT), ("tenant_id", TEXT), ("account_id", TEXT),
                            ("lead_id", TEXT), ("owner_user_id", TEXT), ("name", TEXT),
                            ("type", TEXT), ("amount", MONEY), ("currency", TEXT), ("stage", TEXT),
                            ("probability", INT), ("created_at", TS),
                            ("expected_close_date", DATE), ("closed_at", TS),
                            ("lost_reason", TEXT), ("updated_at", TS), ("_loaded_at", TS)),
        "activities": _t(("id", TEXT), ("tenant_id", TEXT), ("type", TEXT), ("lead_id", TEXT),
                         ("account_id", TEXT), ("user_id", TEXT), ("occurred_at", TS),
                         ("_loaded_at", TS)),
        "health_scores": _t(("tenant_id", TEXT), ("account_id", TEXT), ("scored_on", DATE),
                            ("score", INT), ("_loaded_at", TS)),
    },
    "raw_billing": {
        "customers": _t(("id", TEXT), ("tenant_id", TEXT), ("crm_account_id", TEXT),
                        ("email", TEXT), ("name", TEXT), ("currency", TEXT), ("created_at", TS),
                        ("is_deleted", BOOL), ("updated_at", TS), ("_loaded_at", TS)),
        "products": _t(("id", TEXT), ("tenant_id", TEXT), ("name", TEXT), ("product_line", TEXT),
                       ("created_at", TS), ("_loaded_at", TS)),
        "prices": _t(("id", TEXT), ("tenant_id", TEXT), ("product_id", TEXT), ("nickname", TEXT),
                     ("unit_amount", BIGINT), ("currency", TEXT), ("recurring_interval", TEXT),
                     ("recurring_interval_count", INT), ("is_active", BOOL), ("created_at", TS),
                     ("_loaded_at", TS)),
        "subscriptions": _t(("id", TEXT), ("tenant_id", TEXT), ("customer_id", TEXT),
                            ("status", TEXT), ("created_at", TS), ("start_date", TS),
                            ("trial_start", TS), ("trial_end", TS), ("cancel_at_period_end", BOOL),
                            ("canceled_at", TS), ("ended_at", TS), ("current_period_start", TS),
                            ("current_period_end", TS), ("updated_at", TS), ("_loaded_at", TS)),
        "invoices": _t(("id", TEXT), ("tenant_id", TEXT), ("customer_id", TEXT),
                       ("subscription_id", TEXT), ("status", TEXT), ("currency", TEXT),
                       ("subtotal", BIGINT), ("discount_total", BIGINT), ("tax", BIGINT),
                       ("total", BIGINT), ("amount_paid", BIGINT), ("created_at", TS),
                       ("period_start", TS), ("period_end", TS), ("paid_at", TS),
                       ("updated_at", TS), ("_loaded_at", TS)),
        "invoice_line_items": _t(("id", TEXT), ("tenant_id", TEXT), ("invoice_id", TEXT),
                                 ("subscription_id", TEXT), ("price_id", TEXT), ("type", TEXT),
                                 ("is_proration", BOOL), ("quantity", INT), ("amount", BIGINT),
                                 ("discount_amount", BIGINT), ("currency", TEXT),
                                 ("period_start", TS), ("period_end", TS), ("_loaded_at", TS)),
        "payments": _t(("id", TEXT), ("tenant_id", TEXT), ("invoice_id", TEXT),
                       ("customer_id", TEXT), ("amount", BIGINT), ("amount_refunded", BIGINT),
                       ("currency", TEXT), ("status", TEXT), ("failure_code", TEXT),
                       ("created_at", TS), ("_loaded_at", TS)),
    },
    "raw_commerce": {
        "customers": _t(("id", TEXT), ("tenant_id", TEXT), ("email", TEXT), ("first_name", TEXT),
                        ("last_name", TEXT), ("country_code", TEXT), ("accepts_marketing", BOOL),
                        ("acquisition_channel", TEXT), ("created_at", TS), ("updated_at", TS),
                        ("_loaded_at", TS)),
        "products": _t(("id", TEXT), ("tenant_id", TEXT), ("title", TEXT), ("category", TEXT),
                       ("vendor", TEXT), ("price", MONEY), ("cost", MONEY), ("created_at", TS),
                       ("updated_at", TS), ("_loaded_at", TS)),
        "orders": _t(("id", TEXT), ("tenant_id", TEXT), ("customer_id", TEXT),
                     ("order_number", BIGINT), ("status", TEXT), ("currency", TEXT),
                     ("subtotal", MONEY), ("discount_total", MONEY), ("shipping_total", MONEY),
                     ("tax_total", MONEY), ("total", MONEY), ("channel", TEXT), ("placed_at", TS),
                     ("cancelled_at", TS), ("fulfilled_at", TS), ("updated_at", TS),
                     ("_loaded_at", TS)),
        "order_items": _t(("id", TEXT), ("tenant_id", TEXT), ("order_id", TEXT),
                          ("product_id", TEXT), ("quantity", INT), ("unit_price", MONEY),
                          ("discount", MONEY), ("_loaded_at", TS)),
        "refunds": _t(("id", TEXT), ("tenant_id", TEXT), ("order_id", TEXT), ("amount", MONEY),
                      ("reason", TEXT), ("created_at", TS), ("_loaded_at", TS)),
        "web_events": _t(("event_id", TEXT), ("tenant_id", TEXT), ("session_id", TEXT),
                         ("anonymous_id", TEXT), ("customer_id", TEXT), ("event_type", TEXT),
                         ("product_id", TEXT), ("order_id", TEXT), ("utm_source", TEXT),
                         ("device", TEXT), ("occurred_at", TS), ("_loaded_at", TS)),
        "marketing_spend": _t(("tenant_id", TEXT), ("spend_date", DATE), ("channel", TEXT),
                              ("spend", MONEY), ("currency", TEXT), ("_loaded_at", TS)),
    },
}

# The key that identifies one record of each table (tenant_id is always part of it).
KEYS: dict[str, tuple[str, ...]] = {
    "raw_crm.health_scores": ("account_id", "scored_on"),
    "raw_commerce.web_events": ("event_id",),
    "raw_commerce.marketing_spend": ("spend_date", "channel"),
}


def key_of(schema: str, table: str) -> tuple[str, ...]:
    return KEYS.get(f"{schema}.{table}", ("id",))


def all_tables():
    for schema, tables in TABLES.items():
        for table, arrow_schema in tables.items():
            yield schema, table, arrow_schema


def create_table_sql(schema: str, table: str) -> str:
    cols = ", ".join(f"{f.name} {SQL_TYPES[f.type]}" for f in TABLES[schema][table])
    return f"create table {schema}.{table} ({cols})"
