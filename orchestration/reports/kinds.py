"""What the Sales, Customer Success, Revenue and Executive reports show, declared once: per kind, its
sections of figures and its tables, each read from one mart. The SQL, the CSV, the workbook, the PDF
and the delivered messages all follow from these declarations (orchestration/reports/range_files.py
lays every kind out with the same code).

Every number is a mart column or a SQL sum of a mart's additive columns over the report's range; a
rate over a range is the sum of its numerator over the sum of its denominator, divided in the same
SQL (`sum(qualified_leads) * 1.0 / nullif(sum(leads), 0)`), never a mean of daily rates. A value
the mart holds only per month (an average health score, LTV) is shown for one month, the last of the
range's months. Python computes no metric: it formats, and shows the change against the previous
period as a difference of two shown values (content.compare's rules)."""
from dataclasses import dataclass, field
from typing import Literal

from orchestration.reports.content import Column, Kind
from orchestration.reports.ranges import Window

ReportKind = Literal["sales", "customer_success", "revenue", "executive"]
REPORT_KINDS: tuple[ReportKind, ...] = ("sales", "customer_success", "revenue", "executive")
Grain = Literal["day", "month", "month_end", "quarter"]

TOP_ROWS = 10          # a table's rows in the PDF: the leaders; the workbook has them all


def ratio(numerator: str, denominator: str) -> str:
    """A rate over a range from its additive parts (1.0 keeps it out of integer division on every engine)."""
    return f"sum({numerator}) * 1.0 / nullif(sum({denominator}), 0)"


# The rates more than one report shows, from the parts their marts carry: written once here.
WIN_RATE = ratio("deals_won", "deals_won + deals_lost")
LOGO_CHURN_RATE = ratio("churned_customers", "starting_customers")
NET_REVENUE_RETENTION = ratio("starting_mrr + expansion_mrr + contraction_mrr + churned_mrr", "starting_mrr")


@dataclass(frozen=True)
class Source:
    """Where a group of figures or a table's rows come from: a mart, the rows it keeps (`where`), the
    column that dates a row and its grain. day: the range's days; month: the range's months;
    month_end: the last of them (a month-end stock); quarter: the quarter the range ends in."""
    mart: str
    date_column: str
    grain: Grain
    where: str = ""

    def filters(self, window: Window) -> str:
        first, last = window.first, window.last
        if self.grain == "month_end":
            first = last
        parts = [f"{self.date_column} between date '{first.isoformat()}' and date '{last.isoformat()}'"]
        if self.where:
            parts.append(self.where)
        return " and ".join(parts)

    @property
    def window_grain(self) -> str:
        return {"day": "day", "quarter": "quarter"}.get(self.grain, "month")


DAY_KPIS = Source("period_kpis", "period_start", "day", "period_type = 'day'")
CASH = Source("cash_daily", "day", "day")
MRR = Source("mrr_monthly", "month", "month")
MRR_END = Source("mrr_monthly", "month", "month_end")
PIPELINE_END = Source("sales_pipeline_monthly", "month", "month_end")
REPS = Source("sales_rep_performance_monthly", "month", "month")
FUNNEL = Source("sales_funnel", "cohort_month", "month")
HEALTH_END = Source("customer_health_monthly", "month", "month_end")
CHURN = Source("fct_customer_churn", "churn_month", "month")
RENEWALS = Source("renewals_quarterly", "quarter", "quarter")
ECONOMICS_END = Source("revenue_unit_economics", "month", "month_end")
SEGMENTS_END = Source("mrr_by_segment", "month", "month_end")
PRODUCTS_END = Source("mrr_by_product", "month", "month_end")
TARGETS = Source("targets_vs_actuals", "month", "month")


@dataclass(frozen=True)
class Figure:
    """One headline number: `sql` aggregates the source's rows of one tenant and period (a sum, a
    ratio of sums, or max() of a month-end row's own value). `change` as on the executive tiles:
    relative for amounts and counts, points for rates, amount for flows that can be negative."""
    name: str
    label: str
    kind: Kind
    sql: str
    change: Literal["relative", "points", "amount", "none"] = "relative"
    higher_is_better: bool = True


@dataclass(frozen=True)
class Section:
    title: str
    source: Source
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class Table:
    """Rows of a mart for the range: `columns` are plain columns or (with group_by) aggregates named
    by Column.name through `sql`; ordered by `order_by`."""
    title: str
    source: Source
    columns: tuple[Column, ...]
    sql: dict[str, str] = field(default_factory=dict)    # column name -> aggregate expression
    group_by: tuple[str, ...] = ()
    order_by: tuple[str, ...] = ()
    pdf_rows: int = TOP_ROWS        # rows on the PDF page; the workbook has them all


