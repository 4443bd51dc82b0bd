"""What an executive report says, whatever file it is written to: one tenant's mart rows, the KPI
tiles read from them, the columns of each table and how every kind of value is shown.

Every figure is a mart value. The only arithmetic here is for display: a tile whose mart has no
growth column shows the difference between two mart values (this month and the month compared
with), as a relative change, in percentage points or as an amount (see Tile.change). A value that
is missing, or a comparison that would mislead (no earlier month, a base of zero or below), is
shown as "n/a", never as 0."""
import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

import pandas as pd

NA = "n/a"

# Tunable numbers, each with its reason.
TREND_MONTHS = 24         # two years: this month against the same month last year is on the chart
FORECAST_MONTHS = 6       # half a year ahead on the MRR chart: the near horizon, where the 80 % band is still narrow
BRIDGE_MONTHS = 12        # one year of MRR movements: seasonality shows, bars stay readable on A4
TOP_MOVEMENTS_PDF = 8     # the rows that fit the page under the charts
AMOUNT_IN_FULL = 10_000   # a tile's change of this much or more is shown as $12.3k: the cents do not fit the tile
TOP_MOVEMENTS_XLSX = 25   # the workbook has room for more; beyond this the movements are small change

Kind = Literal["date", "text", "money", "rate", "count", "number"]
Change = Literal["relative", "points", "amount"]
Tone = Literal["good", "bad", "flat", "na"]


@dataclass(frozen=True)
class Column:
    """One column of a report table: the mart's column, the header people read, and its kind
    (which fixes the CSV rendering and the XLSX number format)."""
    name: str
    label: str
    kind: Kind


KPI_COLUMNS = (
    Column("month", "Month", "date"),
    Column("mrr", "MRR (USD)", "money"),
    Column("arr", "ARR (USD)", "money"),
    Column("net_new_mrr", "Net new MRR (USD)", "money"),
    Column("mrr_growth_rate", "MRR growth", "rate"),
    Column("subscription_customers", "Subscription customers", "count"),
    Column("new_subscription_customers", "New subscription customers", "count"),
    Column("logo_churn_rate", "Logo churn", "rate"),
    Column("net_revenue_retention", "NRR (month)", "rate"),
    Column("trailing_12m_net_revenue_retention", "NRR (trailing 12 months)", "rate"),
    Column("arpa", "ARPA (USD)", "money"),
    Column("store_revenue_usd", "Store revenue (USD)", "money"),
    Column("store_revenue_growth", "Store revenue growth", "rate"),
    Column("store_orders", "Store orders", "count"),
    Column("store_orders_growth", "Store orders growth", "rate"),
    Column("average_order_value_usd", "Average order value (USD)", "money"),
)
BRIDGE_COLUMNS = (
    Column("month", "Month", "date"),
    Column("starting_mrr", "Starting MRR (USD)", "money"),
    Column("new_mrr", "New (USD)", "money"),
    Column("expansion_mrr", "Expansion (USD)", "money"),
    Column("reactivation_mrr", "Reactivation (USD)", "money"),
    Column("contraction_mrr", "Contraction (USD)", "money"),
    Column("churned_mrr", "Churn (USD)", "money"),
    Column("ending_mrr", "Ending MRR (USD)", "money"),
    Column("net_new_mrr", "Net new MRR (USD)", "money"),
    Column("active_customers", "Active customers", "count"),
    Column("new_customers", "New customers", "count"),
    Column("churned_customers", "Churned customers", "count"),
    Column("reactivated_customers", "Reactivated customers", "count"),
    Column("logo_churn_rate", "Logo churn", "rate"),
    Column("net_revenue_retention", "NRR (month)", "rate"),
    Column("gross_revenue_retention", "GRR (month)", "rate"),
)
MOVEMENT_COLUMNS = (
    Column("month", "Month", "date"),
    Column("customer_id", "Customer ID", "text"),
    Column("account_name", "Customer", "text"),
    Column("segment", "Segment", "text"),
    Column("movement", "Movement", "text"),
    Column("previous_mrr", "MRR before (USD)", "money"),
    Column("mrr", "MRR after (USD)", "money"),
    Column("mrr_change", "Change (USD)", "money"),
)

