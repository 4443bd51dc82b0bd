"""Tenant profiles and every rate, probability, share, volume and timing shape of the synthetic data.

Every number that tunes what is generated lives here, named, so the README and the tests can
point at one place; the simulation code reads each by name. Sections: tenant profiles and the
history, B2B behaviour (funnel, churn, billing events), CRM, billing, commerce, messaging (its
timing shapes last: the lognormal response and delivery delays, the gaps between messages, the
campaign timings, token counts, the load lags of its rows) and last the planted mess. A delay is
either a ClippedLognormal (median, sigma, clipped to a range) or a uniform (low, high) range, in
the unit its name ends with; a range drawn as integers excludes its high end (NumPy's integers).

What stays in the simulation code is structure, not tuning: vocabularies (names, templates,
error codes), the fixed rules of the systems the data imitates (WhatsApp's 24-hour window,
14 days of dunning, an invoice past due after 3 days, a mid-period upgrade prorated at half),
calendar facts, and oversampling factors, caps and tie-breaks that only keep the draws and the
arithmetic safe.
"""
import math
from dataclasses import dataclass

import numpy as np

from .timeutil import DAY, HOUR


@dataclass(frozen=True)
class ClippedLognormal:
    """A lognormal draw around a median, clipped to [low, high] (same unit as the median)."""
    median: float
    sigma: float
    low: float
    high: float

    def draw(self, rng, size=None):
        return np.clip(rng.lognormal(math.log(self.median), self.sigma, size), self.low, self.high)


@dataclass(frozen=True)
class TenantProfile:
    name: str
    weight: float          # overall size relative to the first tenant
    b2b: float             # CRM + subscription billing volume (0 = none)
    commerce: float        # online store volume (0 = none)
    billing_currencies: dict[str, float]
    store_currency: str
    countries: dict[str, float]
    plan_options: dict[tuple[str, int], float]  # (interval, interval_count) -> share
    product_categories: tuple[str, ...] = ("apparel", "accessories", "home", "electronics")


PROFILES = (
    TenantProfile(
        name="northwind",  # large B2B SaaS with a small merchandise store
        weight=1.0, b2b=1.0, commerce=0.35,
        billing_currencies={"USD": 0.6, "EUR": 0.25, "GBP": 0.15},
        store_currency="USD",
        countries={"US": 0.55, "DE": 0.15, "FR": 0.1, "GB": 0.15, "CA": 0.05},
        plan_options={("month", 1): 0.55, ("month", 3): 0.15, ("year", 1): 0.25, ("week", 1): 0.05},
    ),
    TenantProfile(
        name="bolt_nutrition",  # sports-supplement shop with a membership programme
        weight=0.8, b2b=0.3, commerce=1.0,
        billing_currencies={"MXN": 0.55, "USD": 0.45},
        store_currency="MXN",
        countries={"MX": 0.7, "US": 0.3},
        plan_options={("month", 1): 0.7, ("year", 1): 0.2, ("day", 30): 0.1},
        product_categories=("protein", "pre_workout", "vitamins", "bars", "apparel", "accessories"),
    ),
    TenantProfile(
        name="kumo_software",  # mid-size Japanese SaaS
        weight=0.5, b2b=0.8, commerce=0.4,
        billing_currencies={"JPY": 0.75, "USD": 0.25},
        store_currency="JPY",
        countries={"JP": 0.8, "US": 0.2},
        plan_options={("month", 1): 0.6, ("month", 6): 0.1, ("year", 1): 0.3},
    ),
)


def tenant_profiles(n: int) -> list[tuple[str, TenantProfile]]:
    """The first n tenants: the three base profiles, then smaller variants of them."""
    out = []
    for i in range(n):
        base = PROFILES[i % len(PROFILES)]
        if i < len(PROFILES):
            prof = base
        else:
            prof = TenantProfile(**{**base.__dict__, "name": f"{base.name}_{i // len(PROFILES) + 1}",
                                    "weight": base.weight * 0.4})
        out.append((f"tn_{i + 1:03d}", prof))
    return out


# The history: leads and store customers arrive at times u ** exponent of the span (u uniform), so
# their density rises towards now (exponent < 1)
HISTORY_GROWTH_EXPONENT = 0.8


# Approximate FX used only to set list prices in local currency (the marts use
# the FX seed). Units of currency per USD.
PRICE_FX = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79, "MXN": 18.0, "JPY": 150.0}
EXPONENT = {"USD": 2, "EUR": 2, "GBP": 2, "MXN": 2, "JPY": 0}