@dataclass(frozen=True)
class KindSpec:
    kind: ReportKind
    title: str
    sections: tuple[Section, ...]
    tables: tuple[Table, ...]

    @property
    def marts(self) -> tuple[str, ...]:
        return tuple(sorted({s.source.mart for s in self.sections} | {t.source.mart for t in self.tables}))


def count(column: str, label: str, name: str | None = None, better: bool = True) -> Figure:
    return Figure(name or column, label, "count", f"sum({column})", higher_is_better=better)


def amount(column: str, label: str, name: str | None = None, change="relative", better: bool = True) -> Figure:
    return Figure(name or column, label, "money", f"sum({column})", change, better)


def mart_value(column: str, label: str, kind: Kind, change="relative", better: bool = True) -> Figure:
    """A month-end row's own value (one row per tenant and month): max() of one row is that row."""
    return Figure(column, label, kind, f"max({column})", change, better)


LEADERBOARD = Table(
    "Top performers", REPS,
    (Column("full_name", "Rep", "text"), Column("team", "Team", "text"), Column("deals_won", "Deals won", "count"),
     Column("won_amount_usd", "Won (USD)", "money"), Column("deals_lost", "Deals lost", "count"),
     Column("win_rate", "Win rate", "rate")),
    {"deals_won": "sum(deals_won)", "won_amount_usd": "sum(won_amount_usd)", "deals_lost": "sum(deals_lost)",
     "win_rate": WIN_RATE},
    group_by=("user_id", "full_name", "team"), order_by=("won_amount_usd desc", "deals_won desc", "user_id"))

SALES = KindSpec("sales", "Sales report", (
    Section("Leads and deals", DAY_KPIS, (
        count("leads", "New leads"),
        count("qualified_leads", "Qualified leads"),
        Figure("lead_qualification_rate", "Lead conversion (qualified / leads)", "rate",
               ratio("qualified_leads", "leads"), "points"),
        Figure("avg_lead_score", "Average lead score", "number", ratio("lead_score_sum", "scored_leads"), "points"),
        count("proposals_created", "Proposals created"),
        count("deals_won", "Deals won"),
        count("deals_lost", "Deals lost", better=False),
        Figure("win_rate", "Win rate (won / closed)", "rate", WIN_RATE, "points"),
        amount("won_amount_usd", "Won amount (USD)"),
        Figure("average_deal_size_usd", "Average deal size (USD)", "money", ratio("won_amount_usd", "deals_won")),
    )),
    Section("Pipeline at month end", PIPELINE_END, (
        count("open_opportunities", "Open opportunities"),
        amount("open_pipeline_usd", "Pipeline value (USD)"),
        amount("weighted_pipeline_usd", "Weighted pipeline (USD)"),
    )),
), (
    LEADERBOARD,
    Table("Pipeline by deal type at month end", PIPELINE_END,
          (Column("opportunity_type", "Deal type", "text"), Column("open_opportunities", "Open", "count"),
           Column("open_pipeline_usd", "Pipeline (USD)", "money"),
           Column("weighted_pipeline_usd", "Weighted (USD)", "money")),
          order_by=("opportunity_type",)),
    Table("Lead funnel by source (leads created in the months)", FUNNEL,
          (Column("lead_source", "Source", "text"), Column("leads", "Leads", "count"),
           Column("qualified", "Qualified", "count"), Column("proposal", "Proposal", "count"),
           Column("won", "Won", "count"), Column("customer", "Customer", "count"),
           Column("lead_to_customer_rate", "To customer", "rate")),
          {"leads": "sum(leads)", "qualified": "sum(qualified)", "proposal": "sum(proposal)", "won": "sum(won)",
           "customer": "sum(customer)", "lead_to_customer_rate": ratio("customer", "leads")},
          group_by=("lead_source",), order_by=("leads desc", "lead_source")),
))

