"""The raw contract (docs/contracts/raw_sources.yml), parsed once for everything that needs it.

The contract is the single source of the raw tables. From it come:
- the generator's Arrow schemas and the loaders' DDL (`arrow_schema`, `create_table_sql`);
- the generator's bad-row rules and the Great Expectations suites (`Table.checks`);
- the dbt side, written by `warehouse contract sync` and compared with the files by a test:
  the dbt sources YAML, the base models (`{{ contract_checked(...) }}`), their YAML, and the
  `raw_contract()` macro that the base models and the quarantine union read.

What a column's declaration says, and the rule derived from it:
    `text, not null`            part of the key (with tenant_id) -> null_key when null or blank
    `text: a | b | c`           an enum -> unknown_enum for any other value (trimmed, any case)
    a column named `currency`   an ISO 4217 code from seed currencies -> unknown_currency
    `# 0-100`                   a bounded value -> out_of_range outside the bounds
    `# >= 0`, money types       numeric(18,2) anywhere and bigint minor units in billing are amounts
                                -> negative_amount below 0
    `quantity`, `*_count`       counts -> negative_quantity below 0
    `x_start` / `x_end`         a period -> end_before_start when the end precedes the start
    `# -> parent.id`            a reference; for an owning parent (below) -> orphan_fk
    timestamp and date columns  -> out_of_range before 1970 or (event times) after as_of + 1 day
Every record: conflicting_versions when two versions share key, updated_at and _loaded_at.

Where the contract states a rule in prose only, it is written once here (POLICY), with why.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
CONTRACT_PATH = REPO_ROOT / "docs" / "contracts" / "raw_sources.yml"

# contract type -> (Arrow type, SQL type on DuckDB and Postgres)
TYPES = {
    "text": (pa.string(), "text"),
    "timestamp": (pa.timestamp("us"), "timestamp"),
    "date": (pa.date32(), "date"),
    "integer": (pa.int32(), "integer"),
    "bigint": (pa.int64(), "bigint"),
    "boolean": (pa.bool_(), "boolean"),
    "numeric(18,2)": (pa.decimal128(18, 2), "numeric(18,2)"),
}

# contract type -> BigQuery column type (the BigQuery loader's explicit schemas). Timestamps are
# UTC instants (TIMESTAMP), what dbt's type_timestamp() casts to there; money is NUMERIC (38, 9).
BIGQUERY_TYPES = {
    "text": "STRING", "timestamp": "TIMESTAMP", "date": "DATE", "integer": "INT64", "bigint": "INT64",
    "boolean": "BOOL", "numeric(18,2)": "NUMERIC",
}

# Rules the contract states in prose, not in a column's declaration. One place, with the reason.
POLICY = {
    # A child that cannot exist without its parent is quarantined when the parent is absent from raw
    # ("orphan_fk"): an invoice's or subscription's customer, a line's invoice, an item's or refund's
    # order. References to people and catalogue rows (owners, products, prices, leads) are kept when
    # dangling: the child still counts, and its reference is reported by the relationship tests.
    "owning_parents": {
        ("raw_billing", "subscriptions", "customer_id"), ("raw_billing", "invoices", "customer_id"),
        ("raw_billing", "invoice_line_items", "invoice_id"), ("raw_commerce", "order_items", "order_id"),
        ("raw_commerce", "refunds", "order_id"),
        # a message belongs to its conversation, a status event to its message, a hand-off to its conversation
        ("raw_messaging", "messages", "conversation_id"), ("raw_messaging", "message_status_events", "message_id"),
        ("raw_messaging", "handoffs", "conversation_id"),
    },
    # Counts the contract names without a count's name: never negative (negative_quantity).
    "counts": {("raw_messaging", "messages", "tokens_used"), ("raw_messaging", "campaigns", "audience_size")},
    # A billing interval count divides the price (`3 with month = quarterly`): it is at least 1.
    "at_least_one": {("raw_billing", "prices", "recurring_interval_count")},
    # Proration credits are negative line amounts by nature (Stripe): negative only when not a proration.
    "negative_allowed_when": {("raw_billing", "invoice_line_items", "amount"): "is_proration"},
    # The service period of a subscription runs from start_date to ended_at.
    "extra_periods": {("raw_billing", "subscriptions"): [("start_date", "ended_at")],
                      ("raw_messaging", "conversations"): [("started_at", "ended_at")],
                      ("raw_messaging", "campaigns"): [("started_at", "completed_at")],
                      ("raw_messaging", "handoffs"): [("requested_at", "accepted_at")]},
    # Columns whose time may lie ahead by nature: held to the 1970 floor only, never to as_of + 1 day.
    "may_lie_ahead": {"expected_close_date", "trial_start", "trial_end", "ended_at", "current_period_start",
                      "current_period_end", "period_start", "period_end", "scheduled_at"},
    # Version order: tables without updated_at are append-only; the latest load wins.
    # The largest tables are append-only, so their base models are incremental (new loads only),
    # each tagged for the dbt selection of the job that refreshes or rebuilds it
    # (orchestration/dagster_defs/definitions.py): the clickstream (hourly), the WhatsApp messages
    # and their status webhooks, and the largest facts after them, which the daily build refreshes.
    "incremental": {("raw_commerce", "web_events"): "clickstream",
                    ("raw_messaging", "messages"): "messaging_incremental",
                    ("raw_messaging", "message_status_events"): "messaging_incremental",
                    ("raw_crm", "health_scores"): "daily_incremental",
                    ("raw_commerce", "order_items"): "daily_incremental",
                    ("raw_billing", "invoice_line_items"): "daily_incremental",
                    ("raw_crm", "activities"): "daily_incremental"},
}

# Continuous feeds: their newest _loaded_at may be at most this many hours old at the as-of date.
# The one home of these windows: the dbt sources (source freshness: error after this, warn after
# half of it) and the Great Expectations raw checks read them. Other tables change when their
# business does (a quiet week is not a broken load): no window.
FRESHNESS_HOURS = {("raw_commerce", "web_events"): 48, ("raw_commerce", "orders"): 72,
                   ("raw_billing", "invoices"): 168, ("raw_crm", "leads"): 168,
                   # messaging is loaded at least daily (webhooks): the daily snapshot needs yesterday's
                   ("raw_messaging", "conversations"): 24, ("raw_messaging", "messages"): 24,
                   ("raw_messaging", "message_status_events"): 24}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    not_null: bool = False
    enum: tuple[str, ...] = ()
    comment: str = ""
    reference: tuple[str, str] | None = None     # (source, table) of `-> [source.]table.id`

    @property
    def arrow(self) -> pa.DataType:
        return TYPES[self.type][0]

    @property
    def sql(self) -> str:
        return TYPES[self.type][1]

    @property
    def bigquery(self) -> str:
        return BIGQUERY_TYPES[self.type]

    @property
    def description(self) -> str:
        """The contract's own words for the column, as the dbt docs show them."""
        text = self.type + (", not null" if self.not_null else "")
        if self.enum:
            text = f"{self.type}: " + " | ".join(self.enum)
        return text + (f" -- {self.comment}" if self.comment else "")