# --- B2B behaviour ---------------------------------------------------------
LEAD_SOURCES = ("web", "referral", "paid_search", "paid_social", "event", "outbound", "partner")
LEAD_SOURCE_SHARE = (0.30, 0.10, 0.20, 0.15, 0.08, 0.12, 0.05)
# P(contacted), P(qualified | contacted), P(proposal | qualified), P(won | proposal)
LEAD_SOURCE_FUNNEL = {
    "web": (0.85, 0.35, 0.50, 0.35),
    "referral": (0.95, 0.60, 0.60, 0.50),
    "paid_search": (0.80, 0.30, 0.45, 0.30),
    "paid_social": (0.75, 0.20, 0.40, 0.25),
    "event": (0.90, 0.40, 0.50, 0.35),
    "outbound": (0.60, 0.25, 0.40, 0.30),
    "partner": (0.90, 0.50, 0.55, 0.45),
}
MAX_STAGE_PROBABILITY = 0.95    # a skilled owner raises qualify/win odds, never to certainty
# monthly churn hazard by segment (accounts without a known size: CHURN_HAZARD_UNKNOWN); monthly plan-change probabilities
CHURN_HAZARD = {"smb": 0.03, "mid_market": 0.018, "enterprise": 0.009}
CHURN_HAZARD_UNKNOWN = 0.02
P_UPGRADE, P_DOWNGRADE, P_SEAT_CHANGE = 0.02, 0.012, 0.03
P_REACTIVATE = 0.25          # churned customers who come back (REACTIVATION_AFTER_CHURN_DAYS later)
P_TRIAL_SELF_SERVE = 0.6     # self-serve sign-ups that start on a 14-day trial
P_TRIAL_CONVERTS = 0.55
P_PAYMENT_FAILS = 0.03       # invoice payment fails; then dunning
P_DUNNING_RECOVERS = 0.5     # otherwise the invoice is uncollectible and service ends
P_VOID_REISSUE = 0.015       # invoice voided and re-issued for the same period
P_ADDON = 0.08               # customers who add a second, concurrent subscription
WEB_SESSIONS_PER_PURCHASE = 21

# --- CRM ---------------------------------------------------------------------
# volumes per unit of tenant size (weight x b2b x scale)
USERS_PER_SQRT_SIZE = 40          # CRM users grow with the square root of size (at least 4)
LEADS_PER_SIZE = 25000
PROSPECTS_PER_LEAD = 0.15         # accounts created without a lead (outbound prospecting)
SELF_SERVE_CUSTOMERS_PER_SIZE = 1500
# roles of the users beyond the first two sales reps and one customer-success manager
USER_ROLE_SHARE = {"sales_rep": 0.6, "sales_manager": 0.1, "customer_success": 0.25, "admin": 0.05}
P_USER_INACTIVE = 0.05
P_EMPLOYEE_COUNT_UNKNOWN = 0.04   # accounts without an employee count: segment "unknown"
OWNER_CHANGE_MIN_ACCOUNT_AGE_DAYS = 30
P_ACCOUNT_OWNER_CHANGES = 0.15    # accounts (older than OWNER_CHANGE_MIN_ACCOUNT_AGE_DAYS) handed to another owner later
P_LEAD_SCORE_MISSING = 0.03
P_LOST_ATTEMPT_BEFORE_WIN = 0.1   # won leads with an earlier lost opportunity
P_WON_NEVER_BILLED = 0.05         # won deals that never reach billing
P_SECOND_BILLING_ENTITY = 0.03    # billed customers whose account opens a second one, in another currency
ACTIVITY_TYPE_SHARE = {"call": 0.3, "email": 0.4, "meeting": 0.1, "message": 0.1, "note": 0.1}
P_ACTIVITY_BY_OWNER = 0.9         # otherwise another sales user logs it
# opportunity amount: seats by segment x list price per seat-year x lognormal noise
DEAL_SEATS_BY_SEGMENT = {"smb": 5, "mid_market": 25, "enterprise": 120}
DEAL_SEATS_UNKNOWN_SEGMENT = 8
DEAL_USD_PER_SEAT_YEAR = 480
# daily health score: a base per account with daily noise, sinking over the last days of service
HEALTH_BASE_SCORE = (55, 92)
HEALTH_DAILY_NOISE = 5
HEALTH_DECLINE_DAYS = 60
HEALTH_DECLINE_POINTS = (35, 60)
# timing: the funnel's stages (a lead's owner with skill s contacts it after exponential(mean / s) hours)
USER_CREATED_DAYS_BEFORE_HISTORY = 400   # CRM users were created up to this long before the history starts
SALES_SKILL = ClippedLognormal(1.0, 0.3, 0.5, 1.6)   # a sales user's skill: multiplies qualify/win odds
LEAD_CONTACT_HOURS_MEAN = 30
QUALIFIED_AFTER_CONTACT_DAYS = (2, 20)                # uniform
PROPOSAL_AFTER_QUALIFIED_DAYS = (3, 25)               # uniform
CLOSE_AFTER_PROPOSAL_DAYS = ClippedLognormal(35, 0.6, 0, 200)
DEAL_AMOUNT_SIGMA = 0.4                  # an opportunity's amount x lognormal(0, sigma)
ACCOUNT_EMPLOYEES_LOG_MEAN, ACCOUNT_EMPLOYEES_LOG_SIGMA = 3.7, 1.6   # employees ~ 1 + lognormal(mu, sigma)
# lead score: base + points for won and qualified leads + normal(0, noise), clipped to 0-100
LEAD_SCORE_BASE, LEAD_SCORE_IF_WON, LEAD_SCORE_IF_QUALIFIED, LEAD_SCORE_NOISE = 25, 35, 15, 15
OPEN_OPPORTUNITY_STAGE_PROGRESS = (0.3, 0.7)   # an open opportunity this far to its close date is at proposal, then negotiation
ACCOUNT_CONTACTS = (1, 4)                # contacts per account: 1-3
LEAD_ACTIVITIES_MEAN = (1, 2, 2, 3)      # Poisson mean of a lead's activities: 1, + 2 contacted, + 2 qualified, + 3 proposal
OWNER_CHANGE_AFTER_DAYS = 7              # an account changes owner at least this long after its creation
LEAD_UNQUALIFIED_AFTER_DAYS = 10         # a contacted lead not qualified by then is unqualified
LEAD_ACTIVITY_DAYS_AFTER_LAST_CHANGE = 5  # a lead's activities fall between its creation and this long after its last change
LOST_ATTEMPT_DAYS_BEFORE_PROPOSAL = (20, 2)   # an earlier lost opportunity opens, and closes, this long before the won one
SECOND_BILLING_ENTITY_AFTER_DAYS = 40
RENEWAL_OPENED_DAYS_BEFORE = 60          # before the renewal date
EXPANSION_OPENED_DAYS_BEFORE = 30        # before the upgrade
HEALTH_LOAD_LAG_S = (0, 3600)            # a day's health scores load after the next midnight plus this, uniform integer

