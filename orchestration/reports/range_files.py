"""The files of a Sales, Customer Success, Revenue or Executive report, one layout for all four kinds
(the kind's sections and tables come from kinds.py):

CSV   one row per figure: tenant_id, report, section, metric, label, unit, period_start, period_end,
      value, previous_start, previous_end, previous_value; ISO dates, money rounded half-up to cents,
      rates as fractions to 6 decimals, an empty field for a missing value.
XLSX  Summary (every figure: this period, the previous one and the change, with the mart it comes
      from), then one sheet per table; the executive workbook's header style, formats and panes.
PDF   A4 portrait: the title band, each section as a table of figures (this period, previous, change
      in colour), then the tables' first rows; as many pages as it takes, numbered.

Files are named <kind>_report_<tenant>_<start>_<end>.<csv|xlsx|pdf> and written as the executive
report's are: under temporary names, renamed into place when all three are whole."""
import csv
import os
import re
from datetime import date
from pathlib import Path

from orchestration.reports.content import NA, Column, as_date, fmt_value
from orchestration.reports.periodic import KindReport
from orchestration.reports.ranges import Window, add_months, month_end
from orchestration.reports.style import (ACCENT, INK, MARGIN, MUTED, NAVY, PAGE_HEIGHT, PAGE_WIDTH, RULE,
                                         TILE_FILL, TONE_COLOURS)
from orchestration.reports.tables import (CHANGE_FORMATS, NUMBER_FORMATS, cell_value, csv_value, fit_width,
                                          style_header, write_table)

FORMATS = ("csv", "xlsx", "pdf")
CSV_COLUMNS = ("tenant_id", "report", "section", "metric", "label", "unit", "period_start", "period_end", "value",
               "previous_start", "previous_end", "previous_value")


def report_files(out_dir: Path, kind: str, tenant: str, slug: str) -> dict[str, Path]:
    return {fmt: out_dir / f"{kind}_report_{tenant}_{slug}.{fmt}" for fmt in FORMATS}


def write_kind_report(out_dir: Path, report: KindReport) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = report_files(out_dir, report.spec.kind, report.tenant, report.range.slug)
    temporary = {fmt: path.with_name(f".{path.name}.{os.getpid()}.tmp") for fmt, path in paths.items()}
    try:
        write_csv(report, temporary["csv"])
        write_xlsx(report, temporary["xlsx"])
        write_pdf(report, temporary["pdf"])
        for fmt, path in paths.items():
            os.replace(temporary[fmt], path)
    finally:
        for path in temporary.values():
            path.unlink(missing_ok=True)
    return paths


def bounds(window: Window, grain: str) -> tuple[date, date]:
    """The first and last day a section's window covers (a month-end stock: its month)."""
    if grain == "day":
        return window.first, window.last
    if grain == "quarter":
        return window.first, month_end(add_months(window.first, 2))
    if grain == "month_end":
        return window.last, month_end(window.last)
    return window.first, month_end(window.last)