@dataclass(frozen=True)
class Check:
    """One contract rule: the reason a breaking row is quarantined with, and its columns."""
    reason: str
    columns: tuple[str, ...] = ()
    values: tuple[str, ...] = ()          # unknown_enum: the allowed values
    low: int | None = None                # out_of_range: bounds (inclusive)
    high: int | None = None
    pairs: tuple[tuple[str, str], ...] = ()  # end_before_start: (start, end)
    parent: str | None = None             # orphan_fk: parent table (same source)
    exempt: tuple[tuple[str, str], ...] = ()  # negative_amount: (column, boolean column allowing it)
    event_columns: tuple[str, ...] = ()   # out_of_range dates
    floor_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    source: str
    name: str
    description: str
    columns: tuple[Column, ...]
    source_description: str = ""

    @property
    def id(self) -> str:
        return f"{self.source}.{self.name}"

    @property
    def short_source(self) -> str:
        return self.source.removeprefix("raw_")

    @property
    def base_model(self) -> str:
        return f"base_{self.short_source}__{self.name}"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def key(self) -> tuple[str, ...]:
        """The record key besides tenant_id: `id` where the table has one, else its other not-null columns."""
        if "id" in self.column_names:
            return ("id",)
        return tuple(c.name for c in self.columns if c.not_null and c.name != "tenant_id")

    @property
    def version_order(self) -> tuple[str, ...]:
        return ("updated_at", "_loaded_at") if "updated_at" in self.column_names else ("_loaded_at",)

    @property
    def incremental(self) -> bool:
        return (self.source, self.name) in POLICY["incremental"]

    @property
    def incremental_tag(self) -> str | None:
        return POLICY["incremental"].get((self.source, self.name))

    @property
    def freshness_hours(self) -> int | None:
        return FRESHNESS_HOURS.get((self.source, self.name))

    def checks(self) -> list[Check]:
        """The table's rules in the order a row is judged (it carries the first it breaks)."""
        cols, ident = self.columns, (self.source, self.name)
        out = [Check("null_key", self.key), Check("conflicting_versions")]
        out += [Check("unknown_enum", (c.name,), values=c.enum) for c in cols if c.enum]
        if "currency" in self.column_names:
            out.append(Check("unknown_currency", ("currency",)))
        quantities = [c.name for c in cols if c.type == "integer"
                      and (_is_count(c.name) or (*ident, c.name) in POLICY["counts"])
                      and (*ident, c.name) not in POLICY["at_least_one"]]
        if quantities:
            out.append(Check("negative_quantity", tuple(quantities)))
        amounts = [c.name for c in cols if self._is_amount(c)]
        if amounts:
            exempt = tuple((a, POLICY["negative_allowed_when"][(*ident, a)]) for a in amounts
                           if (*ident, a) in POLICY["negative_allowed_when"])
            out.append(Check("negative_amount", tuple(amounts), exempt=exempt))
        for c in cols:
            bounds = re.match(r"(\d+)-(\d+)\b", c.comment)
            if bounds:
                out.append(Check("out_of_range", (c.name,), low=int(bounds.group(1)), high=int(bounds.group(2))))
            elif (*ident, c.name) in POLICY["at_least_one"]:
                out.append(Check("out_of_range", (c.name,), low=1))
        pairs = POLICY["extra_periods"].get(ident, []) + [
            (c.name, c.name[:-len("_start")] + "_end") for c in cols
            if c.name.endswith("_start") and c.name[:-len("_start")] + "_end" in self.column_names]
        if pairs:
            out.append(Check("end_before_start", pairs=tuple(pairs)))
        for c in cols:
            if (*ident, c.name) in POLICY["owning_parents"]:
                out.append(Check("orphan_fk", (c.name,), parent=c.reference[1]))
        dated = [c.name for c in cols if c.type in ("timestamp", "date") and c.name not in ("updated_at", "_loaded_at")]
        if dated:
            out.append(Check("out_of_range", event_columns=tuple(d for d in dated if d not in POLICY["may_lie_ahead"]),
                             floor_columns=tuple(d for d in dated if d in POLICY["may_lie_ahead"])))
        return out

    def _is_amount(self, c: Column) -> bool:
        return c.type == "numeric(18,2)" or (c.type == "bigint" and self.source == "raw_billing")