# --- Billing -----------------------------------------------------------------
TIERS = ("Starter", "Pro", "Enterprise")
TIER_MONTHLY_USD = {"Starter": 15.0, "Pro": 40.0, "Enterprise": 90.0, "Add-on": 25.0}
INTERVAL_DISCOUNT = {("month", 1): 1.0, ("month", 3): 0.95, ("month", 6): 0.92, ("year", 1): 0.85,
                     ("week", 1): 1.0, ("day", 30): 1.0}
PRICE_ROUNDING_STEP = {"JPY": 10}   # list prices in whole units of currency, yen in tens
SEATS_LOG_MEAN_BY_TIER = {"Starter": 1.0, "Pro": 2.0, "Enterprise": 3.5}   # lognormal mu (sigma: SEATS_LOG_SIGMA)
P_STARTER_BUYS_PRO = 0.3          # small customers who start on Pro anyway
TRIAL_DAYS = 14
P_COUPON = 0.2                    # subscriptions with a coupon for their first COUPON_DAYS
COUPON_SHARES = (0.1, 0.2, 0.3)
P_SETUP_FEE = 0.2                 # first subscriptions with a one-off setup fee
SETUP_FEE_UNITS = 2               # the fee, in units of the plan's price
P_UPGRADE_MID_PERIOD = 0.3        # upgrades that take effect mid-period: a proration line
SEAT_CHANGES = (-2, -1, 1, 2, 3)
VAT_RATE = 0.1
VAT_CURRENCIES = ("EUR", "GBP")
P_REFUND = 0.01                   # paid invoices refunded in part
REFUND_SHARE = 0.5
LOAD_LAG_MINUTES = (5, 360)       # a CRM or billing row reaches the loader 5 minutes to 6 hours after it changed
SEATS_LOG_SIGMA = 0.5             # seats ~ lognormal(SEATS_LOG_MEAN_BY_TIER, sigma)
SELF_SERVE_EMPLOYEES_LOG_MEAN, SELF_SERVE_EMPLOYEES_LOG_SIGMA = 2.5, 1.0   # employees ~ 1 + lognormal(mu, sigma)
BILLING_CATALOGUE_CREATED_DAYS_BEFORE_HISTORY = 30
# timing (uniform ranges)
FIRST_SUBSCRIPTION_AFTER_SIGNUP_DAYS = (0, 4)    # integer days after the customer's creation day
REACTIVATION_AFTER_CHURN_DAYS = (30, 240)
ADDON_AFTER_FIRST_PERIOD_DAYS = (20, 200)
COUPON_DAYS = (30, 365)                          # how long a coupon lasts
CANCEL_REQUESTED_BEFORE_PERIOD_END_DAYS = (1, 20)
EXTRA_FAILED_ATTEMPTS = (0, 3)                   # failed payment attempts of an uncollectible invoice: 1 + this
PAID_AFTER_INVOICE_HOURS = (0.1, 48)
FAILED_ATTEMPT_WITHIN_DAYS = (0, 10)             # failed payment attempts fall this long after the invoice

# --- Commerce (online store and clickstream) ----------------------------------
STORE_SEASONALITY = (0.85, 0.8, 0.9, 0.95, 1.0, 0.95, 0.9, 0.95, 1.0, 1.1, 1.45, 1.6)  # Jan..Dec: year-end peak
ACQUISITION_CHANNEL_SHARE = {"web": 0.3, "mobile": 0.15, "marketplace": 0.08, "pos": 0.05, "referral": 0.1,
                             "paid_social": 0.17, "paid_search": 0.15}
UTM_SOURCE_SHARE = {None: 0.35, "google": 0.25, "facebook": 0.12, "instagram": 0.1, "email": 0.1, "tiktok": 0.05,
                    "affiliate": 0.03}