def write_csv(report: KindReport, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(CSV_COLUMNS)
        for reading in report.sections:
            grain = reading.section.source.grain
            start, end = bounds(reading.window, grain)
            previous_start, previous_end = bounds(reading.previous_window, grain)
            for figure in reading.figures:
                kind = figure.figure.kind
                out.writerow([report.tenant, report.spec.kind, reading.section.title, figure.figure.name,
                              figure.figure.label, kind, start.isoformat(), end.isoformat(),
                              csv_value(figure.value, kind), previous_start.isoformat(), previous_end.isoformat(),
                              csv_value(figure.previous_value, kind)])


SUMMARY_COLUMNS = ("Section", "Figure", "Period", "This period", "Previous period", "Previous", "Change", "Mart")


def write_xlsx(report: KindReport, path: Path) -> None:
    import openpyxl
    from openpyxl.styles import Alignment, Font
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Summary"
    sheet["A1"] = report.title
    sheet["A1"].font = Font(bold=True, size=14, color=NAVY.lstrip("#"))
    sheet["A2"] = subtitle(report)
    sheet["A2"].font = Font(italic=True, color="555555")
    first = 4
    for index, label in enumerate(SUMMARY_COLUMNS, start=1):
        sheet.cell(first, index, label)
    style_header(sheet, first, len(SUMMARY_COLUMNS))
    row = first
    for reading in report.sections:
        for figure in reading.figures:
            row += 1
            kind = figure.figure.kind
            sheet.cell(row, 1, reading.section.title)
            sheet.cell(row, 2, figure.figure.label).font = Font(bold=True)
            sheet.cell(row, 3, reading.period_label)
            for column, value in ((4, figure.value), (6, figure.previous_value)):
                shown = cell_value(value, kind)
                cell = sheet.cell(row, column, NA if shown is None else shown)
                cell.number_format = NUMBER_FORMATS[kind]
                if shown is None:
                    cell.alignment = Alignment(horizontal="right")
            sheet.cell(row, 5, reading.previous_label)
            change = figure.change
            cell = sheet.cell(row, 7, NA if change.number is None else float(change.number))
            cell.number_format = "+#,##0.00;[Red]-#,##0.00;0.00" if kind == "number" else CHANGE_FORMATS[change.change]
            sheet.cell(row, 8, f"marts.{reading.section.source.mart}").font = Font(color="555555")
    sheet.freeze_panes = sheet.cell(first + 1, 3)
    sheet.auto_filter.ref = f"A{first}:H{max(row, first + 1)}"
    for index, width in enumerate((24, 40, 22, 16, 22, 16, 14, 34), start=1):
        fit_width(sheet, index, [width])
    used = {"Summary"}
    for table, _window, rows in report.tables:
        name = re.sub(r"[\\/*?:\[\]]", "", table.title)[:31]     # characters a sheet name may not hold
        while name in used:                      # sheet names are unique and at most 31 characters
            name = name[:29] + f" {len(used)}"
        used.add(name)
        write_table(book.create_sheet(name), table.columns, rows)
    book.save(path)


def subtitle(report: KindReport) -> str:
    as_of = f"; marts as of {report.as_of.isoformat()}" if report.as_of else ""
    return (f"{report.period_label}, compared with {report.previous_label}{as_of}. Month figures cover the "
            "months wholly inside the period (or the last month ending in it); values from the marts, "
            "n/a where there is no value or no base to compare with.")


# The PDF page, in inches from the top-left corner
TITLE_HEIGHT = 1.0
ROW = 0.21
FOOTER = PAGE_HEIGHT - 0.45
FIGURE_COLUMNS = ((0.1, "left"), (4.6, "right"), (5.9, "right"), (PAGE_WIDTH - 2 * MARGIN - 0.1, "right"))


class Pages:
    """A cursor over A4 pages: `need(h)` starts a new page when h inches do not fit on this one."""

    def __init__(self, pdf, report: KindReport):
        self.pdf, self.report, self.fig, self.page, self.top, self.number = pdf, report, None, None, 0.0, 0

    def new(self) -> None:
        import matplotlib.pyplot as plt
        self.close()
        self.number += 1
        self.fig = plt.figure(figsize=(PAGE_WIDTH, PAGE_HEIGHT))
        self.page = self.fig.add_axes([0, 0, 1, 1])
        self.page.set_axis_off()
        self.page.set_xlim(0, PAGE_WIDTH)
        self.page.set_ylim(PAGE_HEIGHT, 0)
        self.top = draw_title(self.page, self.report, self.number)

    def need(self, height: float) -> None:
        if self.fig is None or self.top + height > FOOTER - 0.15:
            self.new()

    def close(self) -> None:
        import matplotlib.pyplot as plt
        if self.fig is not None:
            draw_footer(self.page, self.report, self.number)
            self.pdf.savefig(self.fig)
            plt.close(self.fig)
            self.fig = None


def write_pdf(report: KindReport, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages
    from orchestration.reports.pdf import RC
    with plt.rc_context(RC), PdfPages(path, metadata={"Title": report.title, "Subject": report.period_label}) as pdf:
        pages = Pages(pdf, report)
        try:
            for reading in report.sections:
                pages.need(0.55 + ROW * (len(reading.figures) + 1))
                pages.top = draw_section(pages.page, reading, pages.top)
            for table, window, rows in report.tables:
                shown = rows[:table.pdf_rows]
                pages.need(0.55 + ROW * (max(len(shown), 1) + 1))
                pages.top = draw_table(pages.page, table, window, rows, pages.top)
            if pages.fig is None:
                pages.new()
        finally:
            pages.close()


def draw_title(page, report: KindReport, number: int) -> float:
    from matplotlib.patches import Rectangle
    page.add_patch(Rectangle((0, 0), PAGE_WIDTH, TITLE_HEIGHT, color=NAVY, lw=0))
    page.add_patch(Rectangle((0, TITLE_HEIGHT), PAGE_WIDTH, 0.05, color=ACCENT, lw=0))
    page.text(MARGIN, 0.47, report.title, fontsize=18, fontweight="bold", color="white", va="baseline")
    page.text(MARGIN, 0.76, f"{report.period_label}, compared with {report.previous_label}", fontsize=9,
              color="#C9D6E8", va="baseline")
    cadence = {"daily": "Daily", "weekly": "Weekly", "monthly": "Monthly"}.get(report.range.cadence, "Chosen period")
    page.text(PAGE_WIDTH - MARGIN, 0.45, cadence, fontsize=10, color="white", ha="right", va="baseline",
              fontweight="bold")
    if report.as_of:
        page.text(PAGE_WIDTH - MARGIN, 0.72, f"as of {report.as_of.isoformat()}", fontsize=8, color="#C9D6E8",
                  ha="right", va="baseline")
    return TITLE_HEIGHT + 0.45


def heading(page, top: float, text: str, note: str) -> float:
    page.text(MARGIN, top, text, fontsize=10.5, fontweight="bold", color=NAVY, va="baseline")
    page.text(PAGE_WIDTH - MARGIN, top, note, fontsize=7, color=MUTED, va="baseline", ha="right")
    page.plot([MARGIN, PAGE_WIDTH - MARGIN], [top + 0.07, top + 0.07], color=RULE, lw=0.6)
    return top + 0.1


def header_row(page, top: float, cells: list[tuple[str, float, str]]) -> float:
    from matplotlib.patches import Rectangle
    page.add_patch(Rectangle((MARGIN, top), PAGE_WIDTH - 2 * MARGIN, ROW, color=NAVY, lw=0))
    for text, x, align in cells:
        page.text(MARGIN + x, top + ROW * 0.7, text, fontsize=7, color="white", fontweight="bold", ha=align,
                  va="baseline")
    return top + ROW


def stripe(page, top: float, index: int) -> None:
    from matplotlib.patches import Rectangle
    if index % 2 == 0:
        page.add_patch(Rectangle((MARGIN, top), PAGE_WIDTH - 2 * MARGIN, ROW, color=TILE_FILL, lw=0))


def draw_section(page, reading, top: float) -> float:
    grain = reading.section.source.window_grain
    note = f"{reading.period_label} vs {reading.previous_label}" if grain != "day" else \
        f"marts.{reading.section.source.mart}"
    top = heading(page, top + 0.1, reading.section.title, note)
    labels = ("Figure", "This period", "Previous", "Change")
    top = header_row(page, top, [(label, x, align) for label, (x, align) in zip(labels, FIGURE_COLUMNS)])
    for index, figure in enumerate(reading.figures, start=1):
        stripe(page, top, index)
        baseline = top + ROW * 0.7
        change = figure.change
        texts = (figure.figure.label, figure.text, figure.previous_text, change.text)
        for position, (text, (x, align)) in enumerate(zip(texts, FIGURE_COLUMNS)):
            colour = TONE_COLOURS[change.tone] if position == 3 else INK if text != NA else MUTED
            page.text(MARGIN + x, baseline, text, fontsize=7.5, color=colour, ha=align, va="baseline",
                      fontweight="bold" if position in (1, 3) else "normal")
        top += ROW
    return top + 0.3


def table_positions(columns: tuple[Column, ...]) -> list[tuple[float, str]]:
    """Column anchors across the page: text columns left-aligned, numbers right-aligned at their end."""
    width = PAGE_WIDTH - 2 * MARGIN - 0.2
    text_share = 1.6
    weights = [text_share if c.kind == "text" else 1.0 for c in columns]
    step, positions, left = width / sum(weights), [], 0.1
    for column, weight in zip(columns, weights):
        right = left + weight * step
        positions.append((left, "left") if column.kind in ("text", "date") else (right - 0.05, "right"))
        left = right
    return positions


def draw_table(page, table, window: Window, rows: list[dict], top: float) -> float:
    grain = table.source.window_grain
    shown = rows[:table.pdf_rows]
    more = f"; first {table.pdf_rows} of {len(rows)}, all in the workbook" if len(rows) > table.pdf_rows else ""
    top = heading(page, top + 0.1, table.title, f"{window.label(grain)}{more}")
    positions = table_positions(table.columns)
    top = header_row(page, top, [(c.label, x, a) for c, (x, a) in zip(table.columns, positions)])
    if not shown:
        page.text(MARGIN + 0.1, top + ROW * 0.7, "No rows in this period.", fontsize=7.5, color=MUTED,
                  va="baseline")
        return top + ROW + 0.3
    chars = max(12, int(60 / max(1, sum(c.kind == "text" for c in table.columns))))
    for index, row in enumerate(shown, start=1):
        stripe(page, top, index)
        for column, (x, align) in zip(table.columns, positions):
            value = row.get(column.name)
            text = as_date(value).isoformat() if column.kind == "date" and value is not None else \
                fmt_value(value, column.kind)
            text = text if len(text) <= chars else text[:chars - 1] + "…"
            page.text(MARGIN + x, top + ROW * 0.7, text, fontsize=7, color=INK if text != NA else MUTED, ha=align,
                      va="baseline")
        top += ROW
    return top + 0.3


def draw_footer(page, report: KindReport, number: int) -> None:
    page.plot([MARGIN, PAGE_WIDTH - MARGIN], [FOOTER, FOOTER], color=RULE, lw=0.6)
    marts = ", ".join(f"marts.{m}" for m in report.spec.marts)
    page.text(MARGIN, FOOTER + 0.17, f"Sources: {marts}", fontsize=6, color=MUTED, va="baseline")
    page.text(MARGIN, FOOTER + 0.31, "Amounts in USD, rounded half-up to cents; rates over a period are the sums "
              "of their parts divided once; n/a: no value, or no base to compare with.", fontsize=6, color=MUTED,
              va="baseline")
    page.text(PAGE_WIDTH - MARGIN, FOOTER + 0.17, f"page {number}", fontsize=6.5, color=MUTED, ha="right",
              va="baseline")
