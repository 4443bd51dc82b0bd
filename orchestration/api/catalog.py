"""What each endpoint reads: panels of mart columns, declared once. The SQL, the response models,
the cache types, the Dagster dependencies and the docs' table are all derived from this list.

Every number is a mart column, or a SQL sum of a mart's additive columns (`aggregate="sum"`); a
growth or a rate is always the mart's (the messaging dashboard's windows are rows of
messaging_rolling_windows); Python computes none.
A period is in a range when its first day is: `month between start_date and end_date`.
"""
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from orchestration.api.settings import CacheClass, RateGroup

# The tenant filter: the key's tenant (or the one a platform key asks for). On Postgres row-level
# security decides what a login sees whatever the filter says; the filter lets the tenant indexes serve.
TENANT_FILTER = "tenant_id = :tenant_id"


@dataclass(frozen=True)
class Panel:
    """One series of an answer: rows of one mart, filtered to the tenant scope and the date range.
    `aggregate="sum"` sums the listed (additive) columns per tenant and `group_by`."""
    name: str
    mart: str
    columns: tuple[str, ...]
    date_column: str | None = None
    where: str = ""
    order_by: tuple[str, ...] = ()
    aggregate: Literal["rows", "sum"] = "rows"
    group_by: tuple[str, ...] = ()
    count_as: str | None = None      # with sum: also count the rows under this name
    top: int | None = None           # rows: the first `top` per tenant in order_by order
    sql_override: Callable[[bool], str] | None = None  # (tenant filtered) -> a query of another shape

    @property
    def output_columns(self) -> tuple[str, ...]:
        if self.aggregate == "sum":
            return ("tenant_id", *self.group_by, *self.columns, *((self.count_as,) if self.count_as else ()))
        return ("tenant_id", *self.columns)

    def sql(self, tenant_filtered: bool = True) -> str:
        """The panel's query; `tenant_filtered` adds `tenant_id = :tenant_id` (a platform key asking for
        every tenant has none)."""
        if self.sql_override:
            return self.sql_override(tenant_filtered)
        filters = [TENANT_FILTER] if tenant_filtered else ["true"]
        if self.date_column:
            filters.append(f"{self.date_column} between :start_date and :end_date")
        if self.where:
            filters.append(self.where)
        where = " and ".join(filters)
        if self.aggregate == "sum":
            keys = ", ".join(("tenant_id", *self.group_by))
            sums = [f"sum({c}) as {c}" for c in self.columns]
            if self.count_as:
                sums.append(f"count(*) as {self.count_as}")
            return (f"select {keys}, {', '.join(sums)} from marts.{self.mart} where {where} "
                    f"group by {keys} order by {keys}")
        order = ", ".join(("tenant_id", *self.order_by))
        cols = ", ".join(("tenant_id", *self.columns))
        if self.top:
            inner_order = ", ".join(self.order_by)
            return (f"select {cols} from (select {cols}, row_number() over (partition by tenant_id "
                    f"order by {inner_order}) as position from marts.{self.mart} where {where}) as ranked "
                    f"where position <= {int(self.top)} order by tenant_id, position")
        return f"select {cols} from marts.{self.mart} where {where} order by {order}"


@dataclass(frozen=True)
class Endpoint:
    """One GET endpoint under /api/v1: its cache type (the `{type}` of the cache key), cache class,
    rate-limit group and panels."""
    type: str
    path: str
    title: str
    description: str
    cache_class: CacheClass
    rate_group: RateGroup
    panels: tuple[Panel, ...]
    params: Literal["date_range", "days", "none"] = "date_range"

    @property
    def marts(self) -> tuple[str, ...]:
        return tuple(sorted({p.mart for p in self.panels}))


def to_engine(sql: str, target: str) -> str:
    """`:name` placeholders as the driver wants them: %(name)s for psycopg, $name for DuckDB."""
    replacement = r"%(\1)s" if target == "postgres" else r"$\1"
    return re.sub(r"(?<![:\w]):([a-z_]+)\b", replacement, sql)


MRR_BRIDGE_COLUMNS = ("starting_mrr", "new_mrr", "expansion_mrr", "reactivation_mrr", "contraction_mrr",
                      "churned_mrr", "ending_mrr", "net_new_mrr")