ORDER_CHANNEL_SHARE = {"web": 0.55, "mobile": 0.3, "pos": 0.08, "marketplace": 0.07}
DEVICE_SHARE = {"desktop": 0.55, "mobile": 0.35, "tablet": 0.1}
PRODUCT_COST_SHARE = (0.3, 0.6)        # unit cost as a share of the list price, uniform
P_PRODUCT_UPDATED = 0.2
P_SHOPPER_IS_BILLING_CUSTOMER = 0.03   # shoppers who are also billing customers (same person, same e-mail)
P_SHOPPER_REGISTERED_TWICE = 0.01      # shoppers whose e-mail another registration reuses
P_SHOPPER_UPDATED = 0.1
P_ACCEPTS_MARKETING = 0.6
P_REPEAT_STOPS = 0.5                   # geometric repeat orders: most shoppers buy once
P_LOYAL_SHOPPER = 0.15                 # shoppers with a second, longer run of repeat orders
P_LOYAL_REPEAT_STOPS = 0.25
GUEST_ORDERS_PER_CUSTOMER_ORDER = 0.12
EXTRA_ITEMS_PER_ORDER = 0.9            # Poisson mean of items beyond the first
MAX_ITEMS_PER_ORDER = 6
P_COMPLEMENT_SECOND_ITEM = 0.35        # second items that complement the first (bought together)
EXTRA_UNITS_PER_ITEM = 0.3             # Poisson mean of units beyond the first
P_ITEM_DISCOUNT = 0.1
ITEM_DISCOUNT_SHARE = 0.1
P_ORDER_DISCOUNT = 0.15
ORDER_DISCOUNT_SHARE = 0.1
FREE_SHIPPING_FROM_USD = 50
SHIPPING_USD = 5.99
STORE_SALES_TAX_RATE = 0.08
P_ORDER_CANCELLED = 0.03
P_ORDER_REFUNDED = 0.02                # in full, orders older than 20 days
P_ORDER_PARTIALLY_REFUNDED = 0.03
PARTIAL_REFUND_SHARE = (0.2, 0.6)      # of the merchandise value, uniform
EXTRA_PRODUCT_VIEWS_BUYING = 0.8       # Poisson means of product views beyond the first
EXTRA_PRODUCT_VIEWS_BROWSING = 0.6
P_BROWSER_VIEWS_PRODUCTS = 0.55        # browsing (non-buying) sessions that view products
P_BROWSER_ADDS_TO_CART = 0.3
P_CART_STARTS_CHECKOUT = 0.45
P_BROWSER_LOGGED_IN = 0.25             # browsing sessions of a known customer
P_WEB_EVENT_LATE = 0.02                # events reaching the loader late (LATE_WEB_EVENT_EXTRA_US)
DAILY_SPEND_USD_PER_CHANNEL = 400      # at size 1, growing with size ** SPEND_SIZE_EXPONENT ...
SPEND_SIZE_EXPONENT = 0.7
SPEND_CHANNEL_FACTOR = {"paid_search": 1.0, "paid_social": 1.5, "referral": 2.0, "event": 2.5}   # ... x this
SPEND_EVENT_CHANNEL_MIN_B2B = 0.5      # only tenants with at least this much B2B pay for events
SPEND_GROWTH_OVER_HISTORY = 0.5        # daily spend rises linearly by this share over the history
WEEKEND_SPEND_FACTOR = 0.7
PRODUCTS_AT_SIZE_1, PRODUCT_COUNT_EXPONENT, MIN_PRODUCTS = 150, 0.3, 20   # max(min, n x size ** exponent)
PRODUCT_POPULARITY_EXPONENT = 0.9      # the k-th product sells in proportion to 1 / k ** exponent
SHOPPERS_PER_SIZE, MIN_SHOPPERS = 70000, 30
PRODUCT_PRICE_USD_MEDIAN = 30          # list prices ~ lognormal(log median, sigma), in local currency
PRODUCT_PRICE_SIGMA = 0.6
DAILY_SPEND_SIGMA = 0.25               # a day's spend x lognormal(0, sigma)
# timing
CATALOGUE_OPENS_DAYS_BEFORE_HISTORY = 60
PRODUCT_LISTED_AFTER_OPENING_DAYS = (0, 30)      # uniform integer days
PRODUCT_UPDATED_AFTER_DAYS = (1, 400)            # uniform integer days
SHOPPER_UPDATED_AFTER_DAYS = (1, 300)
FIRST_ORDER_AFTER_SIGNUP_DAYS_MEAN = 1.5         # exponential
REPEAT_ORDER_GAP_DAYS_MEAN = 40                  # exponential, x REPEAT_GAP_GROWTH ** (orders before) ...
REPEAT_GAP_GROWTH = 1.4
REPEAT_GAP_MAX_FACTOR = 60.0                     # ... at most this factor
ORDER_PENDING_HOURS = 2                # payment is captured within hours (a 2-day window emptied the latest days)
ORDER_FULFILLED_AT_AGE_DAYS = 5        # older orders are fulfilled, younger ones paid
ORDER_REFUNDABLE_AT_AGE_DAYS = 20      # refunds only for older orders
ORDER_CANCELLED_AFTER_HOURS = (1, 48)            # uniform integer hours
ORDER_FULFILLED_AFTER_DAYS = (1, 4)              # uniform integer days
REFUND_AFTER_DAYS = (3, 19)                      # uniform integer days
STORE_LOAD_LAG_S = (5 * 60, 6 * 3600)            # store rows reach the loader 5 minutes to 6 hours after a change
BROWSE_JITTER_DAYS = 15                # browsing sessions fall within +- this of an order's time
WEB_EVENT_SPACING_S = 60               # between the events of a session ...
WEB_EVENT_JITTER_S = (0, 30)           # ... plus this, uniform integer
WEB_EVENT_LOAD_LAG_S = (60, 1800)
LATE_WEB_EVENT_EXTRA_US = (HOUR, 72 * HOUR)      # P_WEB_EVENT_LATE events land this much later
SPEND_LOADED_HOURS_AFTER_DAY = 2       # a day's spend is loaded the next day at 02:00