def _is_count(name: str) -> bool:
    return name == "quantity" or name.endswith("_count")


REASONS = ("null_key", "conflicting_versions", "unknown_enum", "unknown_currency", "negative_quantity",
           "negative_amount", "out_of_range", "end_before_start", "orphan_fk")


def _comments(text: str) -> dict[tuple[str, str, str], str]:
    """(source, table, column) -> the comment after the column's declaration (YAML drops comments)."""
    out, source, table, in_columns = {}, None, None, False
    for line in text.splitlines():
        m = re.match(r"^  (\w+):\s*$", line)
        if m:
            source, table = m.group(1), None
            continue
        m = re.match(r"^      (\w+):\s*$", line)
        if m and source:
            table, in_columns = m.group(1), False
            continue
        if re.match(r"^        columns:\s*$", line):
            in_columns = True
            continue
        m = re.match(r"^          (\w+):[^#]*?(?:#\s*(.*))?$", line)
        if m and in_columns and table:
            out[(source, table, m.group(1))] = (m.group(2) or "").strip()
    return out


def _column(source: str, name: str, spec, comment: str) -> Column:
    spec = str(spec).strip()
    enum = ()
    m = re.fullmatch(r"(\w+):\s*(.+)", spec)
    if m and "|" in m.group(2):
        spec, enum = m.group(1), tuple(v.strip() for v in m.group(2).split("|"))
    m = re.fullmatch(r"(numeric\(\d+,\s*\d+\)|\w+)\s*(,\s*not null)?", spec)
    if not m or m.group(1).replace(" ", "") not in TYPES:
        raise ValueError(f"{source}: column {name}: unknown contract type {spec!r}")
    typ, not_null = m.group(1).replace(" ", ""), m.group(2) is not None
    reference = None
    ref = re.match(r"->\s*([\w.]+)", comment)
    if ref:
        bits = ref.group(1).split(".")
        reference = (source, bits[0]) if len(bits) == 2 else (bits[0], bits[1])
    return Column(name, typ, not_null, enum, comment, reference)


