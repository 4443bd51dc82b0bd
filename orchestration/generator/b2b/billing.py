"""The subscription-billing side of one tenant: the price catalogue, customers (from won deals and
self-serve sign-ups), subscriptions that renew, change plan, fail payment, cancel and come back,
their invoices, invoice lines and payments, and the MRR ledger computed from the invoiced periods.
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from .. import profiles
from ..timeutil import add_interval, month_end, month_from_index, month_index, months_in_interval
from .context import FIRST_NAMES, LAST_NAMES, SimulationContext
from .crm import Crm, segment_of
from .records import BillingPeriod, Customer, InvoiceLine, MrrRow

FIRST_TIER_BY_SEGMENT = {"smb": "Starter", "mid_market": "Pro", "enterprise": "Enterprise"}
FAILURE_CODES = ("card_declined", "insufficient_funds", "expired_card")
NOT_REVENUE = ("void", "draft", "uncollectible")     # invoice statuses whose periods carry no MRR


@dataclass(frozen=True)
class CataloguePrice:
    price_id: str
    unit_amount_minor: int


@dataclass
class SubscriptionState:
    """What is written to raw_billing.subscriptions when a subscription's simulation ends."""
    subscription_id: str
    start: datetime
    trial_start: datetime | None = None
    trial_end: datetime | None = None
    ended_at: datetime | None = None
    canceled_at: datetime | None = None
    current_period_start: datetime | None = None
    current_period_end: datetime | None = None