# --- Messaging (WhatsApp) ----------------------------------------------------
# Two tenant mixes: "shop" (a store with a sales bot and regular campaigns) and "support"
# (a B2B support desk where agents take over). Local hour-of-day weights of customers' first messages:
SHOP_HOURS = (0.3, 0.15, 0.08, 0.05, 0.05, 0.1, 0.3, 0.6, 0.9, 1.0, 1.0, 1.0,
              1.1, 1.0, 0.95, 0.95, 1.0, 1.05, 1.15, 1.3, 1.4, 1.35, 1.1, 0.7)
OFFICE_HOURS = (0.1, 0.05, 0.04, 0.03, 0.04, 0.08, 0.2, 0.5, 0.95, 1.3, 1.35, 1.3,
                1.1, 1.25, 1.3, 1.25, 1.15, 1.0, 0.7, 0.5, 0.4, 0.35, 0.25, 0.15)


@dataclass(frozen=True)
class MessagingMix:
    """How a tenant uses WhatsApp: volumes, conversation shapes and rates of one kind of business."""
    name: str
    conversations_per_day: float      # customer-started conversations a day at the end of history, per unit of size
    weekend: float                    # weekend volume relative to a weekday
    season: tuple[float, ...]         # Jan..Dec volume factor
    customer_hours: tuple[float, ...]  # local hour-of-day weights of customers' first messages
    turns_p: float                    # customer turns per conversation ~ geometric(turns_p)
    extra_inbound: float              # customer messages per turn = 1 + Poisson(extra_inbound)
    extra_bot: float                  # bot messages per answer = 1 + Poisson(extra_bot)
    extra_agent: float                # agent messages per answer = 1 + Poisson(extra_agent)
    bot_resolves: float               # conversations without hand-off the bot marks resolved (else closed on time-out)
    handoff_rate: float               # conversations with a customer turn that are handed to an agent
    handoff_triggers: dict            # trigger -> share
    handoff_accepted: float           # hand-offs an agent accepts (manual ones always are)
    agent_resolves: float             # accepted hand-offs ending resolved (else handed_off: moved to a ticket)
    outreach_per_conversation: float  # business-started one-off utility templates per customer-started conversation
    outreach_by_agent: float          # share of those an agent sends (else the system, e.g. order updates)
    campaigns_per_month: float
    campaign_sends_per_conversation: float  # template sends per customer-started conversation of the month
    campaign_categories: dict         # category -> share
    campaign_reply: tuple[float, float]  # P(reply | read) of a campaign's recipients, drawn per campaign
    contacts_per_conversation: float
    blocked: float                    # contacts blocked by now
    opted_out: float                  # contacts opted out by now
    link_crm: float                   # contacts linked to a CRM account
    link_commerce: float              # contacts linked to a store customer
    llm_models: tuple[str, str, str]  # model before the switch, after it, escalation model for hard questions
    escalation: float                 # bot answers written by the escalation model
    interactive_bot: float            # bot answers sent as interactive (buttons, product lists)
    agents: int                       # CRM users answering hand-offs (at most)
    outlets: tuple                    # (outlet_id or None, display suffix) per WhatsApp number