# The bridge's movements in mrr_monthly's order: (fct_mrr movement, mrr_monthly column, label)
BRIDGE_STEPS = (
    ("new", "new_mrr", "New"),
    ("expansion", "expansion_mrr", "Expansion"),
    ("reactivation", "reactivation_mrr", "Reactivation"),
    ("contraction", "contraction_mrr", "Contraction"),
    ("churn", "churned_mrr", "Churn"),
)
SEGMENT_LABELS = {"smb": "SMB", "mid_market": "Mid-market", "enterprise": "Enterprise", "unknown": "Unknown"}


@dataclass(frozen=True)
class Tile:
    """A KPI tile: a column of executive_kpis for the last complete month, compared with the month
    before and the same month a year before. change says how a comparison is shown: relative
    (growth, for amounts and counts that are never below zero), points (the difference of two
    rates, in percentage points) or amount (the difference, for a flow that can be negative, whose
    relative change would mislead). growth_column names the mart's own month-on-month growth:
    when the frame has it, the tile shows it instead of working out a difference."""
    label: str
    column: str
    kind: Kind
    change: Change
    growth_column: str | None = None
    higher_is_better: bool = True


TILES = (
    Tile("MRR", "mrr", "money", "relative", growth_column="mrr_growth_rate"),
    Tile("ARR", "arr", "money", "relative"),
    Tile("Net new MRR", "net_new_mrr", "money", "amount"),
    Tile("Net revenue retention", "net_revenue_retention", "rate", "points"),
    Tile("Logo churn", "logo_churn_rate", "rate", "points", higher_is_better=False),
    Tile("ARPA", "arpa", "money", "relative"),
    Tile("Store revenue", "store_revenue_usd", "money", "relative", growth_column="store_revenue_growth"),
    Tile("Store orders", "store_orders", "count", "relative", growth_column="store_orders_growth"),
)

# Columns of the KPI frame that another mart than executive_kpis provides (the asset's query joins them)
JOINED_COLUMNS = {"store_orders_growth": "period_kpis.orders_growth"}


def mart_column(column: str) -> str:
    return JOINED_COLUMNS.get(column, f"executive_kpis.{column}")


def last_complete_month(as_of: date) -> date:
    """The month before as_of's month (dbt macro last_complete_month): the marts' last month."""
    return add_months(date(as_of.year, as_of.month, 1), -1)