@lru_cache
def load(path: Path = CONTRACT_PATH) -> tuple[Table, ...]:
    text = Path(path).read_text()
    doc = yaml.safe_load(text)
    comments = _comments(text)
    tables = []
    for source, body in doc["sources"].items():
        for name, spec in body["tables"].items():
            columns = tuple(_column(source, col, typ, comments.get((source, name, col), ""))
                            for col, typ in spec["columns"].items())
            tables.append(Table(source, name, " ".join(str(spec.get("description", "")).split()), columns,
                                " ".join(str(body.get("description", "")).split())))
    return tuple(tables)


def table(source: str, name: str, path: Path = CONTRACT_PATH) -> Table:
    return next(t for t in load(path) if t.source == source and t.name == name)


def arrow_schemas(path: Path = CONTRACT_PATH) -> dict[str, dict[str, pa.Schema]]:
    out: dict[str, dict[str, pa.Schema]] = {}
    for t in load(path):
        out.setdefault(t.source, {})[t.name] = pa.schema([pa.field(c.name, c.arrow) for c in t.columns])
    return out


def bigquery_schemas(path: Path = CONTRACT_PATH) -> dict[str, dict[str, list[tuple[str, str]]]]:
    """Every raw table's BigQuery schema, (column, BigQuery type) in contract order; all NULLABLE,
    as on the other engines: raw rows breaking a not-null rule are quarantined by staging, not refused."""
    out: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for t in load(path):
        out.setdefault(t.source, {})[t.name] = [(c.name, c.bigquery) for c in t.columns]
    return out


def create_table_sql(source: str, name: str, path: Path = CONTRACT_PATH) -> str:
    t = table(source, name, path)
    return f"create table {source}.{name} ({', '.join(f'{c.name} {c.sql}' for c in t.columns)})"


# --- the dbt side, written by `warehouse contract sync` ------------------------------------------------

GENERATED = "Generated from docs/contracts/raw_sources.yml by `warehouse contract sync`: edit the contract, not this file."
LOADER = "extract-load tool (Fivetran / Airbyte / CDC) or warehouse generate"


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _fresh(hours: int) -> str:
    return f"{{count: {hours}, period: hour}}"


