"""CRM and subscription-billing simulation for one tenant.

The simulation is an event model: leads move through the funnel (crm.py), won deals
become billing customers whose subscriptions renew, change plan, fail payment,
cancel and come back (billing.py). Tables are written from those events; the ledger
(MRR per customer and month, funnel stages per lead, won deals) is computed from
the same events (records.py), never by reading the tables back.
"""
from datetime import datetime

import numpy as np
import pyarrow as pa

from ..profiles import TenantProfile
from .billing import Billing
from .context import SimulationContext
from .crm import Crm
from .records import Customer, FunnelRow, MrrRow, WonDealRow

__all__ = ["B2BSimulation", "Customer", "FunnelRow", "MrrRow", "WonDealRow"]


class B2BSimulation:
    """One tenant's CRM and billing, simulated together because they share one random stream."""

    def __init__(self, tenant_id: str, profile: TenantProfile, scale: float, rng: np.random.Generator,
                 start: datetime, now: datetime):
        self.context = SimulationContext(tenant_id, profile, rng, start, now,
                                         size=profile.weight * profile.b2b * scale)
        self.crm = Crm(self.context)
        self.billing = Billing(self.context, self.crm)

    @property
    def customers(self) -> list[Customer]:
        return self.billing.customers

    def run(self):
        if self.context.size <= 0:
            return
        self.crm.add_users()
        self.billing.add_catalogue()
        self.crm.add_leads_and_deals(self.billing)
        self.billing.add_self_serve_customers()
        for customer in list(self.billing.customers):
            self.billing.simulate_customer(customer)
        self.crm.add_health_scores(self.billing.customers)

    def tables(self) -> dict[tuple[str, str], pa.Table]:
        """Every raw_crm and raw_billing table; health scores last (the order the mess is planted in)."""
        crm = self.crm.tables()
        health = crm.pop("health_scores")
        out = {("raw_crm", name): table for name, table in crm.items()}
        out.update({("raw_billing", name): rows.table() for name, rows in self.context.billing_rows.items()})
        out[("raw_crm", "health_scores")] = health
        return out

    def ledger_mrr(self, fx, last_month: int) -> list[MrrRow]:
        return self.billing.ledger_mrr(fx, last_month)

    def ledger_funnel(self, customers_with_mrr: set[str]) -> list[FunnelRow]:
        accounts = {c.account_id for c in self.billing.customers if c.customer_id in customers_with_mrr}
        return self.crm.ledger_funnel(accounts)

    def ledger_won_deals(self, fx) -> list[WonDealRow]:
        return self.crm.ledger_won_deals(fx)
