"""The CRM side of one tenant: sales users, accounts and contacts, leads moving through the funnel,
opportunities, activities and daily customer health scores.

A won new-business deal hands the account to billing (`Billing.add_customer`); billing in turn
asks for renewal and expansion opportunities as subscriptions renew and grow.
"""
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from .. import profiles
from ..portable import power
from ..schema import TABLES
from ..timeutil import US, month_from_index, month_index
from .context import FIRST_NAMES, LAST_NAMES, SimulationContext
from .records import Customer, FunnelRow, LeadOutcome, WonDeal, WonDealRow

if TYPE_CHECKING:
    from .billing import Billing

INDUSTRIES = ("software", "retail", "healthcare", "finance", "manufacturing", "education",
              "media", "logistics")
COMPANY_ADJECTIVES = ("blue", "bright", "north", "swift", "prime", "green", "silver", "true", "bold", "open")
COMPANY_NOUNS = ("river", "peak", "labs", "works", "forge", "harbor", "grid", "field", "stone", "cloud")
COMPANY_SUFFIXES = ("Inc", "GmbH", "Ltd", "SA de CV", "KK", "LLC", "Group")
CONTACT_TITLES = ("CEO", "CTO", "Head of Ops", "Analyst", "VP Sales")
LOST_REASONS = ("price", "competitor", "no_budget", "timing")
SALES_ROLES = ("sales_rep", "sales_manager")
STAGE_PROBABILITY = {"prospecting": 10, "proposal": 40, "negotiation": 70, "closed_won": 100, "closed_lost": 0}


def _money(x: float) -> Decimal:
    return Decimal(f"{x:.2f}")


def segment_of(employees: int | None) -> str:
    if employees is None:
        return "unknown"
    return "smb" if employees < 100 else "mid_market" if employees < 1000 else "enterprise"


