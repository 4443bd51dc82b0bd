"""Tenant profiles and the documented rates of planted mess.

Every number that shapes the synthetic data lives here, so the README and the
tests can point at one place.
"""
from dataclasses import dataclass


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


# Approximate FX used only to set list prices in local currency (the marts use
# the FX seed). Units of currency per USD.
PRICE_FX = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79, "MXN": 18.0, "JPY": 150.0}
EXPONENT = {"USD": 2, "EUR": 2, "GBP": 2, "MXN": 2, "JPY": 0}

# --- Behaviour -------------------------------------------------------------
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
P_REACTIVATE = 0.25          # churned customers who come back (1-8 months later)
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
P_ACCOUNT_OWNER_CHANGES = 0.15    # accounts (older than 30 days) handed to another owner later
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

# --- Billing -----------------------------------------------------------------
TIERS = ("Starter", "Pro", "Enterprise")
TIER_MONTHLY_USD = {"Starter": 15.0, "Pro": 40.0, "Enterprise": 90.0, "Add-on": 25.0}
INTERVAL_DISCOUNT = {("month", 1): 1.0, ("month", 3): 0.95, ("month", 6): 0.92, ("year", 1): 0.85,
                     ("week", 1): 1.0, ("day", 30): 1.0}
PRICE_ROUNDING_STEP = {"JPY": 10}   # list prices in whole units of currency, yen in tens
SEATS_LOG_MEAN_BY_TIER = {"Starter": 1.0, "Pro": 2.0, "Enterprise": 3.5}   # lognormal mu, sigma 0.5
P_STARTER_BUYS_PRO = 0.3          # small customers who start on Pro anyway
TRIAL_DAYS = 14
P_COUPON = 0.2                    # subscriptions with a coupon for their first 30-365 days
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

# --- Mess (documented in README "Generated data") ---------------------------
DUPLICATE_LOAD_RATE = 0.02       # rows loaded twice (same content, later _loaded_at)
EARLIER_VERSION_RATE = 0.30      # changed rows that also arrive in an earlier version
OUT_OF_ORDER_RATE = 0.05         # of those earlier versions, loaded after the latest one
TEXT_NOISE_RATE = 0.10           # whitespace / letter-case noise on text, emails, codes
BAD_ROW_RATE = 0.003             # per table and reason (at least one when a tenant table has >= 200 rows)
MISSING_CONTACT_TS_RATE = 0.04   # leads past "contacted" with first_contacted_at null

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
P_WEB_EVENT_LATE = 0.02                # events reaching the loader 1-72 hours late
DAILY_SPEND_USD_PER_CHANNEL = 400      # at size 1, growing with size ** 0.7
WEEKEND_SPEND_FACTOR = 0.7
