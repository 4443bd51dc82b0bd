"""The simulated facts of CRM and billing that the ledger is computed from."""
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

LineKind = Literal["recurring", "proration", "setup"]


@dataclass(frozen=True)
class InvoiceLine:
    """One line of an invoice, before it is written to raw_billing.invoice_line_items.

    recurring: a subscription period at its price (counts towards MRR);
    proration: the price difference of a mid-period upgrade, billed on the next invoice;
    setup: a one-off fee with no price, subscription or interval.
    """
    kind: LineKind
    price_id: str | None
    interval: str | None
    interval_count: int | None
    amount_minor: int           # before discount
    discount_minor: int
    quantity: int
    period_start: datetime
    period_end: datetime


@dataclass
class BillingPeriod:
    """A recurring period as invoiced: the MRR ledger's raw material."""
    start: datetime
    end: datetime
    price_id: str
    interval: str
    interval_count: int
    amount_minor: int       # before discount
    discount_minor: int
    currency: str
    invoice_status: str


@dataclass
class Customer:
    """A billing customer: from a won deal (with a CRM account) or a self-serve sign-up (without)."""
    customer_id: str
    account_id: str | None
    currency: str
    segment: str
    created: datetime
    email: str
    periods: list[BillingPeriod] = field(default_factory=list)


@dataclass
class WonDeal:
    """A closed_won opportunity as the simulation decided it (the ledger's sales truth)."""
    opportunity_id: str
    owner_user_id: str
    closed_at: datetime
    lead_created_at: datetime | None   # None for renewal and expansion deals, which have no lead
    amount: Decimal                    # major units of currency, as written to raw
    currency: str


@dataclass(frozen=True)
class LeadOutcome:
    """How far one lead got through the funnel (the funnel ledger's raw material)."""
    cohort_month: int               # month index of the lead's creation
    source: str
    contacted: bool
    qualified: bool
    proposal: bool
    won: bool
    customer_account_id: str | None  # the account that became a billing customer, if any


# --- ledger rows (generator_ledger tables) ---------------------------------------------------

@dataclass(frozen=True)
class MrrRow:
    tenant_id: str
    customer_id: str
    month: date
    mrr_usd: float


@dataclass(frozen=True)
class FunnelRow:
    tenant_id: str
    cohort_month: date
    lead_source: str
    leads: int
    contacted: int
    qualified: int
    proposal: int
    won: int
    customer: int


@dataclass(frozen=True)
class WonDealRow:
    tenant_id: str
    opportunity_id: str
    owner_user_id: str
    closed_month: date
    sales_cycle_days: int | None
    amount_usd: float