MRR_MOVEMENTS = ("new_mrr", "expansion_mrr", "reactivation_mrr", "contraction_mrr", "churned_mrr", "net_new_mrr")
MRR_MOVEMENT_COUNTS = ("new_customers", "churned_customers", "reactivated_customers", "expanded_customers",
                       "contracted_customers")
MESSAGE_COUNTS = ("messages_total", "messages_outbound", "messages_inbound", "messages_sent", "messages_delivered",
                  "messages_read", "messages_failed", "messages_replied")
CONVERSATION_PARTS = ("total_conversations", "resolved_conversations", "handed_off_conversations",
                      "ended_conversations", "duration_minutes_sum", "total_messages", "customer_messages",
                      "llm_messages", "agent_messages", "customer_turns", "answered_turns", "unanswered_turns",
                      "response_time_seconds_sum", "total_handoffs", "llm_calls", "tokens_used", "llm_cost",
                      "whatsapp_cost", "total_cost")
# The last-N-days dashboard's counts: messaging_rolling_windows sums them from messaging_snapshots' day rows.
DASHBOARD_COUNTS = ("messages_total", "messages_outbound", "messages_inbound", "messages_sent",
                    "messages_delivered", "messages_read", "messages_failed", "messages_replied",
                    "conversations_total", "contacts_new", "campaign_messages_sent")


LATEST_PERIOD_COLUMNS = ("period_type", "period_start", "period_end", *MESSAGE_COUNTS, "delivery_rate", "read_rate",
                         "reply_rate", "failure_rate", "conversations_total", "contacts_total", "contacts_new",
                         "contacts_active", "contacts_blocked", "avg_engagement_score", "avg_first_response_seconds",
                         "messages_total_growth", "messages_sent_growth", "reply_rate_growth",
                         "conversations_total_growth", "contacts_active_growth")