def render_sources_yaml(source: str, path: Path = CONTRACT_PATH) -> str:
    """models/staging/<source>/_<source>__sources.yml."""
    tables = [t for t in load(path) if t.source == source]
    short = tables[0].short_source
    lines = [f"# {GENERATED}", "version: 2", "", "sources:", f"  - name: {source}", f"    schema: {source}",
             "    description: >",
             f"      {tables[0].source_description} Landed append-only and at least once by the extract-load tool",
             "      (or `warehouse generate`); the meaning of every table and column is fixed by the raw",
             "      contract, docs/contracts/raw_sources.yml. Only the staging models read it.",
             f"    loader: {LOADER}", "    config:", "      loaded_at_field: _loaded_at",
             "      freshness: null  # only the continuous feeds below have a window (orchestration/contract.py)",
             "    tables:"]
    for t in tables:
        description = t.description or f"{t.name.replace('_', ' ').capitalize()} of the {short} system."
        lines += [f"      - name: {t.name}", f"        description: {_q(description)}"]
        if t.freshness_hours:
            lines += ["        config:", "          freshness:",
                      f"            warn_after: {_fresh(t.freshness_hours // 2)}",
                      f"            error_after: {_fresh(t.freshness_hours)}"]
        lines += ["        data_tests:", "          - matches_contract_columns:", "              config:",
                  "                severity: warn  # an added column is kept and reported; a missing one errors",
                  "        columns:"]
        for c in t.columns:
            lines += [f"          - name: {c.name}", f"            description: {_q(c.description)}"]
            if c.name == "tenant_id":
                lines += ["            data_tests: [not_null]"]
            # Null keys are not tested here: staging quarantines them (reason null_key), and the
            # quarantine's one warn test per table reports them with every other bad row.
    return "\n".join(lines) + "\n"


def render_base_model(t: Table) -> str:
    """models/staging/<source>/base/base_<source>__<table>.sql."""
    head = (f"{{#- {GENERATED}\n    Latest version of each {t.id} record and the first contract rule it breaks\n"
            f"    (macros/contract/contract_checked.sql). -#}}\n")
    if t.incremental:
        keys = ", ".join(f"'{k}'" for k in ("tenant_id", *t.key))
        head += ("{{\n    config(\n        materialized='incremental',\n"
                 "        incremental_strategy=('merge' if target.type == 'bigquery' else 'delete+insert'),\n"
                 f"        unique_key=[{keys}],\n        on_schema_change='fail',\n"
                 f"        tags=['{t.incremental_tag}'],\n"
                 "        indexes=([\n            {'columns': ['_loaded_at']},\n"
                 f"            {{'columns': [{keys}]}},\n"
                 "        ] if target.type == 'postgres' else []),\n"
                 # BigQuery: a run reads what landed after the watermark, so day partitions of the
                 # load time; its merge looks rows up by key, so clustered by it
                 "        partition_by=({'field': '_loaded_at', 'data_type': 'timestamp', 'granularity': 'day'}\n"
                 "                      if target.type == 'bigquery' else none),\n"
                 f"        cluster_by=([{keys}] if target.type == 'bigquery' else none),\n"
                 "    )\n}}\n")
    return head + f"{{{{ contract_checked('{t.source}', '{t.name}') }}}}\n"