CUSTOMER_SUCCESS = KindSpec("customer_success", "Customer Success report", (
    Section("Health at month end", HEALTH_END, (
        count("scored_accounts", "Scored accounts"),
        count("healthy_accounts", "Healthy (75+)"),
        count("stable_accounts", "Stable (50-74)"),
        count("at_risk_accounts", "At risk (25-49)", better=False),
        count("critical_accounts", "Critical (below 25)", better=False),
        mart_value("average_health_score", "Average health score", "number", "points"),
        amount("at_risk_mrr", "MRR at risk (USD)", better=False),
    )),
    Section("Retention and expansion", MRR, (
        count("churned_customers", "Customers churned (logo churn)", better=False),
        Figure("logo_churn_rate", "Logo churn rate (churned / customers at month start)", "rate",
               LOGO_CHURN_RATE, "points", False),
        Figure("revenue_churn_usd", "Revenue churned (USD)", "money", "-sum(churned_mrr)", "relative", False),
        amount("expansion_mrr", "Expansion MRR (USD)"),
        amount("contraction_mrr", "Contraction MRR (USD)", change="amount"),
        Figure("net_revenue_retention", "Net revenue retention (monthly)", "rate",
               NET_REVENUE_RETENTION, "points"),
    )),
    Section("Renewals in the quarter", RENEWALS, (
        count("renewals_due", "Renewals due"),
        count("renewed", "Renewed"),
        count("not_renewed", "Not renewed", better=False),
        count("upcoming", "Still to decide"),
        Figure("renewal_rate", "Renewal rate (renewed / decided)", "rate", ratio("renewed", "renewals_decided"),
               "points"),
    )),
), (
    Table("Churned customers", CHURN,
          (Column("churn_month", "Churn month", "date"), Column("customer_id", "Customer", "text"),
           Column("segment", "Segment", "text"), Column("lost_mrr", "Lost MRR (USD)", "money"),
           Column("tenure_months", "Tenure (mo.)", "count"), Column("last_health_band", "Last health", "text")),
          order_by=("lost_mrr desc", "customer_id")),
    Table("Renewals by plan term", RENEWALS,
          (Column("plan_term", "Plan term", "text"), Column("renewals_due", "Due", "count"),
           Column("renewed", "Renewed", "count"), Column("not_renewed", "Not renewed", "count"),
           Column("upcoming", "Upcoming", "count"), Column("renewal_rate", "Renewal rate", "rate")),
          order_by=("plan_term",)),
))

REVENUE = KindSpec("revenue", "Revenue report", (
    Section("Recurring revenue at month end", MRR_END, (
        amount("ending_mrr", "MRR (USD)", name="mrr"),
        amount("arr", "ARR (USD)"),
        count("active_customers", "Paying customers"),
    )),
    Section("MRR movements", MRR, (
        amount("net_new_mrr", "Net new MRR (USD)", change="amount"),
        amount("new_mrr", "New business MRR (USD)"),
        amount("expansion_mrr", "Expansion MRR (USD)"),
        amount("reactivation_mrr", "Reactivation MRR (USD)"),
        amount("contraction_mrr", "Contraction MRR (USD)", change="amount"),
        amount("churned_mrr", "Churned MRR (USD)", change="amount"),
    )),
    Section("Customer economics at month end", ECONOMICS_END, (
        mart_value("arpa", "ARPA (USD)", "money"),
        mart_value("ltv", "LTV (USD)", "money"),
        mart_value("cac", "CAC (USD)", "money", better=False),
        mart_value("ltv_to_cac", "LTV:CAC", "number", "points"),
    )),
    Section("Cash", CASH, (
        amount("invoiced_usd", "Invoiced (USD)"),
        amount("collected_usd", "Collected (USD)"),
        amount("refunded_usd", "Refunded (USD)", better=False),
        Figure("payment_recovery_rate", "Failed payments recovered", "rate",
               ratio("recovered_payments", "failed_payments"), "points"),
    )),
), (
    Table("MRR bridge by month (USD)", MRR,
          (Column("month", "Month", "date"), Column("starting_mrr", "Start", "money"),
           Column("new_mrr", "New", "money"), Column("expansion_mrr", "Expansion", "money"),
           Column("reactivation_mrr", "Reactivation", "money"),
           Column("contraction_mrr", "Contraction", "money"), Column("churned_mrr", "Churn", "money"),
           Column("ending_mrr", "End", "money")),
          order_by=("month",)),
    Table("MRR by segment at month end", SEGMENTS_END,
          (Column("segment", "Segment", "text"), Column("mrr", "MRR (USD)", "money"), Column("arr", "ARR (USD)", "money"),
           Column("active_customers", "Customers", "count"), Column("arpa", "ARPA (USD)", "money")),
          order_by=("mrr desc", "segment")),
    Table("ARR by product at month end", PRODUCTS_END,
          (Column("product_name", "Product", "text"), Column("arr", "ARR (USD)", "money"),
           Column("paying_customers", "Customers", "count")),
          order_by=("arr desc", "product_name")),
))

