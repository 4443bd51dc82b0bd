"""CRM and subscription-billing simulation for one tenant.

The simulation is an event model: leads move through the funnel, won deals
become billing customers whose subscriptions renew, change plan, fail payment,
cancel and come back. Tables are written from those events; the ledger (MRR
per customer and month, funnel stages per lead, won deals) is computed from
the same events, never by reading the tables back.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
import pyarrow as pa

from . import profiles as P
from .schema import TABLES
from .timeutil import (US, add_interval, month_end, month_from_index,
                       month_index, months_in_interval)

TIERS = ("Starter", "Pro", "Enterprise")
TIER_MONTHLY_USD = {"Starter": 15.0, "Pro": 40.0, "Enterprise": 90.0, "Add-on": 25.0}
INTERVAL_DISCOUNT = {("month", 1): 1.0, ("month", 3): 0.95, ("month", 6): 0.92, ("year", 1): 0.85,
                     ("week", 1): 1.0, ("day", 30): 1.0}
ACTIVITY_TYPES = {"call": 0.3, "email": 0.4, "meeting": 0.1, "message": 0.1, "note": 0.1}
INDUSTRIES = ("software", "retail", "healthcare", "finance", "manufacturing", "education",
              "media", "logistics")
ADJ = ("blue", "bright", "north", "swift", "prime", "green", "silver", "true", "bold", "open")
NOUN = ("river", "peak", "labs", "works", "forge", "harbor", "grid", "field", "stone", "cloud")
SUFFIX = ("Inc", "GmbH", "Ltd", "SA de CV", "KK", "LLC", "Group")
FIRST = ("ana", "ben", "carla", "dev", "emma", "felix", "gina", "hiro", "ines", "jon", "kai",
         "lena", "marco", "nora", "omar", "pia", "quinn", "rosa", "sam", "tara", "yuki", "zoe")
LAST = ("garcia", "smith", "muller", "tanaka", "rossi", "dubois", "lopez", "kim", "brown",
        "sato", "jones", "silva", "novak", "khan")


class Rows:
    """Column buffers for one table, turned into an Arrow table at the end."""

    def __init__(self, schema: pa.Schema):
        self.schema = schema
        self.cols = {f.name: [] for f in schema}

    def add(self, **values):
        for name, col in self.cols.items():
            col.append(values.get(name))

    def table(self) -> pa.Table:
        return pa.table({n: pa.array(v, type=self.schema.field(n).type) for n, v in self.cols.items()},
                        schema=self.schema)


def _money(x: float) -> Decimal:
    return Decimal(f"{x:.2f}")


@dataclass
class Period:
    start: datetime
    end: datetime
    price_id: str
    interval: str
    count: int
    amount_minor: int       # before discount
    discount_minor: int
    currency: str
    invoice_status: str


@dataclass
class WonDeal:
    """A closed_won opportunity as the simulation decided it (the ledger's sales truth)."""
    opportunity_id: str
    owner_user_id: str
    closed_at: datetime
    lead_created_at: datetime | None   # None for renewal and expansion deals, which have no lead
    amount: Decimal                    # major units of currency, as written to raw
    currency: str


@dataclass
class Customer:
    customer_id: str
    account_id: str | None
    currency: str
    segment: str
    created: datetime
    email: str
    periods: list = field(default_factory=list)


class B2BSimulation:
    def __init__(self, tenant_id: str, prof: P.TenantProfile, scale: float, rng: np.random.Generator,
                 start: datetime, now: datetime):
        self.t, self.prof, self.rng = tenant_id, prof, rng
        self.start, self.now = start, now
        self.size = prof.weight * prof.b2b * scale
        self.rows = {name: Rows(schema) for name, schema in TABLES["raw_crm"].items()}
        self.rows.update({f"billing.{name}": Rows(schema) for name, schema in TABLES["raw_billing"].items()})
        self.customers: list[Customer] = []
        self.lead_stage = []   # (cohort_month, source, contacted, qualified, proposal, won, account_id)
        self.won_deals: list[WonDeal] = []
        self.seq = defaultdict(int)
        self._cum = {}

    # -- helpers -----------------------------------------------------------
    def _id(self, prefix: str) -> str:
        self.seq[prefix] += 1
        return f"{prefix}_{self.seq[prefix]:06d}"

    def _loaded(self, ts: datetime) -> datetime:
        lag = timedelta(minutes=int(self.rng.integers(5, 360)))
        return min(ts + lag, self.now - timedelta(seconds=1))

    def _rand_time(self, lo: datetime, hi: datetime) -> datetime:
        span = max((hi - lo).total_seconds(), 1.0)
        return lo + timedelta(seconds=int(self.rng.random() * span))

    def _pick(self, options: dict):
        """A key of options drawn with the values as weights."""
        key = id(options)
        if key not in self._cum:
            w = np.array(list(options.values()), dtype=float)
            self._cum[key] = (list(options), np.cumsum(w) / w.sum())
        keys, cum = self._cum[key]
        return keys[min(int(np.searchsorted(cum, self.rng.random(), side="right")), len(keys) - 1)]

    def _one(self, seq):
        """A uniformly drawn element of a sequence."""
        return seq[int(self.rng.integers(len(seq)))]

    # -- run -----------------------------------------------------------------
    def run(self):
        if self.size <= 0:
            return
        self._users()
        self._catalogue()
        self._leads_and_deals()
        self._self_serve_customers()
        for cust in list(self.customers):
            self._simulate_customer(cust)
        self._health_scores()

    def _users(self):
        n = max(4, round(40 * self.size ** 0.5))
        more = self.rng.choice(["sales_rep", "sales_manager", "customer_success", "admin"], size=n - 3,
                               p=[0.6, 0.1, 0.25, 0.05])
        roles = ["sales_rep", "sales_rep", "customer_success", *list(more)]
        self.reps, self.cs_users, self.skill = [], [], {}
        for role in roles:
            uid = self._id("usr")
            first, last = self._one(FIRST), self._one(LAST)
            created = self._rand_time(self.start - timedelta(days=400), self.start)
            self.rows["users"].add(
                id=uid, tenant_id=self.t, full_name=f"{first.title()} {last.title()}",
                email=f"{first}.{last}@{self.prof.name}.example", role=str(role),
                team={"sales_rep": "sales", "sales_manager": "sales"}.get(role, "success"),
                created_at=created, is_active=bool(self.rng.random() > 0.05), updated_at=created,
                _loaded_at=self._loaded(created))
            if role in ("sales_rep", "sales_manager"):
                self.reps.append(uid)
                self.skill[uid] = float(np.clip(self.rng.lognormal(0, 0.3), 0.5, 1.6))
            elif role == "customer_success":
                self.cs_users.append(uid)

    def _catalogue(self):
        self.prices = {}   # (tier, interval, count, currency) -> (price_id, unit_amount)
        created = self.start - timedelta(days=30)
        for tier in (*TIERS, "Add-on"):
            pid = self._id("prod")
            self.rows["billing.products"].add(
                id=pid, tenant_id=self.t, name=f"{self.prof.name.title()} {tier}",
                product_line="addon" if tier == "Add-on" else "core", created_at=created,
                _loaded_at=self._loaded(created))
            for (interval, count) in self.prof.plan_options:
                for cur in self.prof.billing_currencies:
                    months = months_in_interval(interval, count)
                    major = TIER_MONTHLY_USD[tier] * P.PRICE_FX[cur] * months * INTERVAL_DISCOUNT[(interval, count)]
                    step = 10 if cur == "JPY" else 1
                    minor = int(max(step, round(major / step) * step)) * 10 ** P.EXPONENT[cur]
                    price_id = self._id("price")
                    self.prices[(tier, interval, count, cur)] = (price_id, minor)
                    self.rows["billing.prices"].add(
                        id=price_id, tenant_id=self.t, product_id=pid,
                        nickname=f"{tier} {count} {interval}", unit_amount=minor, currency=cur,
                        recurring_interval=interval, recurring_interval_count=count, is_active=True,
                        created_at=created, _loaded_at=self._loaded(created))

    def _account(self, created: datetime, owner: str, segment_hint=None) -> tuple[str, str, int | None]:
        aid = self._id("acc")
        emp = int(self.rng.lognormal(3.7, 1.6)) + 1
        if self.rng.random() < 0.04:
            emp = None
        seg = "unknown" if emp is None else ("smb" if emp < 100 else "mid_market" if emp < 1000 else "enterprise")
        name = f"{self._one(ADJ).title()} {self._one(NOUN).title()} {self._one(SUFFIX)}"
        domain = name.split(" ")[0].lower() + name.split(" ")[1].lower() + f"{self.seq['acc']}.example"
        country = self._pick(self.prof.countries)
        row = dict(id=aid, tenant_id=self.t, name=name, domain=domain,
                   industry=str(self._one(INDUSTRIES)), employee_count=emp, country_code=country,
                   owner_user_id=owner, created_at=created, updated_at=created, is_deleted=False)
        # some accounts change owner later: an earlier version arrives too (SCD2 material)
        if self.rng.random() < 0.15 and (self.now - created).days > 30:
            changed = self._rand_time(created + timedelta(days=7), self.now - timedelta(days=1))
            self.rows["accounts"].add(**row, _loaded_at=self._loaded(created))
            row.update(owner_user_id=str(self._one(self.reps + self.cs_users)), updated_at=changed)
            self.rows["accounts"].add(**row, _loaded_at=self._loaded(changed))
        else:
            self.rows["accounts"].add(**row, _loaded_at=self._loaded(created))
        for _ in range(int(self.rng.integers(1, 4))):
            first, last = self._one(FIRST), self._one(LAST)
            cid = self._id("con")
            self.rows["contacts"].add(
                id=cid, tenant_id=self.t, account_id=aid, email=f"{first}.{last}@{domain}",
                first_name=first.title(), last_name=last.title(),
                title=self._one(("CEO", "CTO", "Head of Ops", "Analyst", "VP Sales")),
                created_at=created, updated_at=created, _loaded_at=self._loaded(created))
        return aid, seg, emp

    def _leads_and_deals(self):
        rng, now = self.rng, self.now
        n = max(10, round(25000 * self.size))
        span = (now - self.start).total_seconds()
        created_s = np.sort(rng.random(n) ** 0.8) * span * 0.995
        sources = rng.choice(len(P.LEAD_SOURCES), size=n, p=P.LEAD_SOURCE_SHARE)
        for i in range(n):
            created = self.start + timedelta(seconds=float(created_s[i]))
            source = P.LEAD_SOURCES[sources[i]]
            owner = str(self._one(self.reps))
            skill = self.skill[owner]
            p_c, p_q, p_p, p_w = P.LEAD_SOURCE_FUNNEL[source]
            t_contact = created + timedelta(hours=float(rng.exponential(30 / skill)))
            t_qual = t_contact + timedelta(days=float(rng.uniform(2, 20)))
            t_prop = t_qual + timedelta(days=float(rng.uniform(3, 25)))
            t_close = t_prop + timedelta(days=float(min(200, rng.lognormal(np.log(35), 0.6))))
            u = rng.random(4)
            contacted = u[0] < p_c and t_contact < now
            qualified = contacted and u[1] < min(0.95, p_q * skill) and t_qual < now
            proposal = qualified and u[2] < p_p and t_prop < now
            closed = proposal and t_close < now
            won = closed and u[3] < min(0.95, p_w * skill)
            lead_id = self._id("lead")
            first, last = self._one(FIRST), self._one(LAST)
            company = f"{self._one(ADJ).title()} {self._one(NOUN).title()}"
            score = int(np.clip(25 + 35 * won + 15 * qualified + rng.normal(0, 15), 0, 100))
            currency = self._pick(self.prof.billing_currencies)
            account_id, segment = None, None
            if qualified:
                account_id, segment, _ = self._account(t_qual, owner)
            status = ("converted" if won else "qualified" if qualified else
                      "unqualified" if contacted and t_contact + timedelta(days=10) < now else
                      "contacted" if contacted else "new")
            last_change = max([t for t, ok in ((created, True), (t_contact, contacted), (t_qual, qualified),
                                               (t_close, won)) if ok])
            row = dict(id=lead_id, tenant_id=self.t, email=f"{first}.{last}{i}@{company.split()[1].lower()}.example",
                       company_name=company, source=source, status=status,
                       score=None if rng.random() < 0.03 else score, owner_user_id=owner,
                       created_at=created,
                       first_contacted_at=t_contact if contacted else None,
                       qualified_at=t_qual if qualified else None,
                       converted_at=t_close if won else None,
                       converted_account_id=account_id if won else None, updated_at=last_change)
            if qualified and rng.random() < P.MISSING_CONTACT_TS_RATE:
                row["first_contacted_at"] = None  # a later stage still implies "contacted"
            if won and rng.random() < P.EARLIER_VERSION_RATE:
                early = dict(row, status="qualified", converted_at=None, converted_account_id=None,
                             updated_at=t_qual)
                late_load = rng.random() < P.OUT_OF_ORDER_RATE
                self.rows["leads"].add(**row, _loaded_at=self._loaded(last_change))
                self.rows["leads"].add(**early, _loaded_at=(self._loaded(last_change) + timedelta(hours=7))
                                       if late_load else self._loaded(t_qual))
            else:
                self.rows["leads"].add(**row, _loaded_at=self._loaded(last_change))
            self._activities_for_lead(lead_id, owner, created, min(now, last_change + timedelta(days=5)),
                                      1 + 2 * contacted + 2 * qualified + 3 * proposal)
            became_customer_account = None
            if proposal:
                if won and rng.random() < 0.1:   # an earlier lost attempt before the winning deal
                    self._opportunity(account_id, lead_id, owner, "new_business", currency, segment,
                                      t_prop - timedelta(days=20), t_prop - timedelta(days=2), "closed_lost")
                stage = "closed_won" if won else ("closed_lost" if closed else None)
                self._opportunity(account_id, lead_id, owner, "new_business", currency, segment,
                                  t_prop, t_close, stage, lead_created=created)
                if won and rng.random() > 0.05:   # 5 % of won deals never reach billing
                    became_customer_account = account_id
                    self._billing_customer(account_id, currency, segment, t_close)
                    if rng.random() < 0.03:       # a second billing entity for the same account
                        other = self._pick(self.prof.billing_currencies)
                        self._billing_customer(account_id, other, segment, t_close + timedelta(days=40))
            self.lead_stage.append((month_index(created.date()), source, contacted, qualified, proposal,
                                    won, became_customer_account))
        # prospects that never came through a lead
        for _ in range(round(n * 0.15)):
            created = self._rand_time(self.start, now - timedelta(days=1))
            _aid, _, _ = self._account(created, str(self._one(self.reps)))

    def _activities_for_lead(self, lead_id, owner, lo, hi, lam):
        for _ in range(int(self.rng.poisson(lam))):
            ts = self._rand_time(lo, max(hi, lo + timedelta(hours=1)))
            if ts >= self.now:
                continue
            self.rows["activities"].add(
                id=self._id("act"), tenant_id=self.t,
                type=self._pick(ACTIVITY_TYPES),
                lead_id=lead_id, account_id=None,
                user_id=owner if self.rng.random() < 0.9 else str(self._one(self.reps)),
                occurred_at=ts, _loaded_at=self._loaded(ts))

    def _opportunity(self, account_id, lead_id, owner, typ, currency, segment, created, close, stage,
                     lead_created: datetime | None = None):
        rng = self.rng
        seats = {"smb": 5, "mid_market": 25, "enterprise": 120}.get(segment, 8)
        amount = round(seats * 40 * 12 * P.PRICE_FX[currency] * rng.lognormal(0, 0.4), 2)
        if stage is None:   # open: how far it got by now
            frac = (self.now - created) / max(close - created, timedelta(days=1))
            stage = "prospecting" if frac < 0.3 else "proposal" if frac < 0.7 else "negotiation"
        prob = {"prospecting": 10, "proposal": 40, "negotiation": 70, "closed_won": 100, "closed_lost": 0}[stage]
        closed = stage.startswith("closed")
        row = dict(id=self._id("opp"), tenant_id=self.t, account_id=account_id, lead_id=lead_id,
                   owner_user_id=owner, name=f"{typ.replace('_', ' ').title()} {self.seq['opp']}",
                   type=typ, amount=_money(amount), currency=currency, stage=stage, probability=prob,
                   created_at=created, expected_close_date=close.date(),
                   closed_at=close if closed else None,
                   lost_reason=self._one(("price", "competitor", "no_budget", "timing"))
                   if stage == "closed_lost" else None,
                   updated_at=close if closed else created)
        if closed and rng.random() < P.EARLIER_VERSION_RATE:
            early = dict(row, stage="proposal", probability=40, closed_at=None, lost_reason=None,
                         updated_at=created + (close - created) / 2)
            self.rows["opportunities"].add(**early, _loaded_at=self._loaded(early["updated_at"]))
        self.rows["opportunities"].add(**row, _loaded_at=self._loaded(row["updated_at"]))
        if stage == "closed_won":
            self.won_deals.append(WonDeal(row["id"], owner, close, lead_created, row["amount"], currency))

    def _billing_customer(self, account_id, currency, segment, created) -> Customer:
        cid = self._id("cus")
        first, last = self._one(FIRST), self._one(LAST)
        email = f"{first}.{last}{self.seq['cus']}@{self.prof.name}-client.example"
        cust = Customer(cid, account_id, currency, segment or "unknown", created, email)
        self.customers.append(cust)
        return cust

    def _self_serve_customers(self):
        n = round(1500 * self.size)
        for _ in range(n):
            created = self._rand_time(self.start, self.now - timedelta(days=1))
            emp = int(self.rng.lognormal(2.5, 1.0)) + 1
            seg = "smb" if emp < 100 else "mid_market" if emp < 1000 else "enterprise"
            self._billing_customer(None, self._pick(self.prof.billing_currencies), seg, created)

    # -- subscriptions -------------------------------------------------------
    def _simulate_customer(self, cust: Customer):
        rng = self.rng
        created = cust.created.replace(hour=0, minute=0, second=0, microsecond=0)
        self.rows["billing.customers"].add(
            id=cust.customer_id, tenant_id=self.t, crm_account_id=cust.account_id, email=cust.email,
            name=f"Customer {cust.customer_id}", currency=cust.currency, created_at=cust.created,
            is_deleted=False, updated_at=cust.created, _loaded_at=self._loaded(cust.created))
        trial = cust.account_id is None and rng.random() < P.P_TRIAL_SELF_SERVE
        start = created + timedelta(days=int(rng.integers(0, 4)))
        tier = {"smb": "Starter", "mid_market": "Pro", "enterprise": "Enterprise"}.get(cust.segment, "Starter")
        if tier == "Starter" and rng.random() < 0.3:
            tier = "Pro"
        seats = int(max(1, rng.lognormal({"Starter": 1.0, "Pro": 2.0, "Enterprise": 3.5}[tier], 0.5)))
        first = True
        while start < self.now:
            ended, churned = self._subscription(cust, start, tier, seats, trial and first, first)
            first = False
            if ended is None or not churned or rng.random() > P.P_REACTIVATE:
                break
            start = ended + timedelta(days=int(rng.integers(30, 240)))
            tier = str(self._one(TIERS[:2]))
        if rng.random() < P.P_ADDON and cust.periods:
            addon_start = cust.periods[0].start + timedelta(days=int(rng.integers(20, 200)))
            if addon_start < self.now:
                self._subscription(cust, addon_start, "Add-on", 1, False, False)

    def _subscription(self, cust: Customer, start: datetime, tier: str, seats: int, trial: bool, first: bool):
        """Simulate one subscription; returns (ended_at or None, churned_by_customer)."""
        rng, now = self.rng, self.now
        sub_id = self._id("sub")
        interval, count = self._pick(self.prof.plan_options)
        coupon_pct = self._one((0.1, 0.2, 0.3)) if rng.random() < 0.2 else 0.0
        coupon_until = start + timedelta(days=int(rng.integers(30, 365)))
        trial_start = trial_end = None
        status_history = []
        anchor = start
        if trial:
            trial_start, trial_end = start, start + timedelta(days=14)
            price_id, _ = self.prices[(tier, interval, count, cust.currency)]
            self._invoice(cust, sub_id, [(price_id, interval, count, 0, 0, seats, trial_start, trial_end, False)],
                          "paid", trial_start, record=True)
            status_history.append(("trialing", start))
            if rng.random() > P.P_TRIAL_CONVERTS or trial_end >= now:
                ended = trial_end if trial_end < now else None
                self._write_subscription(cust, sub_id, start, trial_start, trial_end, status_history,
                                         ended, trial_end if ended else None, start, trial_end)
                return ended, False
            anchor = trial_end
        status_history.append(("active", anchor))
        n, period_start, ended, churned, canceled_at = 0, anchor, None, False, None
        pending_proration = None
        pstart = pend = anchor
        while period_start < now:
            period_end = add_interval(anchor, n + 1, interval, count)
            price_id, unit = self.prices[(tier, interval, count, cust.currency)]
            amount = unit * seats
            discount = round(amount * coupon_pct) if period_start < coupon_until else 0
            lines = [(price_id, interval, count, amount, discount, seats, period_start, period_end, False)]
            if pending_proration is not None:
                lines.append(pending_proration)
                pending_proration = None
            if first and n == 0 and rng.random() < 0.2:   # one-off setup fee, not recurring
                lines.append((None, None, None, int(unit * 2), 0, 1, period_start, period_start, "setup"))
            current = period_end > now
            status = "paid"
            if rng.random() < P.P_PAYMENT_FAILS:
                status = "paid" if rng.random() < P.P_DUNNING_RECOVERS else "uncollectible"
            elif current and (now - period_start) < timedelta(days=3):
                status = "open"
            if status == "paid" and not current and rng.random() < P.P_VOID_REISSUE:
                self._invoice(cust, sub_id, lines, "void", period_start, record=True)
            self._invoice(cust, sub_id, lines, status, period_start, record=True,
                          failed_attempts=1 + int(rng.integers(0, 3)) if status == "uncollectible" else 0)
            pstart, pend = period_start, period_end
            if status == "uncollectible":   # dunning exhausted: service ends, customer lost
                ended = min(period_start + timedelta(days=14), now - timedelta(seconds=1))
                canceled_at, churned = ended, True
                status_history.append(("past_due", period_start + timedelta(days=3)))
                break
            if current:
                break
            months = months_in_interval(interval, count)
            hazard = 1 - (1 - P.CHURN_HAZARD.get(cust.segment, 0.02)) ** months
            if rng.random() < hazard:
                cancel_req = period_end - timedelta(days=int(rng.integers(1, 20)))
                cancel_req = max(cancel_req, period_start)
                if cancel_req < now:
                    canceled_at = cancel_req
                    if period_end <= now:
                        ended, churned = period_end, True
                        self._renewal_opp(cust, interval, count, period_end, won=False)
                        break
                # cancel requested but not effective yet (or not yet requested)
            else:
                self._renewal_opp(cust, interval, count, period_end, won=True)
            u = rng.random()
            if u < P.P_UPGRADE * months and tier != "Enterprise" and tier != "Add-on":
                old_unit = unit
                tier = TIERS[TIERS.index(tier) + 1]
                self._expansion_opp(cust, period_end)
                if rng.random() < 0.3:   # upgrade mid-period: a proration line on the next invoice
                    new_unit = self.prices[(tier, interval, count, cust.currency)][1]
                    mid = period_start + (period_end - period_start) / 2
                    prorated = int((new_unit - old_unit) * seats * 0.5)
                    pending_proration = (price_id, interval, count, prorated, 0, seats, mid, period_end, True)
            elif u < (P.P_UPGRADE + P.P_DOWNGRADE) * months and tier in ("Pro", "Enterprise"):
                tier = TIERS[TIERS.index(tier) - 1]
            elif u < (P.P_UPGRADE + P.P_DOWNGRADE + P.P_SEAT_CHANGE) * months:
                seats = max(1, seats + self._one((-2, -1, 1, 2, 3)))
            period_start = period_end
            n += 1
        self._write_subscription(cust, sub_id, start, trial_start, trial_end, status_history, ended,
                                 canceled_at, pstart, pend)
        return ended, churned

    def _write_subscription(self, cust, sub_id, start, trial_start, trial_end, history, ended, canceled_at,
                            pstart, pend):
        if ended is not None:
            status, updated = "canceled", ended
        else:
            status, updated = history[-1][0], history[-1][1]
            if status == "trialing" and trial_end is not None and trial_end < self.now:
                status = "active"
        row = dict(id=sub_id, tenant_id=self.t, customer_id=cust.customer_id, status=status,
                   created_at=start, start_date=start, trial_start=trial_start, trial_end=trial_end,
                   cancel_at_period_end=canceled_at is not None and (ended is None or ended == pend),
                   canceled_at=canceled_at, ended_at=ended, current_period_start=pstart,
                   current_period_end=pend, updated_at=max(updated, canceled_at or updated))
        if status == "canceled" and self.rng.random() < P.EARLIER_VERSION_RATE:
            early = dict(row, status="active", canceled_at=None, ended_at=None,
                         cancel_at_period_end=False, updated_at=start)
            self.rows["billing.subscriptions"].add(**early, _loaded_at=self._loaded(start))
        self.rows["billing.subscriptions"].add(**row, _loaded_at=self._loaded(row["updated_at"]))

    def _invoice(self, cust, sub_id, lines, status, created, record, failed_attempts=0):
        rng = self.rng
        inv_id = self._id("inv")
        subtotal = sum(line[3] for line in lines)
        discount = sum(line[4] for line in lines)
        tax = round((subtotal - discount) * 0.1) if cust.currency in ("EUR", "GBP") else 0
        total = subtotal - discount + tax
        paid = status == "paid"
        paid_at = created + timedelta(hours=float(rng.uniform(0.1, 48))) if paid else None
        if paid_at is not None and paid_at >= self.now:
            paid_at = self.now - timedelta(seconds=1)
        period_start, period_end = lines[0][6], lines[0][7]
        updated = paid_at or created
        if status == "uncollectible":   # marked uncollectible when dunning gives up
            updated = min(created + timedelta(days=14), self.now - timedelta(seconds=2))
        row = dict(id=inv_id, tenant_id=self.t, customer_id=cust.customer_id, subscription_id=sub_id,
                   status=status, currency=cust.currency, subtotal=subtotal, discount_total=discount, tax=tax,
                   total=total, amount_paid=total if paid else 0, created_at=created,
                   period_start=period_start, period_end=period_end, paid_at=paid_at,
                   updated_at=updated)
        if status in ("paid", "uncollectible") and rng.random() < P.EARLIER_VERSION_RATE:
            early = dict(row, status="open", amount_paid=0, paid_at=None, updated_at=created)
            late = rng.random() < P.OUT_OF_ORDER_RATE
            self.rows["billing.invoices"].add(
                **early, _loaded_at=self._loaded(row["updated_at"]) + timedelta(hours=9) if late
                else self._loaded(created))
        self.rows["billing.invoices"].add(**row, _loaded_at=self._loaded(row["updated_at"]))
        for (price_id, interval, count, amount, disc, qty, ps, pe, kind) in lines:
            is_setup = kind == "setup"
            self.rows["billing.invoice_line_items"].add(
                id=self._id("il"), tenant_id=self.t, invoice_id=inv_id,
                subscription_id=None if is_setup else sub_id, price_id=price_id,
                type="invoiceitem" if is_setup else "subscription", is_proration=kind is True,
                quantity=qty, amount=amount, discount_amount=disc, currency=cust.currency,
                period_start=ps, period_end=pe, _loaded_at=self._loaded(created))
            if record and not is_setup and kind is not True:
                cust.periods.append(Period(ps, pe, price_id, interval, count, amount, disc,
                                           cust.currency, status))
        for _ in range(failed_attempts):
            ts = created + timedelta(days=float(rng.uniform(0, 10)))
            if ts < self.now:
                self.rows["billing.payments"].add(
                    id=self._id("py"), tenant_id=self.t, invoice_id=inv_id, customer_id=cust.customer_id,
                    amount=total, amount_refunded=0, currency=cust.currency, status="failed",
                    failure_code=self._one(("card_declined", "insufficient_funds", "expired_card")),
                    created_at=ts, _loaded_at=self._loaded(ts))
        if paid and total > 0:
            refunded = int(total * 0.5) if rng.random() < 0.01 else 0
            self.rows["billing.payments"].add(
                id=self._id("py"), tenant_id=self.t, invoice_id=inv_id, customer_id=cust.customer_id,
                amount=total, amount_refunded=refunded, currency=cust.currency, status="succeeded",
                failure_code=None, created_at=paid_at, _loaded_at=self._loaded(paid_at))

    def _renewal_opp(self, cust, interval, count, renew_at, won):
        if cust.account_id is None or months_in_interval(interval, count) < 12 or renew_at >= self.now:
            return
        owner = str(self._one(self.reps))
        self._opportunity(cust.account_id, None, owner, "renewal", cust.currency, cust.segment,
                          renew_at - timedelta(days=60), renew_at, "closed_won" if won else "closed_lost")

    def _expansion_opp(self, cust, at):
        if cust.account_id is None or at >= self.now:
            return
        owner = str(self._one(self.reps))
        self._opportunity(cust.account_id, None, owner, "expansion", cust.currency, cust.segment,
                          at - timedelta(days=30), at, "closed_won")

    # -- health ---------------------------------------------------------------
    def _health_scores(self):
        """Daily score per customer account while subscribed; it sinks before service ends."""
        rng = self.rng
        cols = {"account_id": [], "scored_on": [], "score": []}
        seen = set()
        now_day = (self.now - datetime(1970, 1, 1)).days
        for cust in self.customers:
            if cust.account_id is None or cust.account_id in seen or not cust.periods:
                continue
            seen.add(cust.account_id)
            windows = self._service_windows(cust)
            base = rng.uniform(55, 92)
            for lo, hi, ends in windows:
                days = np.arange(lo, min(hi, now_day))
                if days.size == 0:
                    continue
                score = base + rng.normal(0, 5, days.size)
                if ends:
                    to_end = hi - days
                    score -= np.clip((60 - to_end) / 60, 0, 1) * rng.uniform(35, 60)
                cols["account_id"].append(np.full(days.size, cust.account_id, dtype=object))
                cols["scored_on"].append(days)
                cols["score"].append(np.clip(np.round(score), 0, 100).astype(np.int32))
        if not cols["scored_on"]:
            self.health = pa.table({f.name: pa.array([], f.type) for f in TABLES["raw_crm"]["health_scores"]})
            return
        days = np.concatenate(cols["scored_on"]).astype(np.int32)
        loaded = days.astype(np.int64) * 86400 * US + (86400 + int(rng.integers(0, 3600))) * US
        loaded = np.minimum(loaded, (now_day * 86400 - 1) * US)
        self.health = pa.table({
            "tenant_id": pa.array(np.full(days.size, self.t, dtype=object), pa.string()),
            "account_id": pa.array(np.concatenate(cols["account_id"]), pa.string()),
            "scored_on": pa.array(days, pa.date32()),
            "score": pa.array(np.concatenate(cols["score"]), pa.int32()),
            "_loaded_at": pa.array(loaded, pa.timestamp("us")),
        })

    def _service_windows(self, cust):
        """Contiguous [start_day, end_day) spans of paid service, and whether service ended."""
        spans = sorted((p.start, p.end) for p in cust.periods if p.invoice_status not in ("void",))
        out, cur_lo, cur_hi = [], None, None
        for lo, hi in spans:
            if cur_hi is not None and lo <= cur_hi:
                cur_hi = max(cur_hi, hi)
            else:
                if cur_lo is not None:
                    out.append((cur_lo, cur_hi))
                cur_lo, cur_hi = lo, hi
        out.append((cur_lo, cur_hi))
        epoch = datetime(1970, 1, 1)
        return [((lo - epoch).days, (hi - epoch).days, hi < self.now) for lo, hi in out]

    # -- results ----------------------------------------------------------------
    def tables(self) -> dict[tuple[str, str], pa.Table]:
        out = {}
        for key, rows in self.rows.items():
            if key == "health_scores":
                continue
            schema, name = ("raw_billing", key.split(".", 1)[1]) if key.startswith("billing.") else ("raw_crm", key)
            out[(schema, name)] = rows.table()
        out[("raw_crm", "health_scores")] = getattr(self, "health", self.rows["health_scores"].table())
        return out

    def ledger_mrr(self, fx, last_month: int) -> list[tuple]:
        """MRR per customer and month, straight from the simulated billing periods.

        Rule (docs/contracts/marts.md): non-proration recurring periods whose
        invoice is not void/draft/uncollectible and whose [start, end) contains
        the month's last day, normalised to a month, in USD at the month's rate.
        """
        out = []
        for cust in self.customers:
            per_month = defaultdict(float)
            for p in cust.periods:
                if p.invoice_status in ("void", "draft", "uncollectible"):
                    continue
                lo, hi = p.start.date(), p.end.date()
                m = month_index(lo)
                while True:
                    me = month_end(m)
                    if me >= hi or m > last_month:
                        break
                    if me >= lo:
                        monthly_minor = (p.amount_minor - p.discount_minor) / months_in_interval(p.interval, p.count)
                        per_month[m] += monthly_minor / 10 ** P.EXPONENT[p.currency] * fx[(p.currency, m)]
                    m += 1
            for m, v in per_month.items():
                if v > 0:
                    out.append((self.t, cust.customer_id, month_from_index(m), v))
        return out

    def ledger_won_deals(self, fx) -> list[tuple]:
        """Every won deal: owner, close month, sales cycle in days (lead created -> won, by date; None
        without a lead) and amount in USD at the close month's rate (docs/contracts/marts.md)."""
        out = []
        for d in self.won_deals:
            cycle = (d.closed_at.date() - d.lead_created_at.date()).days if d.lead_created_at else None
            m = month_index(d.closed_at.date())
            out.append((self.t, d.opportunity_id, d.owner_user_id, month_from_index(m), cycle,
                        float(d.amount) * fx[(d.currency, m)]))
        return out

    def ledger_funnel(self, customers_with_mrr: set) -> list[tuple]:
        """Leads reaching each stage, per cohort month and source (later stages imply earlier)."""
        agg = defaultdict(lambda: [0] * 6)
        cust_accounts = {c.account_id for c in self.customers if c.customer_id in customers_with_mrr}
        for month, source, contacted, qualified, proposal, won, account in self.lead_stage:
            a = agg[(month, source)]
            a[0] += 1
            a[1] += bool(contacted)
            a[2] += bool(qualified)
            a[3] += bool(proposal)
            a[4] += bool(won)
            a[5] += bool(won and account is not None and account in cust_accounts)
        return [(self.t, month_from_index(m), s, *v) for (m, s), v in sorted(agg.items())]