def add_months(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_label(month: date, long: bool = False) -> str:
    return month.strftime("%B %Y" if long else "%b %Y")


def as_date(value) -> date | None:
    """A month as read from a warehouse driver or pandas (date, datetime, Timestamp, ISO text)."""
    value = clean(value)
    if value is None:
        return None
    if isinstance(value, datetime):             # pd.Timestamp is one too
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def clean(value):
    """None for every spelling of a missing value (None, NaN, pd.NA, NaT)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, Decimal) and value.is_nan():
        return None
    return value


def to_decimal(value) -> Decimal | None:
    """A number as the decimal it was meant to be: a float through its shortest repr (0.125 stays
    0.125, not 0.12499...), so rounding half-up works on the mart's digits."""
    value = clean(value)
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def money(value) -> Decimal | None:
    """A money amount rounded half-up (away from zero on a tie) to cents, as every report shows it."""
    number = to_decimal(value)
    return None if number is None else number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def rounded(value, places: int) -> Decimal | None:
    number = to_decimal(value)
    return None if number is None else number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def signed(text: str, number: Decimal) -> str:
    return ("+" if number > 0 else "-" if number < 0 else "") + text


def fmt_money(value, sign: bool = False) -> str:
    amount = money(value)
    if amount is None:
        return NA
    text = f"${abs(amount):,.2f}"
    return signed(text, amount) if sign else ("-" + text if amount < 0 else text)


def fmt_rate(value, sign: bool = False) -> str:
    """A fraction as a percentage with one decimal, rounded half-up: 0.16160 -> 16.2%."""
    pct = rounded(None if clean(value) is None else to_decimal(value) * 100, 1)
    if pct is None:
        return NA
    text = f"{abs(pct):,.1f}%"
    return signed(text, pct) if sign else ("-" + text if pct < 0 else text)


def fmt_points(value) -> str:
    points = rounded(value, 1)
    return NA if points is None else signed(f"{abs(points):.1f} pp", points)


def fmt_count(value) -> str:
    number = rounded(value, 0)
    return NA if number is None else f"{int(number):,}"


def fmt_value(value, kind: Kind) -> str:
    if clean(value) is None:
        return NA
    if kind == "money":
        return fmt_money(value)
    if kind == "rate":
        return fmt_rate(value)
    if kind == "count":
        return fmt_count(value)
    if kind == "number":                    # a score or a ratio of two amounts: two decimals
        return f"{rounded(value, 2):,.2f}"
    if kind == "date":
        return as_date(value).isoformat()
    return str(value)


# (from, divisor, suffix): below $10k a chart counts in dollars, $9,950 reads better than $10.0k
SCALES = ((Decimal(10) ** 9, Decimal(10) ** 9, "B"), (Decimal(10) ** 6, Decimal(10) ** 6, "M"),
          (Decimal(10) ** 4, Decimal(10) ** 3, "k"))


def money_scale(largest) -> tuple[Decimal, str]:
    """The unit a chart states amounts in, from the largest amount it shows: $9,950 stays in
    dollars, $12,300 becomes $12.3k, $4,500,000 $4.5M."""
    size = abs(to_decimal(largest) or Decimal(0))
    return next(((divisor, suffix) for start, divisor, suffix in SCALES if size >= start), (Decimal(1), ""))


def fmt_compact_money(value, places: int | None = None, scale: tuple[Decimal, str] | None = None) -> str:
    """Chart labels: $950, $9,950, $12.3k, $1.2M. scale fixes the unit (one for a whole axis),
    places the decimals; by default one decimal with a unit, none without (cents under $10)."""
    number = to_decimal(value)
    if number is None:
        return NA
    divisor, suffix = scale or money_scale(number)
    size = abs(number)
    if places is None:
        places = 1 if suffix else 2 if 0 < size < 10 and size != size.to_integral_value() else 0
    shown = rounded(size / divisor, places)
    if shown == 0:
        return "$0"
    return f"{'-' if number < 0 else ''}${shown:,}{suffix}"


@dataclass(frozen=True)
class Comparison:
    """One comparison on a tile: the text shown, the number behind it (a fraction for relative,
    points for points, USD for amount; None when n/a), and whether it is good news."""
    against: date
    change: Change
    number: Decimal | None
    text: str
    tone: Tone


@dataclass(frozen=True)
class TileReading:
    tile: Tile
    month: date
    value: object
    previous_value: object
    year_ago_value: object
    vs_previous: Comparison
    vs_year_ago: Comparison

    @property
    def text(self) -> str:
        return fmt_value(self.value, self.tile.kind)


@dataclass
class TenantReport:
    """One tenant's rows, as read from the marts (the writers never query):
    kpis       executive_kpis, one row per month (with period_kpis' store_orders_growth)
    bridge     mrr_monthly, one row per month
    movements  fct_mrr rows of the last complete month that moved, with dim_customers' name and segment
    outlook    targets_vs_actuals rows of metric mrr: the month's target and, for the months ahead, the
               forecast's ending MRR and its 80 % interval (none when no target or forecast is loaded)
    """
    tenant: str
    as_of: date
    kpis: pd.DataFrame
    bridge: pd.DataFrame
    movements: pd.DataFrame
    outlook: pd.DataFrame | None = None

    @property
    def month(self) -> date:
        return last_complete_month(self.as_of)

    def kpi_row(self, month: date) -> dict | None:
        return row_of(self.kpis, month)

    def bridge_row(self, month: date) -> dict | None:
        return row_of(self.bridge, month)

    def bridge_months(self, months: int) -> list[dict]:
        """The bridge rows of the last `months` months up to the report's month, oldest first."""
        return rows_between(self.bridge, add_months(self.month, -(months - 1)), self.month)

    def kpi_months(self, months: int) -> list[dict]:
        return rows_between(self.kpis, add_months(self.month, -(months - 1)), self.month)

    def outlook_months(self, history: int, ahead: int) -> list[dict]:
        """targets_vs_actuals rows from `history` months up to the report's month to `ahead` after it."""
        return rows_between(self.outlook, add_months(self.month, -(history - 1)), add_months(self.month, ahead))

    def tiles(self) -> list[TileReading]:
        return [read_tile(tile, self) for tile in TILES]

    def top_movements(self, limit: int) -> list[dict]:
        """The month's largest MRR movements by size of the change (either sign), largest first."""
        rows = [r for r in records(self.movements)
                if as_date(r.get("month")) in (None, self.month) and clean(r.get("mrr_change")) is not None
                and to_decimal(r["mrr_change"]) != 0]
        rows.sort(key=lambda r: (-abs(to_decimal(r["mrr_change"])), str(r.get("customer_id"))))
        return rows[:limit]


def records(frame: pd.DataFrame | None) -> list[dict]:
    if frame is None or frame.empty:
        return []
    return [{k: clean(v) for k, v in row.items()} for row in frame.to_dict("records")]


def row_of(frame: pd.DataFrame | None, month: date) -> dict | None:
    return next((r for r in records(frame) if as_date(r.get("month")) == month), None)


def rows_between(frame: pd.DataFrame | None, first: date, last: date) -> list[dict]:
    rows = [r for r in records(frame) if (m := as_date(r.get("month"))) is not None and first <= m <= last]
    return sorted(rows, key=lambda r: as_date(r["month"]))


def read_tile(tile: Tile, report: TenantReport) -> TileReading:
    month = report.month
    current, previous = report.kpi_row(month) or {}, report.kpi_row(add_months(month, -1))
    year_ago = report.kpi_row(add_months(month, -12))
    value = current.get(tile.column)
    from_mart = tile.growth_column is not None and tile.growth_column in current
    return TileReading(
        tile=tile, month=month, value=value,
        previous_value=(previous or {}).get(tile.column), year_ago_value=(year_ago or {}).get(tile.column),
        vs_previous=compare(tile, value, previous, add_months(month, -1),
                            from_mart=from_mart, mart_growth=current.get(tile.growth_column or "")),
        vs_year_ago=compare(tile, value, year_ago, add_months(month, -12)),
    )


def compare(tile: Tile, value, other_row: dict | None, against: date, from_mart: bool = False,
            mart_growth=None) -> Comparison:
    """value against the same column of other_row, as the tile shows changes. from_mart: show the
    mart's own growth for this comparison, mart_growth, as it is (null there means the mart found
    no base: n/a)."""
    current = to_decimal(value)
    other = None if other_row is None else to_decimal(other_row.get(tile.column))
    number: Decimal | None = None
    if from_mart:
        number = to_decimal(mart_growth)
    elif current is not None and other is not None:
        if tile.change == "relative":
            number = (current - other) / other if other > 0 and current >= 0 else None
        elif tile.change == "points":
            number = (current - other) * 100
        else:
            number = money(current) - money(other)
    if number is None:
        return Comparison(against, tile.change, None, NA, "na")
    if tile.change == "relative":
        shown = rounded(number * 100, 1)
        text = fmt_rate(number, sign=True)
    elif tile.change == "points":
        shown = rounded(number, 1)
        text = fmt_points(number)
    else:
        shown = money(number)
        text = fmt_money(number, sign=True) if abs(shown) < AMOUNT_IN_FULL else signed(fmt_compact_money(abs(shown)), shown)
    tone: Tone = "flat" if shown == 0 else "good" if (shown > 0) == tile.higher_is_better else "bad"
    return Comparison(against, tile.change, number, text, tone)