def latest_periods_sql(tenant_filtered: bool = True) -> str:
    """Per tenant, the latest complete day, week and month of messaging_snapshots (all accounts), as
    the mart holds them (its rates and growth)."""
    cols = ", ".join(LATEST_PERIOD_COLUMNS)
    return f"""
with complete_periods as (
    select
        tenant_id, {cols},
        max(period_start) over (partition by tenant_id, period_type) as latest_start
    from marts.messaging_snapshots
    where whatsapp_account_id is null and is_complete and {TENANT_FILTER if tenant_filtered else "true"}
)

select tenant_id, {cols}
from complete_periods
where period_start = latest_start
order by tenant_id, period_type
"""


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "dashboard_sales", "/dashboards/sales", "Sales dashboard",
        "Lead funnel by cohort month and source, pipeline and win rates by month, the rep leaderboard.",
        "dashboard", "dashboard", (
            Panel("funnel", "sales_funnel",
                  ("cohort_month", "lead_source", "is_complete", "leads", "contacted", "qualified", "proposal", "won",
                   "customer", "contacted_rate", "qualified_rate", "proposal_rate", "won_rate", "customer_rate",
                   "lead_to_customer_rate", "avg_hours_to_first_contact"),
                  "cohort_month", order_by=("cohort_month", "lead_source")),
            Panel("funnel_totals", "sales_funnel", ("leads", "contacted", "qualified", "proposal", "won", "customer"),
                  "cohort_month", aggregate="sum"),
            Panel("pipeline", "sales_pipeline_monthly",
                  ("month", "opportunity_type", "open_opportunities", "open_pipeline_usd", "weighted_pipeline_usd",
                   "won_opportunities", "lost_opportunities", "won_amount_usd", "lost_amount_usd", "win_rate_by_count",
                   "win_rate_by_amount", "average_deal_size_usd", "avg_sales_cycle_days"),
                  "month", order_by=("month", "opportunity_type")),
            Panel("reps", "sales_rep_performance_monthly",
                  ("month", "user_id", "full_name", "team", "leads_worked", "activities", "deals_won", "deals_lost",
                   "won_amount_usd", "win_rate", "median_sales_cycle_days", "won_amount_rank"),
                  "month", order_by=("month", "won_amount_rank", "user_id")),
        )),
    Endpoint(
        "dashboard_customer_success", "/dashboards/customer-success", "Customer Success dashboard",
        "Health bands and at-risk MRR by month, renewals by quarter, churn events and their lost MRR.",
        "dashboard", "dashboard", (
            Panel("health", "customer_health_monthly",
                  ("month", "scored_accounts", "healthy_accounts", "stable_accounts", "at_risk_accounts",
                   "critical_accounts", "average_health_score", "at_risk_mrr"),
                  "month", order_by=("month",)),
            Panel("renewals", "renewals_quarterly",
                  ("quarter", "plan_term", "is_complete", "renewals_due", "renewals_decided", "renewed", "not_renewed",
                   "upcoming", "renewal_rate"),
                  "quarter", order_by=("quarter", "plan_term")),
            Panel("churn_events", "fct_customer_churn",
                  ("churn_month", "customer_id", "segment", "lost_mrr", "tenure_months", "last_health_band"),
                  "churn_month", order_by=("churn_month", "customer_id")),
            Panel("churn_totals", "fct_customer_churn", ("lost_mrr",), "churn_month", aggregate="sum",
                  count_as="churn_events"),
        )),
    Endpoint(
        "dashboard_revenue", "/dashboards/revenue", "Revenue dashboard",
        "The MRR bridge with ARR and retention by month, MRR by segment, unit economics, and the range's movements.",
        "dashboard", "revenue", (
            Panel("mrr", "mrr_monthly",
                  ("month", *MRR_BRIDGE_COLUMNS, "arr", "mrr_growth_rate", "active_customers", "logo_churn_rate",
                   "net_revenue_retention", "gross_revenue_retention"),
                  "month", order_by=("month",)),
            Panel("movement_totals", "mrr_monthly", (*MRR_MOVEMENTS, *MRR_MOVEMENT_COUNTS), "month", aggregate="sum"),
            Panel("by_segment", "mrr_by_segment", ("month", "segment", "mrr", "arr", "active_customers", "arpa"),
                  "month", order_by=("month", "segment")),
            Panel("unit_economics", "revenue_unit_economics",
                  ("month", "arpa", "logo_churn_rate_6m", "marketing_spend_usd", "ltv", "cac", "ltv_to_cac"),
                  "month", order_by=("month",)),
        )),
    Endpoint(
        "dashboard_executive", "/dashboards/executive", "Executive dashboard",
        "The monthly scorecard, daily revenue and orders with growth, and the range's store totals.",
        "dashboard", "dashboard", (
            Panel("monthly", "executive_kpis",
                  ("month", "mrr", "arr", "net_new_mrr", "mrr_growth_rate", "net_revenue_retention",
                   "store_revenue_usd", "store_orders", "conversion_rate", "leads", "win_rate", "at_risk_mrr"),
                  "month", order_by=("month",)),
            Panel("daily", "period_kpis",
                  ("period_start", "revenue_usd", "orders", "new_customers", "sessions", "purchase_sessions",
                   "average_order_value_usd", "conversion_rate", "revenue_growth", "orders_growth"),
                  "period_start", where="period_type = 'day'", order_by=("period_start",)),
            Panel("totals", "period_kpis",
                  ("revenue_usd", "orders", "new_customers", "sessions", "purchase_sessions", "leads", "deals_won",
                   "deals_lost"),
                  "period_start", where="period_type = 'day'", aggregate="sum"),
        )),
    Endpoint(
        "mrr_trend", "/mrr/trend", "MRR trend",
        "Ending MRR, ARR, growth, customers and retention by month.",
        "cohort", "revenue", (
            Panel("months", "mrr_monthly",
                  ("month", "ending_mrr", "arr", "mrr_growth_rate", "active_customers", "logo_churn_rate",
                   "net_revenue_retention", "gross_revenue_retention", "trailing_12m_net_revenue_retention",
                   "trailing_12m_gross_revenue_retention"),
                  "month", order_by=("month",)),
        )),
    Endpoint(
        "mrr_bridge", "/mrr/bridge", "MRR bridge",
        "Starting MRR + movements = ending MRR by month, and the movements summed over the range.",
        "cohort", "revenue", (
            Panel("months", "mrr_monthly", ("month", *MRR_BRIDGE_COLUMNS, *MRR_MOVEMENT_COUNTS), "month",
                  order_by=("month",)),
            Panel("totals", "mrr_monthly", (*MRR_MOVEMENTS, *MRR_MOVEMENT_COUNTS), "month", aggregate="sum"),
        )),
    Endpoint(
        "cohorts", "/cohorts", "Cohort retention",
        "Store cohorts whose first month is in the range: retention and the revenue curve by month number.",
        "cohort", "cohorts", (
            Panel("cells", "cohort_retention",
                  ("cohort_month", "month_number", "activity_month", "cohort_size", "retained_customers",
                   "retention_rate", "revenue", "cumulative_revenue_per_customer"),
                  "cohort_month", order_by=("cohort_month", "month_number")),
        )),
    Endpoint(
        "messaging_overview", "/messaging/overview", "Messaging overview",
        "Messages and their rates by month (all accounts), conversations, hand-offs and costs summed over "
        "the range's days, and the top campaigns first sent in the range.",
        "dashboard", "dashboard", (
            Panel("months", "messaging_snapshots",
                  ("period_start", "is_complete", *MESSAGE_COUNTS, "delivery_rate", "read_rate", "reply_rate",
                   "failure_rate", "conversations_total", "contacts_total", "contacts_new", "contacts_active",
                   "campaigns_total"),
                  "period_start", where="period_type = 'month' and whatsapp_account_id is null",
                  order_by=("period_start",)),
            Panel("conversations", "conversation_metrics_daily", CONVERSATION_PARTS, "day",
                  where="outlet_id is null", aggregate="sum"),
            Panel("top_campaigns", "campaign_performance",
                  ("campaign_id", "campaign_name", "status", "messages_sent", "messages_delivered", "messages_read",
                   "messages_replied", "messages_failed", "delivery_rate", "read_rate", "reply_rate",
                   "total_cost_usd", "campaign_score"),
                  "cast(first_sent_at as date)", order_by=("campaign_score desc", "messages_sent desc", "campaign_id"),
                  top=10),
        )),
    Endpoint(
        "messaging_dashboard", "/messaging/dashboard", "Messaging dashboard",
        "The last N complete days (all accounts) against the N days before them: counts and growth.",
        "realtime", "dashboard", (
            Panel("window", "messaging_rolling_windows",
                  ("current_start", "current_end", "previous_start", "previous_end", *DASHBOARD_COUNTS,
                   *(f"previous_{c}" for c in DASHBOARD_COUNTS), *(f"{c}_growth" for c in DASHBOARD_COUNTS)),
                  where="window_days = :days"),
        ), params="days"),
    Endpoint(
        "messaging_summary", "/messaging/summary", "Messaging summary",
        "The latest complete day, week and month (all accounts) with the mart's rates and growth, and "
        "campaigns by status with their sends and costs.",
        "dashboard", "dashboard", (
            Panel("latest_periods", "messaging_snapshots", LATEST_PERIOD_COLUMNS, sql_override=latest_periods_sql),
            Panel("campaigns", "campaign_performance",
                  ("audience_size", "messages_sent", "messages_delivered", "messages_read", "messages_replied",
                   "messages_failed", "total_cost_usd"),
                  aggregate="sum", group_by=("status",), count_as="campaigns"),
        ), params="none"),
)