_STORE_SEASON = np.array(STORE_SEASONALITY)
MIXES = {
    "shop": MessagingMix(
        name="shop", conversations_per_day=165.0, weekend=1.1,
        season=tuple(float(x) for x in _STORE_SEASON / _STORE_SEASON.mean()), customer_hours=SHOP_HOURS,
        turns_p=0.5, extra_inbound=0.3, extra_bot=0.5, extra_agent=0.4, bot_resolves=0.65,
        handoff_rate=0.08,
        handoff_triggers={"keyword": 0.35, "confidence": 0.3, "customer_request": 0.3, "manual": 0.05},
        handoff_accepted=0.75, agent_resolves=0.85, outreach_per_conversation=0.05, outreach_by_agent=0.1,
        campaigns_per_month=3.0, campaign_sends_per_conversation=0.55,
        campaign_categories={"marketing": 0.75, "utility": 0.2, "authentication": 0.05}, campaign_reply=(0.1, 0.45),
        contacts_per_conversation=0.45, blocked=0.03, opted_out=0.08, link_crm=0.02, link_commerce=0.45,
        llm_models=("gpt-4o-mini", "gemini-2.0-flash", "gpt-4o"), escalation=0.05, interactive_bot=0.25,
        agents=4,
        outlets=(("outlet_01", "Flagship store"), ("outlet_02", "Online shop"), ("outlet_03", "Outlet mall"))),
    "support": MessagingMix(
        name="support", conversations_per_day=130.0, weekend=0.45,
        season=(1.0, 1.0, 1.05, 1.0, 1.0, 0.95, 0.9, 0.85, 1.05, 1.1, 1.1, 0.85), customer_hours=OFFICE_HOURS,
        turns_p=0.35, extra_inbound=0.4, extra_bot=0.3, extra_agent=0.5, bot_resolves=0.55,
        handoff_rate=0.28,
        handoff_triggers={"keyword": 0.25, "confidence": 0.35, "customer_request": 0.25, "manual": 0.15},
        handoff_accepted=0.88, agent_resolves=0.8, outreach_per_conversation=0.1, outreach_by_agent=0.6,
        campaigns_per_month=1.0, campaign_sends_per_conversation=0.18,
        campaign_categories={"marketing": 0.3, "utility": 0.6, "authentication": 0.1}, campaign_reply=(0.1, 0.4),
        contacts_per_conversation=0.35, blocked=0.02, opted_out=0.03, link_crm=0.55, link_commerce=0.05,
        llm_models=("gpt-4o", "gpt-4.1-mini", "gpt-4.1"), escalation=0.15, interactive_bot=0.1,
        agents=12, outlets=((None, "Support"), ("branch_eu", "Support EU"), ("branch_apac", "Support APAC"))),
}


# when and how a tenant's WhatsApp runs
WHATSAPP_LAUNCH_SHARE = (0.02, 0.15)     # WhatsApp goes live this far into the history, uniform
WHATSAPP_NUMBER_WEIGHTS = (1.0, 0.6, 0.4)  # conversation share of the 1-3 numbers, the first opened first
LATER_NUMBER_SHARE = (0.1, 0.7)          # the second and third numbers open this far into WhatsApp's life
P_NUMBER_RENAMED = 0.3                   # numbers whose display name changed once (an earlier version)
MESSAGING_VOLUME_AT_LAUNCH = 0.25        # volume at launch relative to the end, growing linearly
MESSAGE_FAILURE_FACTOR = (0.7, 1.3)      # a tenant's failure rates relative to the category's, uniform
LLM_MODEL_SWITCH_SHARE = (0.3, 0.7)      # the bot switches model this far into WhatsApp's life
# contacts
MIN_CONTACTS = 20
CONTACTS_FROM_DAYS_BEFORE_LAUNCH = 14    # the first contacts (some imported) date from this long before launch
IMPORTED_CONTACTS_SHARE = 0.03           # contacts imported when the number went live
P_CONTACT_FULL_NAME = 0.7                # profile name "First Last" (else the first name only ...)
P_CONTACT_WITHOUT_NAME = 0.1             # ... or no WhatsApp profile name at all
P_CONTACT_RENAMED = 0.05                 # profile name changed later
P_FAVOUR_RECENT_CONTACT = 0.5            # customer-started conversations drawn with a bias to recent contacts
RECENT_CONTACT_BIAS = 4.0                # (position ~ 1 - u ** bias among the contacts so far)
# campaigns
CAMPAIGN_SIZE_FACTOR, CAMPAIGN_SIZE_EXPONENT = 2, 0.5   # small tenants: campaigns a month x min(1, factor x size ** exponent)
TEMPLATE_VERSIONS = 3                    # a campaign's template is version 1-3 of it
CAMPAIGN_SENDS_PER_SECOND = (8, 40)      # tier throttling, uniform per campaign
P_CAMPAIGN_SCHEDULED = 0.7               # past campaigns scheduled ahead (else sent right away)
P_PLANNED_CAMPAIGN_SCHEDULED = 0.7       # future campaigns already scheduled (else still drafts)
P_CAMPAIGN_NEVER_SCHEDULED = 0.03        # past campaigns left as drafts
P_CAMPAIGN_CANCELLED_BEFORE_START = 0.02
P_CAMPAIGN_FAILS_PART_WAY = 0.03         # rate limit, template paused
P_CAMPAIGN_CANCELLED_PART_WAY = 0.02
AUTHENTICATION_REPLY_FACTOR = 0.2        # one-time codes are rarely answered
# conversations
P_OUTREACH_REPLY = 0.35                  # P(reply | read) of one-off utility templates
TURNS_P_AFTER_TEMPLATE = 0.6             # customer turns ~ geometric(p) in conversations a template opened
HANDOFF_FACTOR_AFTER_TEMPLATE = 0.5      # those are handed off half as often
TURNS_P_AFTER_HANDOFF = 0.45             # further turns with the agent ~ geometric(p) - 1
MAX_TURNS = 12
P_NEXT_TURN_WITHIN_HOUR = 0.72           # the customer's next turn within the hour ...
P_NEXT_TURN_SAME_DAY = 0.9               # ... else the same day (else the next)
OFF_HOURS_ACCEPT_DELAY_FACTOR = 4        # hand-offs outside office hours wait this much longer
OFF_HOURS_AGENT_DELAY_FACTOR = 2
# message types
P_INBOUND_MEDIA = 0.12
P_INBOUND_INTERACTIVE = 0.06
P_TEMPLATE_REPLY_BY_BUTTON = 0.5         # first answers to a template given by its quick-reply button
P_AGENT_MEDIA = 0.1
# delivery fate by message category: marketing, utility, authentication, session
P_MESSAGE_FAILS = (0.05, 0.025, 0.02, 0.03)        # failed (never delivered)
P_MESSAGE_UNDELIVERED = (0.04, 0.025, 0.02, 0.06)  # sent, never delivered (phone gone, number dead)
P_MESSAGE_READ = (0.58, 0.75, 0.82, 0.5)           # read | delivered (session: last answers nobody replied to)
READ_DELAY_MEDIAN_S = (2400.0, 600.0, 30.0, 20.0)
READ_DELAY_SIGMA = (1.6, 1.4, 1.0, 1.2)
P_FAIL_AFTER_SENT = 0.4        # failed messages that had a sent event first
P_READ_BEFORE_REPLY = 0.97     # outbound messages the customer answered: delivered and read before the answer
P_TRANSIENT_FAILURE = 0.004    # delivered messages with an earlier failed webhook (a retry got through)
P_RECIPIENT_OFFLINE = 0.07     # messages delivered only when the phone comes back (RECIPIENT_OFFLINE_DELAY_S)
# WhatsApp Cloud API error codes of failed messages, by category (index as above)
ERROR_CODE_SHARE = {
    0: {"131026": 0.40, "130472": 0.20, "131049": 0.20, "131048": 0.15, "131000": 0.05},  # marketing
    1: {"131026": 0.70, "131048": 0.10, "131056": 0.10, "131000": 0.10},                    # utility
    2: {"131026": 0.70, "131048": 0.10, "131056": 0.10, "131000": 0.10},                    # authentication
    3: {"131026": 0.35, "131047": 0.30, "131051": 0.20, "131000": 0.10, "131053": 0.05},  # session
}
# webhook mess (on top of the truth; it never changes what the marts.md definitions count)
P_DELIVERED_LOST = 0.05        # read messages whose delivered webhook never arrives
P_SENT_LOST = 0.01             # delivered messages whose sent webhook never arrives
P_CLOCK_SKEW = 0.03            # sent webhook stamped after the delivered one
P_LATE = 0.03                  # webhooks landing late (LATE_WEBHOOK_EXTRA_S)
P_SENT_LANDS_LATE = 0.03       # sent webhook landing after the later events of its message
P_DUPLICATED = 0.07            # webhooks delivered again (1 + Poisson(DUPLICATE_EXTRA_COPIES) copies, new ids)