class Billing:
    """The raw_billing rows of one tenant and the billed periods its MRR ledger is computed from."""

    def __init__(self, context: SimulationContext, crm: Crm):
        self.context = context
        self.crm = crm
        self.rows = context.billing_rows
        self.customers: list[Customer] = []
        self.prices: dict[tuple[str, str, int, str], CataloguePrice] = {}   # (tier, interval, count, currency)

    # -- catalogue -------------------------------------------------------------
    def add_catalogue(self):
        """One product per tier, priced in every plan interval and billing currency of the tenant."""
        ctx = self.context
        created = ctx.start - timedelta(days=profiles.BILLING_CATALOGUE_CREATED_DAYS_BEFORE_HISTORY)
        for tier in (*profiles.TIERS, "Add-on"):
            product_id = ctx.new_id("prod")
            self.rows["products"].add(
                id=product_id, tenant_id=ctx.tenant_id, name=f"{ctx.profile.name.title()} {tier}",
                product_line="addon" if tier == "Add-on" else "core", created_at=created,
                _loaded_at=ctx.loaded_at(created))
            for (interval, count) in ctx.profile.plan_options:
                for currency in ctx.profile.billing_currencies:
                    months = months_in_interval(interval, count)
                    major = (profiles.TIER_MONTHLY_USD[tier] * profiles.PRICE_FX[currency] * months
                             * profiles.INTERVAL_DISCOUNT[(interval, count)])
                    step = profiles.PRICE_ROUNDING_STEP.get(currency, 1)
                    minor = int(max(step, round(major / step) * step)) * 10 ** profiles.EXPONENT[currency]
                    price_id = ctx.new_id("price")
                    self.prices[(tier, interval, count, currency)] = CataloguePrice(price_id, minor)
                    self.rows["prices"].add(
                        id=price_id, tenant_id=ctx.tenant_id, product_id=product_id,
                        nickname=f"{tier} {count} {interval}", unit_amount=minor, currency=currency,
                        recurring_interval=interval, recurring_interval_count=count, is_active=True,
                        created_at=created, _loaded_at=ctx.loaded_at(created))

    # -- customers ---------------------------------------------------------------
    def add_customer(self, account_id: str | None, currency: str, segment: str | None,
                     created: datetime) -> Customer:
        ctx = self.context
        customer_id = ctx.new_id("cus")
        first, last = ctx.pick_one(FIRST_NAMES), ctx.pick_one(LAST_NAMES)
        email = f"{first}.{last}{ctx.ids_issued['cus']}@{ctx.profile.name}-client.example"
        customer = Customer(customer_id, account_id, currency, segment or "unknown", created, email)
        self.customers.append(customer)
        return customer

    def add_self_serve_customers(self):
        """Sign-ups without a sales deal (no CRM account), mostly small companies."""
        ctx, rng = self.context, self.context.rng
        for _ in range(round(profiles.SELF_SERVE_CUSTOMERS_PER_SIZE * ctx.size)):
            created = ctx.random_time(ctx.start, ctx.now - timedelta(days=1))
            employees = int(rng.lognormal(profiles.SELF_SERVE_EMPLOYEES_LOG_MEAN, profiles.SELF_SERVE_EMPLOYEES_LOG_SIGMA)) + 1
            self.add_customer(None, ctx.pick_weighted(ctx.profile.billing_currencies), segment_of(employees),
                              created)

    def simulate_customer(self, customer: Customer):
        """The customer row, its subscriptions (again after a churn, now and then) and maybe an add-on."""
        ctx, rng = self.context, self.context.rng
        created_day = customer.created.replace(hour=0, minute=0, second=0, microsecond=0)
        self.rows["customers"].add(
            id=customer.customer_id, tenant_id=ctx.tenant_id, crm_account_id=customer.account_id,
            email=customer.email, name=f"Customer {customer.customer_id}", currency=customer.currency,
            created_at=customer.created, is_deleted=False, updated_at=customer.created,
            _loaded_at=ctx.loaded_at(customer.created))
        trial = customer.account_id is None and rng.random() < profiles.P_TRIAL_SELF_SERVE
        start = created_day + timedelta(days=int(rng.integers(*profiles.FIRST_SUBSCRIPTION_AFTER_SIGNUP_DAYS)))
        tier = FIRST_TIER_BY_SEGMENT.get(customer.segment, "Starter")
        if tier == "Starter" and rng.random() < profiles.P_STARTER_BUYS_PRO:
            tier = "Pro"
        seats = int(max(1, rng.lognormal(profiles.SEATS_LOG_MEAN_BY_TIER[tier], profiles.SEATS_LOG_SIGMA)))
        first = True
        while start < ctx.now:
            ended, churned = self._simulate_subscription(customer, start, tier, seats, trial and first, first)
            first = False
            if ended is None or not churned or rng.random() > profiles.P_REACTIVATE:
                break
            start = ended + timedelta(days=int(rng.integers(*profiles.REACTIVATION_AFTER_CHURN_DAYS)))
            tier = str(ctx.pick_one(profiles.TIERS[:2]))
        if rng.random() < profiles.P_ADDON and customer.periods:
            addon_start = customer.periods[0].start + timedelta(days=int(rng.integers(*profiles.ADDON_AFTER_FIRST_PERIOD_DAYS)))
            if addon_start < ctx.now:
                self._simulate_subscription(customer, addon_start, "Add-on", 1, False, False)

    # -- subscriptions -------------------------------------------------------
    def _simulate_subscription(self, customer: Customer, start: datetime, tier: str, seats: int, trial: bool,
                               first: bool) -> tuple[datetime | None, bool]:
        """Simulate one subscription period by period; returns (ended_at or None, churned_by_customer)."""
        ctx, rng, now = self.context, self.context.rng, self.context.now
        sub = SubscriptionState(ctx.new_id("sub"), start)
        interval, count = ctx.pick_weighted(ctx.profile.plan_options)
        coupon_share = ctx.pick_one(profiles.COUPON_SHARES) if rng.random() < profiles.P_COUPON else 0.0
        coupon_until = start + timedelta(days=int(rng.integers(*profiles.COUPON_DAYS)))
        status_history: list[tuple[str, datetime]] = []
        anchor = start
        if trial:
            sub.trial_start, sub.trial_end = start, start + timedelta(days=profiles.TRIAL_DAYS)
            price = self.prices[(tier, interval, count, customer.currency)]
            self._invoice(customer, sub.subscription_id,
                          [InvoiceLine("recurring", price.price_id, interval, count, 0, 0, seats, sub.trial_start,
                                       sub.trial_end)],
                          "paid", sub.trial_start, record=True)
            status_history.append(("trialing", start))
            if rng.random() > profiles.P_TRIAL_CONVERTS or sub.trial_end >= now:
                sub.ended_at = sub.trial_end if sub.trial_end < now else None
                sub.canceled_at = sub.trial_end if sub.ended_at else None
                sub.current_period_start, sub.current_period_end = start, sub.trial_end
                self._write_subscription(customer, sub, status_history)
                return sub.ended_at, False
            anchor = sub.trial_end
        status_history.append(("active", anchor))
        n, period_start, churned = 0, anchor, False
        pending_proration: InvoiceLine | None = None
        sub.current_period_start = sub.current_period_end = anchor
        while period_start < now:
            period_end = add_interval(anchor, n + 1, interval, count)
            price = self.prices[(tier, interval, count, customer.currency)]
            amount = price.unit_amount_minor * seats
            discount = round(amount * coupon_share) if period_start < coupon_until else 0
            lines = [InvoiceLine("recurring", price.price_id, interval, count, amount, discount, seats,
                                 period_start, period_end)]
            if pending_proration is not None:
                lines.append(pending_proration)
                pending_proration = None
            if first and n == 0 and rng.random() < profiles.P_SETUP_FEE:   # one-off, not recurring
                lines.append(InvoiceLine("setup", None, None, None,
                                         int(price.unit_amount_minor * profiles.SETUP_FEE_UNITS), 0, 1,
                                         period_start, period_start))
            current = period_end > now
            status = "paid"
            if rng.random() < profiles.P_PAYMENT_FAILS:
                status = "paid" if rng.random() < profiles.P_DUNNING_RECOVERS else "uncollectible"
            elif current and (now - period_start) < timedelta(days=3):
                status = "open"
            if status == "paid" and not current and rng.random() < profiles.P_VOID_REISSUE:
                self._invoice(customer, sub.subscription_id, lines, "void", period_start, record=True)
            self._invoice(customer, sub.subscription_id, lines, status, period_start, record=True,
                          failed_attempts=(1 + int(rng.integers(*profiles.EXTRA_FAILED_ATTEMPTS))
                                           if status == "uncollectible" else 0))
            sub.current_period_start, sub.current_period_end = period_start, period_end
            if status == "uncollectible":   # dunning exhausted: service ends, customer lost
                sub.ended_at = min(period_start + timedelta(days=14), now - timedelta(seconds=1))
                sub.canceled_at, churned = sub.ended_at, True
                status_history.append(("past_due", period_start + timedelta(days=3)))
                break
            if current:
                break
            months = months_in_interval(interval, count)
            hazard = 1 - (1 - profiles.CHURN_HAZARD.get(customer.segment, profiles.CHURN_HAZARD_UNKNOWN)) ** months
            if rng.random() < hazard:
                days_before_end = int(rng.integers(*profiles.CANCEL_REQUESTED_BEFORE_PERIOD_END_DAYS))
                cancel_requested = period_end - timedelta(days=days_before_end)
                cancel_requested = max(cancel_requested, period_start)
                if cancel_requested < now:
                    sub.canceled_at = cancel_requested
                    if period_end <= now:
                        sub.ended_at, churned = period_end, True
                        self.crm.add_renewal(customer, months, period_end, won=False)
                        break
                # cancel requested but not effective yet (or not yet requested)
            else:
                self.crm.add_renewal(customer, months, period_end, won=True)
            plan_change_draw = rng.random()
            if plan_change_draw < profiles.P_UPGRADE * months and tier != "Enterprise" and tier != "Add-on":
                old_unit = price.unit_amount_minor
                tier = profiles.TIERS[profiles.TIERS.index(tier) + 1]
                self.crm.add_expansion(customer, period_end)
                if rng.random() < profiles.P_UPGRADE_MID_PERIOD:   # a proration line on the next invoice
                    new_unit = self.prices[(tier, interval, count, customer.currency)].unit_amount_minor
                    mid = period_start + (period_end - period_start) / 2
                    prorated = int((new_unit - old_unit) * seats * 0.5)     # the half period left at the new price
                    pending_proration = InvoiceLine("proration", price.price_id, interval, count, prorated, 0,
                                                    seats, mid, period_end)
            elif (plan_change_draw < (profiles.P_UPGRADE + profiles.P_DOWNGRADE) * months
                  and tier in ("Pro", "Enterprise")):
                tier = profiles.TIERS[profiles.TIERS.index(tier) - 1]
            elif plan_change_draw < (profiles.P_UPGRADE + profiles.P_DOWNGRADE + profiles.P_SEAT_CHANGE) * months:
                seats = max(1, seats + ctx.pick_one(profiles.SEAT_CHANGES))
            period_start = period_end
            n += 1
        self._write_subscription(customer, sub, status_history)
        return sub.ended_at, churned

    def _write_subscription(self, customer: Customer, sub: SubscriptionState, history: list[tuple[str, datetime]]):
        ctx = self.context
        if sub.ended_at is not None:
            status, updated = "canceled", sub.ended_at
        else:
            status, updated = history[-1]
            if status == "trialing" and sub.trial_end is not None and sub.trial_end < ctx.now:
                status = "active"
        row = dict(id=sub.subscription_id, tenant_id=ctx.tenant_id, customer_id=customer.customer_id,
                   status=status, created_at=sub.start, start_date=sub.start, trial_start=sub.trial_start,
                   trial_end=sub.trial_end,
                   cancel_at_period_end=sub.canceled_at is not None
                   and (sub.ended_at is None or sub.ended_at == sub.current_period_end),
                   canceled_at=sub.canceled_at, ended_at=sub.ended_at,
                   current_period_start=sub.current_period_start, current_period_end=sub.current_period_end,
                   updated_at=max(updated, sub.canceled_at or updated))
        if status == "canceled" and ctx.rng.random() < profiles.EARLIER_VERSION_RATE:
            early = dict(row, status="active", canceled_at=None, ended_at=None,
                         cancel_at_period_end=False, updated_at=sub.start)
            self.rows["subscriptions"].add(**early, _loaded_at=ctx.loaded_at(sub.start))
        self.rows["subscriptions"].add(**row, _loaded_at=ctx.loaded_at(row["updated_at"]))

    # -- invoices and payments ------------------------------------------------
    def _invoice(self, customer: Customer, subscription_id: str, lines: list[InvoiceLine], status: str,
                 created: datetime, record: bool, failed_attempts: int = 0):
        """An invoice with its lines and payments; record: its recurring lines are billing periods."""
        ctx, rng = self.context, self.context.rng
        invoice_id = ctx.new_id("inv")
        subtotal = sum(line.amount_minor for line in lines)
        discount = sum(line.discount_minor for line in lines)
        tax = round((subtotal - discount) * profiles.VAT_RATE) if customer.currency in profiles.VAT_CURRENCIES else 0
        total = subtotal - discount + tax
        paid = status == "paid"
        paid_at = created + timedelta(hours=float(rng.uniform(*profiles.PAID_AFTER_INVOICE_HOURS))) if paid else None
        if paid_at is not None and paid_at >= ctx.now:
            paid_at = ctx.now - timedelta(seconds=1)
        updated = paid_at or created
        if status == "uncollectible":   # marked uncollectible when dunning gives up
            updated = min(created + timedelta(days=14), ctx.now - timedelta(seconds=2))
        row = dict(id=invoice_id, tenant_id=ctx.tenant_id, customer_id=customer.customer_id,
                   subscription_id=subscription_id, status=status, currency=customer.currency,
                   subtotal=subtotal, discount_total=discount, tax=tax, total=total,
                   amount_paid=total if paid else 0, created_at=created,
                   period_start=lines[0].period_start, period_end=lines[0].period_end, paid_at=paid_at,
                   updated_at=updated)
        if status in ("paid", "uncollectible") and rng.random() < profiles.EARLIER_VERSION_RATE:
            early = dict(row, status="open", amount_paid=0, paid_at=None, updated_at=created)
            late = rng.random() < profiles.OUT_OF_ORDER_RATE
            self.rows["invoices"].add(
                **early, _loaded_at=(ctx.loaded_at(row["updated_at"])
                                     + timedelta(hours=profiles.INVOICE_EARLIER_VERSION_LATE_HOURS)) if late
                else ctx.loaded_at(created))
        self.rows["invoices"].add(**row, _loaded_at=ctx.loaded_at(row["updated_at"]))
        for line in lines:
            is_setup = line.kind == "setup"
            self.rows["invoice_line_items"].add(
                id=ctx.new_id("il"), tenant_id=ctx.tenant_id, invoice_id=invoice_id,
                subscription_id=None if is_setup else subscription_id, price_id=line.price_id,
                type="invoiceitem" if is_setup else "subscription", is_proration=line.kind == "proration",
                quantity=line.quantity, amount=line.amount_minor, discount_amount=line.discount_minor,
                currency=customer.currency, period_start=line.period_start, period_end=line.period_end,
                _loaded_at=ctx.loaded_at(created))
            if record and line.kind == "recurring":
                customer.periods.append(BillingPeriod(
                    line.period_start, line.period_end, line.price_id, line.interval, line.interval_count,
                    line.amount_minor, line.discount_minor, customer.currency, status))
        for _ in range(failed_attempts):
            ts = created + timedelta(days=float(rng.uniform(*profiles.FAILED_ATTEMPT_WITHIN_DAYS)))
            if ts < ctx.now:
                self.rows["payments"].add(
                    id=ctx.new_id("py"), tenant_id=ctx.tenant_id, invoice_id=invoice_id,
                    customer_id=customer.customer_id, amount=total, amount_refunded=0, currency=customer.currency,
                    status="failed", failure_code=ctx.pick_one(FAILURE_CODES),
                    created_at=ts, _loaded_at=ctx.loaded_at(ts))
        if paid and total > 0:
            refunded = int(total * profiles.REFUND_SHARE) if rng.random() < profiles.P_REFUND else 0
            self.rows["payments"].add(
                id=ctx.new_id("py"), tenant_id=ctx.tenant_id, invoice_id=invoice_id,
                customer_id=customer.customer_id, amount=total, amount_refunded=refunded,
                currency=customer.currency, status="succeeded",
                failure_code=None, created_at=paid_at, _loaded_at=ctx.loaded_at(paid_at))

    # -- ledger -------------------------------------------------------------------
    def ledger_mrr(self, fx, last_month: int) -> list[MrrRow]:
        """MRR per customer and month, straight from the simulated billing periods.

        Rule (docs/contracts/marts.md): non-proration recurring periods whose
        invoice is not void/draft/uncollectible and whose [start, end) contains
        the month's last day, normalised to a month, in USD at the month's rate.
        """
        out = []
        for customer in self.customers:
            per_month = defaultdict(float)
            for period in customer.periods:
                if period.invoice_status in NOT_REVENUE:
                    continue
                lo, hi = period.start.date(), period.end.date()
                month = month_index(lo)
                while True:
                    last_day = month_end(month)
                    if last_day >= hi or month > last_month:
                        break
                    if last_day >= lo:
                        monthly_minor = ((period.amount_minor - period.discount_minor)
                                         / months_in_interval(period.interval, period.interval_count))
                        per_month[month] += (monthly_minor / 10 ** profiles.EXPONENT[period.currency]
                                             * fx[(period.currency, month)])
                    month += 1
            for month, mrr in per_month.items():
                if mrr > 0:
                    out.append(MrrRow(self.context.tenant_id, customer.customer_id, month_from_index(month), mrr))
        return out
