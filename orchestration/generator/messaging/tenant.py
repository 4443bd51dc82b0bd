"""Tenant-level set-up of the messaging simulation: WhatsApp numbers, agents, contacts and the
campaign plans, drawn once from stream 0 before any month is simulated."""
import numpy as np

from .. import profiles
from ..commerce import FIRST, LAST
from ..timeutil import DAY, HOUR
from .columns import MINUTE, NEVER, SECOND, month_start_us, pick_keys, us_month
from .model import CATEGORIES, DIAL, SEND_HOURS, TEMPLATES, CampaignPlan


class TenantSetup:
    """Part of MessagingSimulation: sets launch_us, agents, acc_* (numbers), c_* (contacts) and campaign_*
    (the campaign plans)."""

    def _setup(self):
        rng = self._rng(0)
        mix = self.mix
        span = self.now_us - self.start_us
        self.launch_us = (self.start_us + int(rng.uniform(*profiles.WHATSAPP_LAUNCH_SHARE) * span)) // HOUR * HOUR
        self.day0 = self.launch_us // DAY - 30
        self.n_days = self.now_us // DAY - self.day0 + 1
        self.fail_factor = rng.uniform(*profiles.MESSAGE_FAILURE_FACTOR)
        self.system_prompt_tokens = int(rng.integers(*profiles.SYSTEM_PROMPT_TOKENS))
        self.model_switch_us = self.launch_us + int(rng.uniform(*profiles.LLM_MODEL_SWITCH_SHARE)
                                                    * (self.now_us - self.launch_us))
        # agents: a few CRM users answer hand-offs, unevenly
        k = min(mix.agents, self.crm_user_ids.size)
        self.agents = rng.choice(self.crm_user_ids, k, replace=False) if k else np.empty(0, dtype=object)
        w = rng.lognormal(0, profiles.AGENT_WORKLOAD_SIGMA, k)
        self.agent_p = w / w.sum() if k else w
        # WhatsApp numbers
        n_acc = int(rng.integers(1, len(profiles.WHATSAPP_NUMBER_WEIGHTS) + 1)) if self.size > 0 else 0
        created = np.empty(n_acc, np.int64)
        if n_acc:
            created[0] = (self.launch_us - int(rng.integers(*profiles.FIRST_NUMBER_OPENED_DAYS_BEFORE_LAUNCH)) * DAY
                          + int(rng.integers(0, DAY)))
            later = rng.uniform(*profiles.LATER_NUMBER_SHARE, n_acc - 1) * (self.now_us - self.launch_us)
            created[1:] = self.launch_us + later.astype(np.int64)
        self.acc_created = created
        self.acc_weight = np.array(profiles.WHATSAPP_NUMBER_WEIGHTS)[:n_acc]
        self._accounts(rng, n_acc)
        # expected customer conversations over the whole history sets the number of contacts
        days = np.arange(self.launch_us // DAY, self.now_us // DAY + 1)
        total_expected = mix.conversations_per_day * self.size * self._day_weight(days).sum()
        n_contacts = max(profiles.MIN_CONTACTS, round(mix.contacts_per_conversation * total_expected)) if self.size > 0 else 0
        self._contacts(rng, n_contacts)
        self._campaigns(rng)

    def _accounts(self, rng, n_acc):
        dial, digits = DIAL.get(self.country, ("1", 10))
        nums = rng.integers(10 ** (digits - 1), 10 ** digits, n_acc)
        self.acc_phone = np.array([f"+{dial} {str(x)[:3]} {str(x)[3:6]} {str(x)[6:]}" for x in nums], dtype=object)
        brand = self.profile.name.replace("_", " ").title()
        self.acc_outlet = np.array([self.mix.outlets[i][0] for i in range(n_acc)], dtype=object)
        self.acc_name = np.array([f"{brand} {self.mix.outlets[i][1]}" for i in range(n_acc)], dtype=object)
        self.acc_renamed = rng.random(n_acc) < profiles.P_NUMBER_RENAMED
        self.acc_rename_at = self.acc_created + (rng.uniform(*profiles.NUMBER_RENAMED_SHARE, n_acc) * np.maximum(
            self.now_us - self.acc_created, 0)).astype(np.int64)

    def _day_weight(self, days: np.ndarray) -> np.ndarray:
        """Relative volume of each UTC day (growth since launch, weekday, season)."""
        frac = np.clip((days * DAY - self.launch_us) / max(self.now_us - self.launch_us, 1), 0, 1)
        growth = profiles.MESSAGING_VOLUME_AT_LAUNCH + (1 - profiles.MESSAGING_VOLUME_AT_LAUNCH) * frac
        weekday = (days + 3) % 7                                     # 1970-01-01 was a Thursday
        wd = np.where(weekday >= 5, self.mix.weekend, 1.0)
        month = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
        return growth * wd * np.array(self.mix.season)[month]

    def _times(self, rng, lo: int, hi: int, n: int, hours, weights=None) -> np.ndarray:
        """n times in [lo, hi) by day weight and local hour of day (fewer when some fall outside)."""
        days = np.arange(lo // DAY, (hi - 1) // DAY + 1)
        w = self._day_weight(days) if weights is None else weights
        hp = np.roll(np.asarray(hours, float), -self.tz_hours)       # UTC hour -> weight of its local hour
        d = rng.choice(days.size, n, p=w / w.sum())
        h = rng.choice(24, n, p=hp / hp.sum())
        t = days[d] * DAY + h * HOUR + rng.integers(0, HOUR, n)
        return np.sort(t[(t >= lo) & (t < hi)])

    def _local_office_hours(self, t: np.ndarray) -> np.ndarray:
        local = t + self.tz_hours * HOUR
        hour = (local // HOUR) % 24
        weekday = (local // DAY + 3) % 7
        return (hour >= 9) & (hour < 18) & (weekday < 5)

    def _contacts(self, rng, n):
        mix = self.mix
        lo = self.launch_us - profiles.CONTACTS_FROM_DAYS_BEFORE_LAUNCH * DAY
        t = self._times(rng, lo, self.now_us - HOUR, int(n * 1.15) + 10, mix.customer_hours)
        if t.size > n:
            t = np.sort(rng.choice(t, n, replace=False))
        n = t.size
        imported = min(n, max(1, int(n * profiles.IMPORTED_CONTACTS_SHARE)))   # imported when the number went live
        t[:imported] = np.sort(self.launch_us - rng.integers(*profiles.IMPORTED_CONTACTS_BEFORE_LAUNCH_US, imported))
        self.c_created = np.sort(t)
        status_draw = rng.random(n)
        status = np.full(n, "active", dtype=object)
        status[status_draw < mix.blocked] = "blocked"
        status[(status_draw >= mix.blocked) & (status_draw < mix.blocked + mix.opted_out)] = "opted_out"
        changed = status != "active"
        change = np.full(n, NEVER, np.int64)
        change[changed] = self.c_created[changed] + (rng.uniform(*profiles.CONTACT_STATUS_CHANGE_SHARE, changed.sum()) * (
            self.now_us - HOUR - self.c_created[changed])).astype(np.int64)
        self.c_status, self.c_change = status, change
        first, last = rng.choice(np.array(FIRST, dtype=str), n), rng.choice(np.array(LAST, dtype=str), n)
        name_draw = rng.random(n)
        full_names = np.char.add(np.char.add(np.char.capitalize(first), " "), np.char.capitalize(last))
        names = np.where(name_draw < profiles.P_CONTACT_FULL_NAME, full_names, np.char.capitalize(first)).astype(object)
        names[name_draw >= 1 - profiles.P_CONTACT_WITHOUT_NAME] = None
        self.c_name = names
        countries = list(self.profile.countries)
        cp = np.array([self.profile.countries[c] for c in countries])
        cc = rng.choice(len(countries), n, p=cp / cp.sum())
        base = int(rng.integers(10 ** 8, 10 ** 9))
        wa = np.empty(n, dtype=object)
        for i, c in enumerate(countries):
            sel = np.flatnonzero(cc == i)
            dial, digits = DIAL.get(c, ("1", 10))
            local = 10 ** (digits - 1) + (base + sel * 7919) % (9 * 10 ** (digits - 1))
            wa[sel] = np.char.add(dial, local.astype(str)).astype(object)
        self.c_wa = wa
        self.c_crm = self._link(rng, n, mix.link_crm, self.crm_account_ids)
        self.c_com = self._link(rng, n, mix.link_commerce, self.commerce_customer_ids)
        self.c_renamed = rng.random(n) < profiles.P_CONTACT_RENAMED
        self.c_updated = np.where(changed, change, np.where(
            self.c_renamed, self.c_created + (rng.random(n) * (self.now_us - HOUR - self.c_created)).astype(np.int64),
            self.c_created))

    @staticmethod
    def _link(rng, n, share, pool: np.ndarray) -> np.ndarray:
        out = np.full(n, None, dtype=object)
        if pool.size == 0 or n == 0:
            return out
        pick = np.flatnonzero(rng.random(n) < share)
        out[pick] = pool[rng.integers(0, pool.size, pick.size)]
        return out

    def _eligible(self, t: int) -> np.ndarray:
        """Contacts one may message at time t (created, not blocked or opted out yet)."""
        k = int(np.searchsorted(self.c_created, t, side="right"))
        return np.flatnonzero(self.c_change[:k] > t)

    def _expected_customer_conversations(self, lo, hi) -> float:
        days = np.arange(lo // DAY, (hi - 1) // DAY + 1)
        return self.mix.conversations_per_day * self.size * self._day_weight(days).sum() * (hi - lo) / (days.size * DAY)

    def _campaigns(self, rng):
        """Campaign plans: schedule, audience, status; sends are made month by month."""
        mix = self.mix
        plans = []
        if self.size <= 0:
            self._campaign_arrays(plans)
            return
        cats = list(mix.campaign_categories)
        for mi in range(us_month(self.launch_us), us_month(self.now_us) + 1):
            m_lo, m_hi = max(self.launch_us, month_start_us(mi)), month_start_us(mi + 1)
            if m_lo >= m_hi:
                continue
            size_factor = min(1.0, profiles.CAMPAIGN_SIZE_FACTOR * self.size ** profiles.CAMPAIGN_SIZE_EXPONENT)
            n = rng.poisson(mix.campaigns_per_month * size_factor * (m_hi - m_lo) / (30.44 * DAY))
            if n == 0:
                continue
            expected = self._expected_customer_conversations(m_lo, m_hi)
            when = self._times(rng, m_lo, m_hi, n * 3, SEND_HOURS, np.ones((m_hi - 1) // DAY - m_lo // DAY + 1))
            when = rng.permutation(when)[:n]
            for t in when:
                cat = cats[pick_keys(rng, mix.campaign_categories, 1)[0]]
                target = (mix.campaign_sends_per_conversation * expected / max(n, 1)
                          * rng.lognormal(0, profiles.CAMPAIGN_SIZE_SIGMA))
                plans.append(self._plan_campaign(rng, int(t), cat, target, mi))
        # a campaign sending right now
        if plans:
            cat = cats[pick_keys(rng, mix.campaign_categories, 1)[0]]
            target = mix.campaign_sends_per_conversation * self._expected_customer_conversations(
                self.now_us - 30 * DAY, self.now_us) / max(mix.campaigns_per_month, 1)
            plans.append(self._plan_campaign(rng, self.now_us, cat, target, us_month(self.now_us), running=True))
        plans.sort(key=lambda plan: (plan.created_at, plan.scheduled_at or 0))
        self._campaign_arrays(plans)

    def _plan_campaign(self, rng, t: int, cat: str, target: float, mi: int, running: bool = False) -> CampaignPlan:
        """The plan of a campaign meant to send at t (month index mi) to about `target` contacts; running:
        the one sending right now. The draws come in a fixed order: reordering them changes the data."""
        mix = self.mix
        tmpl, label = TEMPLATES[cat][int(rng.integers(len(TEMPLATES[cat])))]
        ym = f"{mi // 12}-{mi % 12 + 1:02d}"
        ready = np.flatnonzero(self.acc_created <= min(t, self.now_us - HOUR))
        number_index = int(rng.choice(ready)) if ready.size else 0
        rate = rng.uniform(*profiles.CAMPAIGN_SENDS_PER_SECOND)
        template_name = f"{tmpl}_v{int(rng.integers(1, profiles.TEMPLATE_VERSIONS + 1))}"
        plan = CampaignPlan(category=cat, name=f"{label} {ym}", template_name=template_name, number_index=number_index,
                            reply_probability=rng.uniform(*mix.campaign_reply) * (
                                profiles.AUTHENTICATION_REPLY_FACTOR if cat == "authentication" else 1.0))
        if running:
            eligible = self._eligible(self.now_us - HOUR).size
            plan.audience_size = int(min(eligible, max(1, round(target))))
            duration = int(plan.audience_size / rate * SECOND) + MINUTE
            start = self.now_us - int(rng.uniform(*profiles.RUNNING_CAMPAIGN_DONE_SHARE) * duration)
            plan.scheduled_at = start - int(rng.integers(*profiles.CAMPAIGN_START_AFTER_SCHEDULE_S)) * SECOND
            plan.started_at, plan.status = start, "running"
            plan.send_spacing_us = max(1, duration // max(plan.audience_size, 1))
            plan.send_count = plan.audience_size
            plan.created_at = plan.scheduled_at - int(rng.integers(*profiles.RUNNING_CAMPAIGN_CREATED_BEFORE_SCHEDULE_S)) * SECOND
            plan.updated_at = plan.started_at
            return plan
        scheduled = rng.random() < profiles.P_CAMPAIGN_SCHEDULED
        created = t - int(rng.integers(*profiles.CAMPAIGN_CREATED_BEFORE_SCHEDULE_S)) * SECOND
        plan.created_at = created
        outcome_draw = rng.random()
        if t >= self.now_us - HOUR:                                    # planned for later: scheduled or draft
            created = min(created, self.now_us - int(rng.integers(*profiles.PLANNED_CAMPAIGN_CREATED_BEFORE_NOW_US)))
            plan.created_at = created
            eligible = self._eligible(created).size
            plan.audience_size = int(min(eligible, max(1, round(target))))
            if outcome_draw < profiles.P_PLANNED_CAMPAIGN_SCHEDULED:
                plan.status, plan.scheduled_at = "scheduled", max(t, self.now_us + HOUR)
            else:
                plan.status = "draft"
            plan.updated_at = created
            return plan
        eligible = self._eligible(t).size
        if eligible == 0:
            plan.status, plan.updated_at = "draft", created
            return plan
        plan.audience_size = int(min(eligible, max(1, round(target))))
        never_scheduled = profiles.P_CAMPAIGN_NEVER_SCHEDULED
        cancelled_before_start = never_scheduled + profiles.P_CAMPAIGN_CANCELLED_BEFORE_START
        fails_part_way = cancelled_before_start + profiles.P_CAMPAIGN_FAILS_PART_WAY
        cancelled_part_way = fails_part_way + profiles.P_CAMPAIGN_CANCELLED_PART_WAY
        if outcome_draw < never_scheduled:
            plan.status, plan.updated_at = "draft", created + int(rng.integers(*profiles.DRAFT_EDITED_AFTER_CREATION_S)) * SECOND
            return plan
        if outcome_draw < cancelled_before_start:
            plan.status, plan.scheduled_at, plan.updated_at = "cancelled", t, created + (t - created) // 2
            return plan
        start = t + int(rng.integers(*profiles.CAMPAIGN_START_AFTER_SCHEDULE_S)) * SECOND
        duration = int(plan.audience_size / rate * SECOND) + MINUTE
        spacing = max(1, duration // plan.audience_size)
        plan.scheduled_at = t if scheduled else None
        plan.started_at, plan.send_spacing_us, plan.send_count = start, spacing, plan.audience_size
        if not scheduled:
            plan.created_at = min(created, start - profiles.CAMPAIGN_CREATED_MIN_BEFORE_START_S * SECOND)
        stop_share = rng.uniform(*profiles.CAMPAIGN_STOP_SHARE)
        stop_s = int(rng.integers(*profiles.CAMPAIGN_STOP_EXTRA_S))
        stop = start + int(plan.audience_size * stop_share) * spacing + stop_s * SECOND
        if outcome_draw < cancelled_part_way and stop < self.now_us:     # failed or cancelled part way
            plan.send_count = max(1, int(plan.audience_size * stop_share))
            plan.status = "failed" if outcome_draw < fails_part_way else "cancelled"
            plan.updated_at = stop
        else:
            done = (start + plan.audience_size * spacing
                    + int(rng.integers(*profiles.CAMPAIGN_COMPLETED_AFTER_LAST_SEND_S)) * SECOND)
            if done >= self.now_us:
                plan.status, plan.updated_at = "running", start
            else:
                plan.completed_at, plan.updated_at = done, done
        plan.updated_at = min(plan.updated_at, self.now_us - SECOND)
        return plan

    def _campaign_arrays(self, plans: list[CampaignPlan]):
        self.campaign_plans = plans
        self.campaign_started = np.array([NEVER if p.started_at is None else p.started_at for p in plans], np.int64)
        self.campaign_category = np.array([CATEGORIES.index(p.category) for p in plans], np.int64)