# timing shapes (seconds unless the name says otherwise)
# tenant set-up
SYSTEM_PROMPT_TOKENS = (400, 1600)       # the bot's system prompt, uniform integer per tenant
AGENT_WORKLOAD_SIGMA = 0.6               # agents share the hand-offs by lognormal(0, sigma) weights
FIRST_NUMBER_OPENED_DAYS_BEFORE_LAUNCH = (1, 20)   # uniform integer days (plus a random time of day)
NUMBER_RENAMED_SHARE = (0.05, 0.9)       # a renamed number changes its name this far into its life, uniform
IMPORTED_CONTACTS_BEFORE_LAUNCH_US = (HOUR, CONTACTS_FROM_DAYS_BEFORE_LAUNCH * DAY)   # uniform integer microseconds
CONTACT_STATUS_CHANGE_SHARE = (0.02, 1.0)  # blocking or opting out this far into the contact's life, uniform
# campaigns
CAMPAIGN_SIZE_SIGMA = 0.5                # a campaign's audience target ~ mean x lognormal(0, sigma)
CAMPAIGN_START_AFTER_SCHEDULE_S = (0, 90)          # uniform integer seconds
CAMPAIGN_CREATED_BEFORE_SCHEDULE_S = (10 * 60, 7 * 86400)   # uniform integer seconds
RUNNING_CAMPAIGN_CREATED_BEFORE_SCHEDULE_S = (10 * 60, 3 * 86400)
RUNNING_CAMPAIGN_DONE_SHARE = (0.2, 0.8)  # the campaign sending right now is this far through its sends, uniform
PLANNED_CAMPAIGN_CREATED_BEFORE_NOW_US = (HOUR, 5 * DAY)   # uniform integer microseconds
DRAFT_EDITED_AFTER_CREATION_S = (60, 3600)          # uniform integer seconds
CAMPAIGN_STOP_SHARE = (0.05, 0.7)         # a campaign failing or cancelled part way stops after this share of sends
CAMPAIGN_STOP_EXTRA_S = (1, 600)          # ... and this many seconds, uniform integer
CAMPAIGN_CREATED_MIN_BEFORE_START_S = 5 * 60       # an unscheduled campaign was created at least this long before it sent
CAMPAIGN_COMPLETED_AFTER_LAST_SEND_S = (1, 30)      # uniform integer seconds
# conversations
MONTH_VOLUME_SIGMA = 0.08                 # a month's expected conversations x lognormal(0, sigma)
TEMPLATE_REPLY_DELAY_S = ClippedLognormal(360, 1.4, 5, 20 * 3600)    # from reading a template to answering it
HANDOFF_ACCEPT_DELAY_S = ClippedLognormal(240, 0.9, 30, 3 * 3600)    # request to acceptance, office hours
MANUAL_TAKEOVER_DELAY_S = (5, 90)         # an agent takes over manually this long after the last message
NEXT_TURN_WITHIN_HOUR_DELAY_S = ClippedLognormal(50, 0.9, 5, 3600)
NEXT_TURN_SAME_DAY_DELAY_S = (3600, 20 * 3600)
NEXT_TURN_NEXT_DAY_DELAY_S = (24 * 3600, 40 * 3600)
INBOUND_MESSAGE_GAP_S = (3, 60)           # between a customer's messages of one turn
BOT_ANSWER_DELAY_S = ClippedLognormal(2.5, 0.5, 0.8, 15)             # the bot's first message of an answer
BOT_MESSAGE_GAP_S = (1, 4)                # between the bot's further messages
SYSTEM_MESSAGE_GAP_S = (1, 3)             # the system's hand-off notice
AGENT_FIRST_RESPONSE_S = (15, 120)        # an agent's first message after accepting a hand-off
AGENT_ANSWER_DELAY_S = ClippedLognormal(90, 0.8, 10, 1800)           # an agent's answer to a later turn, office hours
AGENT_MESSAGE_GAP_S = (8, 60)             # between an agent's further messages
TIMED_OUT_CLOSE_AFTER_S = (0, 600)        # closing after the 24-hour window without a customer message
BOT_RESOLVES_AFTER_S = (900, 2700)
UNACCEPTED_HANDOFF_TICKET_AFTER_S = (2 * 3600, 24 * 3600)   # a hand-off nobody accepted becomes a ticket
AGENT_RESOLVES_AFTER_S = (120, 1800)
AGENT_TICKET_AFTER_S = (600, 7200)        # an accepted hand-off the agent moves to a ticket
# delivery
SENT_DELAY_S = ClippedLognormal(0.8, 0.6, 0.1, 20)
DELIVERED_DELAY_S = ClippedLognormal(2.0, 1.0, 0.2, 120)
RECIPIENT_OFFLINE_DELAY_S = (300, 36 * 3600)   # added to the delivery of P_RECIPIENT_OFFLINE messages
READ_DELAY_RANGE_S = (1, 6 * 86400)       # read delays (READ_DELAY_MEDIAN_S, READ_DELAY_SIGMA) clipped to it
READ_BEFORE_ANSWER_SHARE = (0.1, 0.9)     # an answered message is read this far between delivery and answer
FAILED_AFTER_SENT_S = (2, 900)
FAILED_WITHOUT_SENT_S = (0.5, 60)
# llm tokens: system prompt + the conversation so far (a fixed count per earlier message, capped) + completion
PROMPT_TOKENS_PER_EARLIER_MESSAGE = 55
PROMPT_MAX_EARLIER_MESSAGES = 60
COMPLETION_TOKENS = ClippedLognormal(110, 0.5, 8, 1500)
# load lags of the raw rows: uniform, seconds
ROW_LOAD_LAG_S = (300, 6 * 3600)          # accounts, contacts, campaigns, conversations
HANDOFF_LOAD_LAG_S = (60, 3 * 3600)
EARLY_HANDOFF_LOAD_LAG_S = (60, 1800)     # the hand-off as first landed, before an agent took it
MESSAGE_LOAD_LAG_S = (30, 90 * 60)
OUT_OF_ORDER_LOAD_LAG_S = (3600, 9 * 3600)   # an earlier version landing after the latest one
CLOCK_SKEW_S = (0.1, 3)                   # a skewed sent webhook is stamped this long after the delivered one
WEBHOOK_LOAD_LAG_S = (20, 40 * 60)
LATE_WEBHOOK_EXTRA_S = (3600, 7 * 86400 - 2400)
LATE_SENT_WEBHOOK_EXTRA_S = (300, 3 * 3600)
DUPLICATE_EXTRA_COPIES = 0.5              # a duplicated webhook lands 1 + Poisson(mean) more times ...
DUPLICATE_LOAD_LAG_S = (1, 12 * 3600)     # ... each this long after the first

# --- Mess (documented in README "Generated data") ---------------------------
DUPLICATE_LOAD_RATE = 0.02       # rows loaded twice (same content, later _loaded_at)
EARLIER_VERSION_RATE = 0.30      # changed rows that also arrive in an earlier version
OUT_OF_ORDER_RATE = 0.05         # of those earlier versions, loaded after the latest one
TEXT_NOISE_RATE = 0.10           # whitespace / letter-case noise on text, emails, codes
BAD_ROW_RATE = 0.003             # per table and reason (at least one when a tenant table has >= 200 rows)
LEAD_EARLIER_VERSION_LATE_HOURS = 7      # an out-of-order earlier version of a lead lands this long after the latest
INVOICE_EARLIER_VERSION_LATE_HOURS = 9   # ... of an invoice
DUPLICATE_LOAD_AFTER_US = (HOUR, 48 * HOUR)   # a duplicate load lands this much after the first, uniform
MISSING_CONTACT_TS_RATE = 0.04   # leads past "contacted" with first_contacted_at null
