"""MessagingSimulation: one tenant's WhatsApp history, its raw tables and its daily ledger."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

from orchestration import contract

from .. import profiles
from ..profiles import MIXES, MessagingMix
from ..timeutil import DAY, to_us
from .columns import NEVER, us_month
from .model import IN, LEDGER_COLUMNS, LLM, SOURCE, TZ, MessagingMonth
from .month import MonthSimulation
from .rows import RawRows
from .tenant import TenantSetup


class MessagingSimulation(TenantSetup, MonthSimulation, RawRows):
    """See the package docstring (orchestration/generator/messaging/__init__.py)."""

    def __init__(self, tenant_id: str, profile: profiles.TenantProfile, scale: float, rng: np.random.Generator,
                 start: datetime, now: datetime, crm_account_ids=(), crm_user_ids=(), commerce_customer_ids=(),
                 mix: str | MessagingMix | None = None, contract_path: Path | None = None):
        self.tenant_id, self.profile = tenant_id, profile
        self.start_us, self.now_us = to_us(start), to_us(now)
        if isinstance(mix, MessagingMix):
            self.mix = mix
        else:
            name = mix or getattr(profile, "messaging_mix", None) or (
                "shop" if profile.commerce >= profile.b2b else "support")
            self.mix = MIXES[name]
        self.size = profile.weight * scale * float(getattr(profile, "messaging", 1.0))
        self.schemas = contract.arrow_schemas(contract_path or contract.CONTRACT_PATH)[SOURCE]
        self.crm_account_ids = np.array(list(crm_account_ids), dtype=object)
        self.crm_user_ids = np.array(list(crm_user_ids), dtype=object)
        self.commerce_customer_ids = np.array(list(commerce_customer_ids), dtype=object)
        self._seed = int(rng.integers(0, 2 ** 62))   # the caller's rng is drawn once, whatever is generated
        countries = dict(profile.countries)
        self.country = max(countries, key=countries.get)
        self.tz_hours = TZ.get(self.country, 0)
        self._small: dict[str, pa.Table] | None = None
        self._ledger: pa.Table | None = None
        self._setup()

    def _rng(self, *stream) -> np.random.Generator:
        """The random stream of one purpose: 0 tenant set-up, (1, month) a month's story, (2, month)
        llm tokens, (3, month) conversation rows, 4 numbers, contacts and campaign rows, (5, month)
        hand-off rows, (6, month) message rows, (7, month) status webhooks, (8, month) message types."""
        return np.random.default_rng([self._seed, *stream])

    def _months(self):
        if self.size <= 0:
            return range(0)
        return range(us_month(self.launch_us), us_month(self.now_us - 1) + 1)

    # -- what truly happened, per day ----------------------------------------------------------------
    def _ledger_add(self, acc: dict, mo: MessagingMonth):
        outbound = mo.msg_role != IN
        has_d = (mo.ev_delivered < NEVER) | (mo.ev_read < NEVER)
        sent = outbound & ((mo.ev_sent < NEVER) | has_d)
        failed = outbound & (mo.ev_failed < NEVER) & ~has_d
        day = mo.msg_time // DAY - self.day0
        tokens = np.where(mo.msg_role == LLM, self._tokens(mo), 0)
        for name, w in (("inbound", ~outbound), ("outbound", outbound), ("sent", sent),
                        ("delivered", outbound & has_d), ("read", outbound & (mo.ev_read < NEVER)),
                        ("failed", failed), ("replied", mo.replied), ("tokens", tokens)):
            acc[name] += np.bincount(day, weights=w.astype(np.float64), minlength=self.n_days).astype(np.int64)
        acc["conversations"] += np.bincount(mo.conv_start // DAY - self.day0, minlength=self.n_days)
        acc["handoffs"] += np.bincount(mo.ho_requested // DAY - self.day0, minlength=self.n_days)

    def _ledger_table(self, acc: dict) -> pa.Table:
        days = np.flatnonzero(np.any([acc[c] != 0 for c in LEDGER_COLUMNS], axis=0))
        cols = {"tenant_id": pa.array([self.tenant_id] * days.size, pa.string()),
                "day": pa.array((days + self.day0).astype(np.int32), pa.date32())}
        cols.update({c: pa.array(acc[c][days], pa.int64()) for c in LEDGER_COLUMNS})
        return pa.table(cols)

    def _new_ledger(self) -> dict:
        return {c: np.zeros(max(self.n_days, 0), np.int64) for c in LEDGER_COLUMNS}

    def _run(self):
        """Every month in order: (month result, conversation offset, message offset)."""
        conv_off = msg_off = 0
        for mi in self._months():
            mo = self._simulate_month(mi)
            if mo is None:
                continue
            yield mo, conv_off, msg_off
            conv_off += mo.conv_start.size
            msg_off += mo.msg_time.size

    # -- public API ------------------------------------------------------------------------------------
    def tables(self) -> dict[str, pa.Table]:
        """whatsapp_accounts, contacts, campaigns, conversations, handoffs."""
        if self._small is None:
            conv, ho, acc = [], [], self._new_ledger()
            ho_off = 0
            for mo, conv_off, _ in self._run():
                conv.append(self._conversation_rows(mo, conv_off))
                ho.append(self._handoff_rows(mo, conv_off, ho_off))
                ho_off += mo.ho_conv.size
                self._ledger_add(acc, mo)
            self._small = self._assemble_small(conv, ho)
            if self._ledger is None:
                self._ledger = self._ledger_table(acc)
        return dict(self._small)

    def message_chunks(self):
        """Yield (messages, message_status_events) for the conversations started in each month."""
        conv, ho, acc = [], [], self._new_ledger()
        ho_off = ev_off = 0
        for mo, conv_off, msg_off in self._run():
            if self._small is None:
                conv.append(self._conversation_rows(mo, conv_off))
                ho.append(self._handoff_rows(mo, conv_off, ho_off))
                ho_off += mo.ho_conv.size
            self._ledger_add(acc, mo)
            messages = self._message_rows(mo, conv_off, msg_off)
            events = self._status_rows(mo, msg_off, ev_off)
            ev_off += events.num_rows
            yield messages, events
        if self._small is None:
            self._small = self._assemble_small(conv, ho)
        if self._ledger is None:
            self._ledger = self._ledger_table(acc)

    def ledger_daily(self) -> pa.Table:
        """Per UTC day (of the message's sent_at, the conversation's start, the hand-off's request):
        inbound, outbound, sent, delivered, read, failed, replied, conversations, handoffs, tokens."""
        if self._ledger is None:
            acc = self._new_ledger()
            for mo, _, _ in self._run():
                self._ledger_add(acc, mo)
            self._ledger = self._ledger_table(acc)
        return self._ledger
