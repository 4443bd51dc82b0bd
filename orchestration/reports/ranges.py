"""The periods a report covers: a chosen date range, or the last complete day, week or month before
the as-of date (docs/periods.md: a period is complete when its last day is before as_of_date), each
compared with the period of the same length just before it (for whole months, the same number of
months).

A report reads marts of three grains. Day marts (period_kpis' day rows, cash_daily) are summed over
the range's days. Month marts (mrr_monthly, the pipeline, health and rep marts) cover the months that
lie wholly inside the range; a range shorter than a month (a day, a week) has none, so it shows the
last complete month ending on or before the range's last day, and says so. Quarter marts
(renewals_quarterly) show the quarter the range ends in."""
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Cadence = Literal["daily", "weekly", "monthly"]
CADENCES: tuple[Cadence, ...] = ("daily", "weekly", "monthly")


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(month: date) -> date:
    return add_months(month_start(month), 1) - timedelta(days=1)


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


@dataclass(frozen=True)
class Window:
    """A span of one grain: days first..last (both included), or months first..last (first days)."""
    first: date
    last: date

    def label(self, grain: Literal["day", "month", "quarter"]) -> str:
        if grain == "day":
            return self.first.isoformat() if self.first == self.last else \
                f"{self.first.isoformat()} to {self.last.isoformat()}"
        if grain == "quarter":
            return f"Q{(self.first.month - 1) // 3 + 1} {self.first.year}"
        if self.first == self.last:
            return self.first.strftime("%B %Y")
        return f"{self.first.strftime('%b %Y')} to {self.last.strftime('%b %Y')}"


@dataclass(frozen=True)
class ReportRange:
    """The days a report covers (start..end) and the days it is compared with (the same number of days
    just before), with the months and the quarter of the month and quarter marts."""
    start: date
    end: date
    cadence: str = "range"         # daily | weekly | monthly | range (chosen dates)

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError(f"the report's end {self.end} is before its start {self.start}")

    @property
    def days(self) -> Window:
        return Window(self.start, self.end)

    @property
    def is_whole_months(self) -> bool:
        return self.start.day == 1 and self.end == month_end(self.end)

    @property
    def previous_days(self) -> Window:
        """The same number of days just before; for whole months, the same number of months (October
        before November, not the 30 days before it)."""
        if self.is_whole_months:
            months = self.months
            return Window(self.previous_months.first, months.first - timedelta(days=1))
        length = self.end - self.start + timedelta(days=1)
        return Window(self.start - length, self.start - timedelta(days=1))

    @property
    def months(self) -> Window:
        """The months wholly inside the range, or the last month ending on or before its end."""
        first = month_start(self.start) if self.start.day == 1 else add_months(month_start(self.start), 1)
        last = month_start(self.end) if self.end == month_end(self.end) else add_months(month_start(self.end), -1)
        return Window(first, last) if first <= last else Window(last, last)

    @property
    def previous_months(self) -> Window:
        months = self.months
        count = (months.last.year - months.first.year) * 12 + months.last.month - months.first.month + 1
        return Window(add_months(months.first, -count), add_months(months.last, -count))

    @property
    def quarter(self) -> Window:
        first = quarter_start(self.end)
        return Window(first, first)

    @property
    def previous_quarter(self) -> Window:
        first = add_months(quarter_start(self.end), -3)
        return Window(first, first)

    def window(self, grain: str, previous: bool = False) -> Window:
        if grain == "day":
            return self.previous_days if previous else self.days
        if grain == "quarter":
            return self.previous_quarter if previous else self.quarter
        return self.previous_months if previous else self.months

    @property
    def slug(self) -> str:
        return f"{self.start.isoformat()}_{self.end.isoformat()}"


def last_complete_range(cadence: Cadence, as_of: date) -> ReportRange:
    """The last complete day, week (Monday to Sunday) or month before as_of: a day is complete when it
    is before as_of, a week or month when its last day is."""
    if cadence == "daily":
        day = as_of - timedelta(days=1)
        return ReportRange(day, day, cadence)
    if cadence == "weekly":
        monday = as_of - timedelta(days=as_of.weekday()) - timedelta(days=7)
        return ReportRange(monday, monday + timedelta(days=6), cadence)
    if cadence == "monthly":
        first = add_months(month_start(as_of), -1)
        return ReportRange(first, month_end(first), cadence)
    raise ValueError(f"cadence must be one of {', '.join(CADENCES)}, got {cadence!r}")
