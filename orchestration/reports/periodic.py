"""A Sales, Customer Success, Revenue or Executive report of one tenant for a date range: the figures
of each section for the range and the period before it, and the tables' rows, as read from the marts
with the SQL kinds.py declares. The writers (range_files.py) and the delivery (delivery.py) only read
this record; nothing here computes a metric (a change is the difference of two shown mart values)."""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from orchestration.reports.content import (
    NA,
    Comparison,
    Tile,
    clean,
    compare,
    fmt_value,
    records,
    rounded,
    to_decimal,
)
from orchestration.reports.kinds import SPECS, Figure, KindSpec, Section, Table, section_sql, table_sql
from orchestration.reports.ranges import ReportRange, Window

QueryFrame = Callable[[str], pd.DataFrame]


@dataclass(frozen=True)
class FigureReading:
    figure: Figure
    value: object
    previous_value: object
    change: Comparison

    @property
    def text(self) -> str:
        return fmt_value(self.value, self.figure.kind)

    @property
    def previous_text(self) -> str:
        return fmt_value(self.previous_value, self.figure.kind)


@dataclass(frozen=True)
class SectionReading:
    section: Section
    window: Window
    previous_window: Window
    figures: tuple[FigureReading, ...]

    @property
    def period_label(self) -> str:
        return self.window.label(self.section.source.window_grain)

    @property
    def previous_label(self) -> str:
        return self.previous_window.label(self.section.source.window_grain)


@dataclass
class KindReport:
    tenant: str
    spec: KindSpec
    range: ReportRange
    as_of: date | None
    sections: list[SectionReading]
    tables: list[tuple[Table, Window, list[dict]]] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.spec.title}: {self.tenant}"

    @property
    def period_label(self) -> str:
        return self.range.days.label("day")

    @property
    def previous_label(self) -> str:
        return self.range.previous_days.label("day")

    def figure(self, name: str) -> FigureReading:
        return next(f for s in self.sections for f in s.figures if f.figure.name == name)


def figure_change(figure: Figure, value, previous, against: date) -> Comparison:
    """The change as the executive tiles show it (content.compare); a score or a ratio of amounts
    (kind number) as a plain signed difference."""
    if figure.change == "none":
        return Comparison(against, "amount", None, NA, "na")
    if figure.kind == "number":
        current, other = to_decimal(value), to_decimal(previous)
        if current is None or other is None:
            return Comparison(against, "amount", None, NA, "na")
        number = rounded(current, 2) - rounded(other, 2)
        tone = "flat" if number == 0 else "good" if (number > 0) == figure.higher_is_better else "bad"
        return Comparison(against, "amount", number, ("+" if number > 0 else "") + f"{number:,.2f}", tone)
    tile = Tile(figure.label, figure.name, figure.kind, figure.change, higher_is_better=figure.higher_is_better)
    return compare(tile, value, {figure.name: previous}, against)


def by_tenant(frame: pd.DataFrame) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {}
    for row in records(frame):
        rows.setdefault(row.pop("tenant_id"), []).append(row)
    return rows


def read_reports(query: QueryFrame, kind: str, rng: ReportRange, as_of: date | None = None,
                 tenants: list[str] | None = None) -> dict[str, KindReport]:
    """Every tenant's report of this kind (or the named tenants'), from one query per section and
    period and one per table: a tenant without rows gets n/a figures and empty tables."""
    spec = SPECS[kind]
    section_rows = []
    for section in spec.sections:
        grain = section.source.window_grain
        window, previous = rng.window(grain), rng.window(grain, previous=True)
        section_rows.append((section, window, previous, by_tenant(query(section_sql(section, window))),
                             by_tenant(query(section_sql(section, previous)))))
    table_rows = [(table, rng.window(table.source.window_grain), by_tenant(query(table_sql(
        table, rng.window(table.source.window_grain))))) for table in spec.tables]
    names = tenants if tenants is not None else sorted(
        {t for *_, now, before in section_rows for t in (*now, *before)} | {t for *_, rows in table_rows for t in rows})
    reports = {}
    for tenant in names:
        sections = []
        for section, window, previous, now, before in section_rows:
            current, earlier = (now.get(tenant) or [{}])[0], (before.get(tenant) or [{}])[0]
            sections.append(SectionReading(section, window, previous, tuple(
                FigureReading(f, clean(current.get(f.name)), clean(earlier.get(f.name)),
                              figure_change(f, current.get(f.name), earlier.get(f.name), previous.first))
                for f in section.figures)))
        tables = [(table, window, rows.get(tenant, [])) for table, window, rows in table_rows]
        reports[tenant] = KindReport(tenant, spec, rng, as_of, sections, tables)
    return reports


def headline(report: KindReport, limit: int = 4) -> list[tuple[str, str, str]]:
    """The first figures of the report (label, value, change), for a message's text."""
    figures = [f for s in report.sections for f in s.figures][:limit]
    return [(f.figure.label, f.text, f.change.text) for f in figures]