BY_TYPE = {e.type: e for e in ENDPOINTS}


def endpoints_reading(marts: set[str]) -> list[Endpoint]:
    """The endpoints whose answers a rebuild of these marts changes."""
    return [e for e in ENDPOINTS if set(e.marts) & marts]


def api_marts() -> tuple[str, ...]:
    return tuple(sorted({m for e in ENDPOINTS for m in e.marts} | set(REPORT_MARTS)))


# The report endpoints reuse orchestration/reports, which reads these marts (the report asset's
# MARTS; kept here so the API never imports Dagster; tests/test_api.py holds the two equal).
REPORT_MARTS = ("executive_kpis", "period_kpis", "mrr_monthly", "fct_mrr", "dim_customers", "targets_vs_actuals")


def endpoint_table() -> str:
    """The Markdown table of docs/API.md (a test holds the doc to it)."""
    from orchestration.api.settings import RATE_LIMITS_PER_MINUTE, TTL_SECONDS
    lines = ["| endpoint | what | marts read | cached | limit |", "|---|---|---|---|---|"]
    for e in ENDPOINTS:
        marts = ", ".join(f"`{m}`" for m in e.marts)
        lines.append(f"| `GET /api/v1{e.path}` | {e.description} | {marts} | {TTL_SECONDS[e.cache_class]:,} s | "
                     f"{RATE_LIMITS_PER_MINUTE[e.rate_group]}/min |")
    return "\n".join(lines)
