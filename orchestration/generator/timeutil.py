"""Small date helpers shared by the simulations (microsecond integers and datetimes)."""
import calendar
from datetime import date, datetime, timedelta

import numpy as np

US = 1_000_000
HOUR = 3600 * US
DAY = 24 * HOUR
EPOCH = datetime(1970, 1, 1)


def to_us(dt: datetime) -> int:
    return int((dt - EPOCH) / timedelta(microseconds=1))


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=int(us))


def add_months(anchor: datetime, months: int) -> datetime:
    """Stripe-like: same day of month as the anchor, clamped to the month's end."""
    y, m = divmod(anchor.month - 1 + months, 12)
    y += anchor.year
    m += 1
    d = min(anchor.day, calendar.monthrange(y, m)[1])
    return anchor.replace(year=y, month=m, day=d)


def add_interval(anchor: datetime, n_periods: int, interval: str, count: int) -> datetime:
    """End of the n-th billing period counted from the anchor."""
    if interval == "month":
        return add_months(anchor, n_periods * count)
    if interval == "year":
        return add_months(anchor, 12 * n_periods * count)
    if interval == "week":
        return anchor + timedelta(weeks=n_periods * count)
    return anchor + timedelta(days=n_periods * count)


def months_in_interval(interval: str, count: int) -> float:
    return {"month": count, "year": 12 * count, "week": count * 12 / 52, "day": count * 12 / 365}[interval]


def month_start(d: date) -> date:
    return date(d.year, d.month, 1)


def month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def month_from_index(i: int) -> date:
    return date(i // 12, i % 12 + 1, 1)


def month_end(i: int) -> date:
    m = month_from_index(i)
    return date(m.year, m.month, calendar.monthrange(m.year, m.month)[1])


def us_to_month_index(us: np.ndarray) -> np.ndarray:
    months = us.astype("datetime64[us]").astype("datetime64[M]").astype(np.int64)
    return months + 1970 * 12