def render_base_yaml(source: str, path: Path = CONTRACT_PATH) -> str:
    """models/staging/<source>/base/_base_<source>__models.yml: docs and tests of the base models."""
    tables = [t for t in load(path) if t.source == source]
    lines = [f"# {GENERATED}", "version: 2", "", "models:"]
    for t in tables:
        stg = t.base_model.replace("base_", "stg_", 1)
        lines += [f"  - name: {t.base_model}", "    description: >",
                  f"      Latest version of each {t.id} record with quarantine_reason, the first contract rule",
                  f"      it breaks (null when clean). Read by {stg} and quarantine_rows.",
                  "    data_tests:", "      - unique_combination:", "          arguments:",
                  f"            columns: [{', '.join(('tenant_id', *t.key))}]", "          config:",
                  "            where: \"coalesce(quarantine_reason, '') != 'null_key'\"  # null and blank keys all kept",
                  "      - quarantine_share:", f"          name: quarantine_{t.short_source}__{t.name}_is_empty",
                  "          arguments:", f"            source_relation: source('{t.source}', '{t.name}')",
                  "            max_share: 0", "          config:", "            severity: warn",
                  "      - quarantine_share:", f"          name: quarantine_{t.short_source}__{t.name}_below_max_share",
                  "          arguments:", f"            source_relation: source('{t.source}', '{t.name}')",
                  "            max_share: \"{{ var('quarantine_max_share') }}\"",
                  "    columns:", "      - name: quarantine_reason",
                  "        description: \"{{ doc('quarantine_reason') }}\"",
                  "        data_tests:", "          - accepted_values:", "              arguments:",
                  f"                values: [{', '.join(REASONS)}]"]
        if not t.incremental:
            lines += ["      - name: _version_rank",
                      "        description: \"{{ doc('_version_rank') }}\""]
        lines += ["      - name: _tied_versions",
                  "        description: \"{{ doc('_tied_versions') }}\""]
        for c in t.columns:
            description = _q(f"Raw {c.name} of the kept version ({c.description}).")
            lines += [f"      - name: {c.name}", f"        description: {description}"]
        lines.append("")
    return "\n".join(lines)


def _jinja(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_jinja(k)}: {_jinja(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_jinja(v) for v in value) + "]"
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "\\'") + "'"


def render_contract_macro(path: Path = CONTRACT_PATH) -> str:
    """macros/contract/raw_contract.sql: the contract as a Jinja value, read by contract_checked and
    quarantine_rows (a macro, so it is there at parse time, when dbt records refs)."""
    spec = {}
    for t in load(path):
        checks = []
        for ch in t.checks():
            d = {"reason": ch.reason}
            for name in ("columns", "values", "pairs", "exempt", "event_columns", "floor_columns"):
                if getattr(ch, name):
                    d[name] = [list(p) if isinstance(p, tuple) else p for p in getattr(ch, name)]
            for name in ("low", "high", "parent"):
                if getattr(ch, name) is not None:
                    d[name] = getattr(ch, name)
            checks.append(d)
        spec[t.id] = {"source": t.source, "table": t.name, "base_model": t.base_model, "key": list(t.key),
                      "version_order": list(t.version_order), "incremental": t.incremental,
                      "columns": t.column_names, "types": {c.name: c.type for c in t.columns}, "checks": checks}
    body = ",\n".join(f"    {_jinja(k)}: {_jinja(v)}" for k, v in spec.items())
    return (f"{{#- {GENERATED} -#}}\n{{% macro raw_contract() -%}}\n{{{{ return({{\n{body}\n}}) }}}}\n"
            "{%- endmacro %}\n")


def generated_files(root: Path = REPO_ROOT, path: Path = CONTRACT_PATH) -> dict[Path, str]:
    """Every file `warehouse contract sync` writes, with its content."""
    out = {root / "macros" / "contract" / "raw_contract.sql": render_contract_macro(path)}
    for source in dict.fromkeys(t.source for t in load(path)):
        short = source.removeprefix("raw_")
        out[root / "models" / "staging" / short / f"_{short}__sources.yml"] = render_sources_yaml(source, path)
        out[root / "models" / "staging" / short / "base" / f"_base_{short}__models.yml"] = render_base_yaml(source, path)
    for t in load(path):
        out[root / "models" / "staging" / t.short_source / "base" / f"{t.base_model}.sql"] = render_base_model(t)
    return out


def sync(root: Path = REPO_ROOT, path: Path = CONTRACT_PATH, check: bool = False) -> list[Path]:
    """Write the generated files (or, with check, only list those that differ); returns the paths that
    changed (or would)."""
    changed = []
    for file, text in generated_files(root, path).items():
        if not file.exists() or file.read_text() != text:
            changed.append(file)
            if not check:
                file.parent.mkdir(parents=True, exist_ok=True)
                file.write_text(text)
    return changed