EXECUTIVE = KindSpec("executive", "Executive report", (
    Section("Company", MRR_END, (
        amount("ending_mrr", "MRR (USD)", name="mrr"),
        amount("arr", "ARR (USD)"),
        count("active_customers", "Paying customers"),
    )),
    Section("Growth and retention", MRR, (
        amount("net_new_mrr", "Net new MRR (USD)", change="amount"),
        Figure("logo_churn_rate", "Logo churn rate", "rate", LOGO_CHURN_RATE,
               "points", False),
        Figure("net_revenue_retention", "Net revenue retention (monthly)", "rate",
               NET_REVENUE_RETENTION, "points"),
    )),
    Section("Store and sales", DAY_KPIS, (
        amount("revenue_usd", "Store revenue (USD)", name="store_revenue_usd"),
        count("orders", "Store orders"),
        Figure("average_order_value_usd", "Average order value (USD)", "money", ratio("revenue_usd", "orders")),
        Figure("conversion_rate", "Store conversion (purchasing sessions)", "rate",
               ratio("purchase_sessions", "sessions"), "points"),
        count("leads", "New leads"),
        Figure("win_rate", "Win rate", "rate", WIN_RATE, "points"),
        amount("won_amount_usd", "Won amount (USD)"),
    )),
    Section("Risks at month end", HEALTH_END, (
        # both unhealthy bands: the mart's two counts, summed
        Figure("at_risk_or_critical_accounts", "Accounts at risk or critical", "count",
               "sum(at_risk_accounts + critical_accounts)", higher_is_better=False),
        amount("at_risk_mrr", "MRR at risk (USD)", better=False),
    )),
), (
    Table("Day by day", DAY_KPIS,
          (Column("period_start", "Day", "date"), Column("revenue_usd", "Store revenue (USD)", "money"),
           Column("orders", "Orders", "count"), Column("conversion_rate", "Conversion", "rate"),
           Column("leads", "Leads", "count"), Column("deals_won", "Deals won", "count")),
          order_by=("period_start",), pdf_rows=31),        # a month's days fit one page
    # the seeds' goals progress: the monthly targets of the range's months against the owning marts' actuals
    Table("Goals: targets against actuals", TARGETS,
          (Column("month", "Month", "date"), Column("metric", "Metric", "text"),
           Column("target", "Target (USD)", "money"), Column("actual", "Actual (USD)", "money"),
           Column("attainment", "Attainment", "rate")),
          order_by=("month", "metric")),
    LEADERBOARD,
))

SPECS: dict[str, KindSpec] = {spec.kind: spec for spec in (SALES, CUSTOMER_SUCCESS, REVENUE, EXECUTIVE)}


def all_marts() -> tuple[str, ...]:
    return tuple(sorted({m for spec in SPECS.values() for m in spec.marts}))


def section_sql(section: Section, window: Window, tenant: str | None = None) -> str:
    """One row per tenant: the section's figures over the window."""
    figures = ", ".join(f"{f.sql} as {f.name}" for f in section.figures)
    where = section.source.filters(window) + (f" and tenant_id = '{tenant}'" if tenant else "")
    return (f"select tenant_id, {figures} from marts.{section.source.mart} where {where} "
            "group by tenant_id order by tenant_id")


def table_sql(table: Table, window: Window, tenant: str | None = None) -> str:
    """The table's rows over the window, per tenant, in the table's order."""
    where = table.source.filters(window) + (f" and tenant_id = '{tenant}'" if tenant else "")
    order = ", ".join(("tenant_id", *table.order_by))
    if table.group_by:
        keys = ", ".join(("tenant_id", *table.group_by))
        shown = ", ".join(f"{table.sql[c.name]} as {c.name}" if c.name in table.sql else c.name
                          for c in table.columns if c.name not in table.group_by)
        return (f"select {keys}, {shown} from marts.{table.source.mart} where {where} "
                f"group by {keys} order by {order}")
    columns = ", ".join(c.name for c in table.columns)
    return f"select tenant_id, {columns} from marts.{table.source.mart} where {where} order by {order}"


def tenants_sql() -> str:
    """The tenants a report run covers: every tenant with a row in the marts the reports read first."""
    # union all + group by: BigQuery has no bare union
    return ("select tenant_id from (select tenant_id from marts.mrr_monthly union all "
            "select tenant_id from marts.period_kpis) as tenants group by tenant_id order by tenant_id")


def check_tenant(tenant: str) -> str:
    """A tenant id as the marts spell it (letters, digits, underscores), or one ValueError line: it is
    written into the SQL."""
    import re
    if not re.fullmatch(r"[A-Za-z0-9_]{1,40}", tenant):
        raise ValueError(f"not a tenant id: {tenant!r}")
    return tenant