class Crm:
    """The raw_crm rows of one tenant and the sales facts its ledger is computed from."""

    def __init__(self, context: SimulationContext):
        self.context = context
        self.rows = context.crm_rows
        self.sales_users: list[str] = []          # sales reps and managers: own leads and deals
        self.success_users: list[str] = []
        self.skill: dict[str, float] = {}         # sales user -> multiplier on conversion and speed
        self.lead_outcomes: list[LeadOutcome] = []
        self.won_deals: list[WonDeal] = []
        self.health: pa.Table | None = None

    # -- users ---------------------------------------------------------------
    def add_users(self):
        ctx, rng = self.context, self.context.rng
        n = max(4, round(profiles.USERS_PER_SQRT_SIZE * ctx.size ** 0.5))
        more = rng.choice(list(profiles.USER_ROLE_SHARE), size=n - 3, p=list(profiles.USER_ROLE_SHARE.values()))
        roles = ["sales_rep", "sales_rep", "customer_success", *list(more)]
        for role in roles:
            user_id = ctx.new_id("usr")
            first, last = ctx.pick_one(FIRST_NAMES), ctx.pick_one(LAST_NAMES)
            created = ctx.random_time(ctx.start - timedelta(days=profiles.USER_CREATED_DAYS_BEFORE_HISTORY), ctx.start)
            self.rows["users"].add(
                id=user_id, tenant_id=ctx.tenant_id, full_name=f"{first.title()} {last.title()}",
                email=f"{first}.{last}@{ctx.profile.name}.example", role=str(role),
                team="sales" if role in SALES_ROLES else "success",
                created_at=created, is_active=bool(rng.random() > profiles.P_USER_INACTIVE), updated_at=created,
                _loaded_at=ctx.loaded_at(created))
            if role in SALES_ROLES:
                self.sales_users.append(user_id)
                self.skill[user_id] = float(profiles.SALES_SKILL.draw(rng))
            elif role == "customer_success":
                self.success_users.append(user_id)

    # -- accounts ------------------------------------------------------------
    def add_account(self, created: datetime, owner: str) -> tuple[str, str]:
        """A new account with 1-3 contacts; returns (account_id, segment)."""
        ctx, rng = self.context, self.context.rng
        account_id = ctx.new_id("acc")
        employees = int(rng.lognormal(profiles.ACCOUNT_EMPLOYEES_LOG_MEAN, profiles.ACCOUNT_EMPLOYEES_LOG_SIGMA)) + 1
        if rng.random() < profiles.P_EMPLOYEE_COUNT_UNKNOWN:
            employees = None
        segment = segment_of(employees)
        name = (f"{ctx.pick_one(COMPANY_ADJECTIVES).title()} {ctx.pick_one(COMPANY_NOUNS).title()} "
                f"{ctx.pick_one(COMPANY_SUFFIXES)}")
        domain = name.split(" ")[0].lower() + name.split(" ")[1].lower() + f"{ctx.ids_issued['acc']}.example"
        country = ctx.pick_weighted(ctx.profile.countries)
        row = dict(id=account_id, tenant_id=ctx.tenant_id, name=name, domain=domain,
                   industry=str(ctx.pick_one(INDUSTRIES)), employee_count=employees, country_code=country,
                   owner_user_id=owner, created_at=created, updated_at=created, is_deleted=False)
        # some accounts change owner later: an earlier version arrives too (SCD2 material)
        if (rng.random() < profiles.P_ACCOUNT_OWNER_CHANGES
                and (ctx.now - created).days > profiles.OWNER_CHANGE_MIN_ACCOUNT_AGE_DAYS):
            changed = ctx.random_time(created + timedelta(days=profiles.OWNER_CHANGE_AFTER_DAYS), ctx.now - timedelta(days=1))
            self.rows["accounts"].add(**row, _loaded_at=ctx.loaded_at(created))
            row.update(owner_user_id=str(ctx.pick_one(self.sales_users + self.success_users)), updated_at=changed)
            self.rows["accounts"].add(**row, _loaded_at=ctx.loaded_at(changed))
        else:
            self.rows["accounts"].add(**row, _loaded_at=ctx.loaded_at(created))
        for _ in range(int(rng.integers(*profiles.ACCOUNT_CONTACTS))):
            first, last = ctx.pick_one(FIRST_NAMES), ctx.pick_one(LAST_NAMES)
            self.rows["contacts"].add(
                id=ctx.new_id("con"), tenant_id=ctx.tenant_id, account_id=account_id,
                email=f"{first}.{last}@{domain}", first_name=first.title(), last_name=last.title(),
                title=ctx.pick_one(CONTACT_TITLES),
                created_at=created, updated_at=created, _loaded_at=ctx.loaded_at(created))
        return account_id, segment

    # -- leads and new business ------------------------------------------------
    def add_leads_and_deals(self, billing: "Billing"):
        """Leads arriving ever faster over the history; each moves through the funnel as far as its
        source's rates and its owner's skill take it; won deals become billing customers."""
        ctx, rng, now = self.context, self.context.rng, self.context.now
        n = max(10, round(profiles.LEADS_PER_SIZE * ctx.size))
        span = (now - ctx.start).total_seconds()
        created_s = np.sort(power(rng.random(n), profiles.HISTORY_GROWTH_EXPONENT)) * span * 0.995
        sources = rng.choice(len(profiles.LEAD_SOURCES), size=n, p=profiles.LEAD_SOURCE_SHARE)
        for i in range(n):
            created = ctx.start + timedelta(seconds=float(created_s[i]))
            source = profiles.LEAD_SOURCES[sources[i]]
            owner = str(ctx.pick_one(self.sales_users))
            skill = self.skill[owner]
            p_contacted, p_qualified, p_proposal, p_won = profiles.LEAD_SOURCE_FUNNEL[source]
            contacted_at = created + timedelta(hours=float(rng.exponential(profiles.LEAD_CONTACT_HOURS_MEAN / skill)))
            qualified_at = contacted_at + timedelta(days=float(rng.uniform(*profiles.QUALIFIED_AFTER_CONTACT_DAYS)))
            proposal_at = qualified_at + timedelta(days=float(rng.uniform(*profiles.PROPOSAL_AFTER_QUALIFIED_DAYS)))
            closed_at = proposal_at + timedelta(days=float(profiles.CLOSE_AFTER_PROPOSAL_DAYS.draw(rng)))
            stage_draws = rng.random(4)
            contacted = stage_draws[0] < p_contacted and contacted_at < now
            qualified = (contacted and stage_draws[1] < min(profiles.MAX_STAGE_PROBABILITY, p_qualified * skill)
                         and qualified_at < now)
            proposal = qualified and stage_draws[2] < p_proposal and proposal_at < now
            closed = proposal and closed_at < now
            won = closed and stage_draws[3] < min(profiles.MAX_STAGE_PROBABILITY, p_won * skill)
            lead_id = ctx.new_id("lead")
            first, last = ctx.pick_one(FIRST_NAMES), ctx.pick_one(LAST_NAMES)
            company = f"{ctx.pick_one(COMPANY_ADJECTIVES).title()} {ctx.pick_one(COMPANY_NOUNS).title()}"
            score = int(np.clip(profiles.LEAD_SCORE_BASE + profiles.LEAD_SCORE_IF_WON * won
                                + profiles.LEAD_SCORE_IF_QUALIFIED * qualified + rng.normal(0, profiles.LEAD_SCORE_NOISE),
                                0, 100))
            currency = ctx.pick_weighted(ctx.profile.billing_currencies)
            account_id, segment = None, None
            if qualified:
                account_id, segment = self.add_account(qualified_at, owner)
            gave_up = contacted_at + timedelta(days=profiles.LEAD_UNQUALIFIED_AFTER_DAYS) < now
            status = ("converted" if won else "qualified" if qualified else
                      "unqualified" if contacted and gave_up else
                      "contacted" if contacted else "new")
            last_change = max([t for t, reached in ((created, True), (contacted_at, contacted),
                                                    (qualified_at, qualified), (closed_at, won)) if reached])
            row = dict(id=lead_id, tenant_id=ctx.tenant_id,
                       email=f"{first}.{last}{i}@{company.split()[1].lower()}.example",
                       company_name=company, source=source, status=status,
                       score=None if rng.random() < profiles.P_LEAD_SCORE_MISSING else score, owner_user_id=owner,
                       created_at=created,
                       first_contacted_at=contacted_at if contacted else None,
                       qualified_at=qualified_at if qualified else None,
                       converted_at=closed_at if won else None,
                       converted_account_id=account_id if won else None, updated_at=last_change)
            if qualified and rng.random() < profiles.MISSING_CONTACT_TS_RATE:
                row["first_contacted_at"] = None  # a later stage still implies "contacted"
            if won and rng.random() < profiles.EARLIER_VERSION_RATE:
                early = dict(row, status="qualified", converted_at=None, converted_account_id=None,
                             updated_at=qualified_at)
                late_load = rng.random() < profiles.OUT_OF_ORDER_RATE
                self.rows["leads"].add(**row, _loaded_at=ctx.loaded_at(last_change))
                self.rows["leads"].add(**early, _loaded_at=(ctx.loaded_at(last_change)
                                                    + timedelta(hours=profiles.LEAD_EARLIER_VERSION_LATE_HOURS))
                                       if late_load else ctx.loaded_at(qualified_at))
            else:
                self.rows["leads"].add(**row, _loaded_at=ctx.loaded_at(last_change))
            activities_until = min(now, last_change + timedelta(days=profiles.LEAD_ACTIVITY_DAYS_AFTER_LAST_CHANGE))
            base, per_contacted, per_qualified, per_proposal = profiles.LEAD_ACTIVITIES_MEAN
            self._add_lead_activities(lead_id, owner, created, activities_until,
                                      base + per_contacted * contacted + per_qualified * qualified
                                      + per_proposal * proposal)
            customer_account_id = None
            if proposal:
                if won and rng.random() < profiles.P_LOST_ATTEMPT_BEFORE_WIN:
                    self.add_opportunity(account_id, lead_id, owner, "new_business", currency, segment,
                                         *(proposal_at - timedelta(days=days)
                                           for days in profiles.LOST_ATTEMPT_DAYS_BEFORE_PROPOSAL),
                                         "closed_lost")
                stage = "closed_won" if won else ("closed_lost" if closed else None)
                self.add_opportunity(account_id, lead_id, owner, "new_business", currency, segment,
                                     proposal_at, closed_at, stage, lead_created=created)
                if won and rng.random() > profiles.P_WON_NEVER_BILLED:
                    customer_account_id = account_id
                    billing.add_customer(account_id, currency, segment, closed_at)
                    if rng.random() < profiles.P_SECOND_BILLING_ENTITY:
                        other_currency = ctx.pick_weighted(ctx.profile.billing_currencies)
                        billing.add_customer(account_id, other_currency, segment,
                                             closed_at + timedelta(days=profiles.SECOND_BILLING_ENTITY_AFTER_DAYS))
            self.lead_outcomes.append(LeadOutcome(
                month_index(created.date()), source, bool(contacted), bool(qualified), bool(proposal), bool(won),
                customer_account_id))
        # prospects that never came through a lead
        for _ in range(round(n * profiles.PROSPECTS_PER_LEAD)):
            created = ctx.random_time(ctx.start, now - timedelta(days=1))
            self.add_account(created, str(ctx.pick_one(self.sales_users)))

    def _add_lead_activities(self, lead_id, owner, lo, hi, expected):
        ctx, rng = self.context, self.context.rng
        for _ in range(int(rng.poisson(expected))):
            ts = ctx.random_time(lo, max(hi, lo + timedelta(hours=1)))
            if ts >= ctx.now:
                continue
            self.rows["activities"].add(
                id=ctx.new_id("act"), tenant_id=ctx.tenant_id,
                type=ctx.pick_weighted(profiles.ACTIVITY_TYPE_SHARE),
                lead_id=lead_id, account_id=None,
                user_id=owner if rng.random() < profiles.P_ACTIVITY_BY_OWNER else str(ctx.pick_one(self.sales_users)),
                occurred_at=ts, _loaded_at=ctx.loaded_at(ts))

    # -- opportunities -----------------------------------------------------------
    def add_opportunity(self, account_id, lead_id, owner, opportunity_type, currency, segment, created, close,
                        stage, lead_created: datetime | None = None):
        """One opportunity; stage None means still open, at a stage given by how far it is to close."""
        ctx, rng = self.context, self.context.rng
        seats = profiles.DEAL_SEATS_BY_SEGMENT.get(segment, profiles.DEAL_SEATS_UNKNOWN_SEGMENT)
        amount = round(seats * profiles.DEAL_USD_PER_SEAT_YEAR * profiles.PRICE_FX[currency]
                       * rng.lognormal(0, profiles.DEAL_AMOUNT_SIGMA), 2)
        if stage is None:   # open: how far it got by now
            progress = (ctx.now - created) / max(close - created, timedelta(days=1))
            to_proposal, to_negotiation = profiles.OPEN_OPPORTUNITY_STAGE_PROGRESS
            stage = "prospecting" if progress < to_proposal else "proposal" if progress < to_negotiation else "negotiation"
        closed = stage.startswith("closed")
        row = dict(id=ctx.new_id("opp"), tenant_id=ctx.tenant_id, account_id=account_id, lead_id=lead_id,
                   owner_user_id=owner,
                   name=f"{opportunity_type.replace('_', ' ').title()} {ctx.ids_issued['opp']}",
                   type=opportunity_type, amount=_money(amount), currency=currency, stage=stage,
                   probability=STAGE_PROBABILITY[stage],
                   created_at=created, expected_close_date=close.date(),
                   closed_at=close if closed else None,
                   lost_reason=ctx.pick_one(LOST_REASONS) if stage == "closed_lost" else None,
                   updated_at=close if closed else created)
        if closed and rng.random() < profiles.EARLIER_VERSION_RATE:
            early = dict(row, stage="proposal", probability=STAGE_PROBABILITY["proposal"], closed_at=None,
                         lost_reason=None, updated_at=created + (close - created) / 2)
            self.rows["opportunities"].add(**early, _loaded_at=ctx.loaded_at(early["updated_at"]))
        self.rows["opportunities"].add(**row, _loaded_at=ctx.loaded_at(row["updated_at"]))
        if stage == "closed_won":
            self.won_deals.append(WonDeal(row["id"], owner, close, lead_created, row["amount"], currency))

    def add_renewal(self, customer: Customer, months_per_period: float, renew_at: datetime, won: bool):
        """A renewal opportunity at the end of an annual (or longer) period of a CRM customer."""
        if customer.account_id is None or months_per_period < 12 or renew_at >= self.context.now:
            return
        owner = str(self.context.pick_one(self.sales_users))
        self.add_opportunity(customer.account_id, None, owner, "renewal", customer.currency, customer.segment,
                             renew_at - timedelta(days=profiles.RENEWAL_OPENED_DAYS_BEFORE), renew_at,
                             "closed_won" if won else "closed_lost")

    def add_expansion(self, customer: Customer, at: datetime):
        """A won expansion opportunity when a CRM customer upgrades."""
        if customer.account_id is None or at >= self.context.now:
            return
        owner = str(self.context.pick_one(self.sales_users))
        self.add_opportunity(customer.account_id, None, owner, "expansion", customer.currency, customer.segment,
                             at - timedelta(days=profiles.EXPANSION_OPENED_DAYS_BEFORE), at, "closed_won")

    # -- health ---------------------------------------------------------------
    def add_health_scores(self, customers: list[Customer]):
        """Daily score per customer account while subscribed; it sinks before service ends."""
        ctx, rng = self.context, self.context.rng
        columns = {"account_id": [], "scored_on": [], "score": []}
        seen = set()
        now_day = (ctx.now - datetime(1970, 1, 1)).days
        for customer in customers:
            if customer.account_id is None or customer.account_id in seen or not customer.periods:
                continue
            seen.add(customer.account_id)
            base = rng.uniform(*profiles.HEALTH_BASE_SCORE)
            for first_day, end_day, service_ends in _service_windows(customer, ctx.now):
                days = np.arange(first_day, min(end_day, now_day))
                if days.size == 0:
                    continue
                score = base + rng.normal(0, profiles.HEALTH_DAILY_NOISE, days.size)
                if service_ends:
                    days_to_end = end_day - days
                    decline_days = profiles.HEALTH_DECLINE_DAYS
                    score -= (np.clip((decline_days - days_to_end) / decline_days, 0, 1)
                              * rng.uniform(*profiles.HEALTH_DECLINE_POINTS))
                columns["account_id"].append(np.full(days.size, customer.account_id, dtype=object))
                columns["scored_on"].append(days)
                columns["score"].append(np.clip(np.round(score), 0, 100).astype(np.int32))
        if not columns["scored_on"]:
            self.health = pa.table({f.name: pa.array([], f.type) for f in TABLES["raw_crm"]["health_scores"]})
            return
        days = np.concatenate(columns["scored_on"]).astype(np.int32)
        loaded = days.astype(np.int64) * 86400 * US + (86400 + int(rng.integers(*profiles.HEALTH_LOAD_LAG_S))) * US
        loaded = np.minimum(loaded, (now_day * 86400 - 1) * US)
        self.health = pa.table({
            "tenant_id": pa.array(np.full(days.size, ctx.tenant_id, dtype=object), pa.string()),
            "account_id": pa.array(np.concatenate(columns["account_id"]), pa.string()),
            "scored_on": pa.array(days, pa.date32()),
            "score": pa.array(np.concatenate(columns["score"]), pa.int32()),
            "_loaded_at": pa.array(loaded, pa.timestamp("us")),
        })

    # -- results ----------------------------------------------------------------
    def tables(self) -> dict[str, pa.Table]:
        out = {name: rows.table() for name, rows in self.rows.items() if name != "health_scores"}
        out["health_scores"] = self.health if self.health is not None else self.rows["health_scores"].table()
        return out

    def ledger_won_deals(self, fx) -> list[WonDealRow]:
        """Every won deal: owner, close month, sales cycle in days (lead created -> won, by date; None
        without a lead) and amount in USD at the close month's rate (docs/contracts/marts.md)."""
        out = []
        for deal in self.won_deals:
            cycle = (deal.closed_at.date() - deal.lead_created_at.date()).days if deal.lead_created_at else None
            month = month_index(deal.closed_at.date())
            out.append(WonDealRow(self.context.tenant_id, deal.opportunity_id, deal.owner_user_id,
                                  month_from_index(month), cycle, float(deal.amount) * fx[(deal.currency, month)]))
        return out

    def ledger_funnel(self, customer_accounts: set[str]) -> list[FunnelRow]:
        """Leads reaching each stage, per cohort month and source (later stages imply earlier);
        customer: won leads whose account is a billing customer with MRR."""
        counts = defaultdict(lambda: [0] * 6)
        for lead in self.lead_outcomes:
            c = counts[(lead.cohort_month, lead.source)]
            c[0] += 1
            c[1] += lead.contacted
            c[2] += lead.qualified
            c[3] += lead.proposal
            c[4] += lead.won
            c[5] += bool(lead.won and lead.customer_account_id is not None
                         and lead.customer_account_id in customer_accounts)
        return [FunnelRow(self.context.tenant_id, month_from_index(m), source, *c)
                for (m, source), c in sorted(counts.items())]


def _service_windows(customer: Customer, now: datetime) -> list[tuple[int, int, bool]]:
    """Contiguous [start_day, end_day) spans of paid service (days since 1970), and whether service ended."""
    spans = sorted((p.start, p.end) for p in customer.periods if p.invoice_status not in ("void",))
    out, current_lo, current_hi = [], None, None
    for lo, hi in spans:
        if current_hi is not None and lo <= current_hi:
            current_hi = max(current_hi, hi)
        else:
            if current_lo is not None:
                out.append((current_lo, current_hi))
            current_lo, current_hi = lo, hi
    out.append((current_lo, current_hi))
    epoch = datetime(1970, 1, 1)
    return [((lo - epoch).days, (hi - epoch).days, hi < now) for lo, hi in out]
