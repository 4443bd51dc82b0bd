"""The report's tables: a CSV of the monthly KPIs for machines and a formatted workbook for people.

CSV: one row per month, the columns of content.KPI_COLUMNS after tenant_id, in that order; ISO
dates; money rounded half-up to 2 decimals (always written with both); rates as fractions rounded
half-up to 6 decimals; counts as integers; a missing value is an empty field.

XLSX: sheets Summary (the tiles), Monthly KPIs, MRR bridge and Top movements; bold white headers on
the report's navy, money/percent/date number formats, the header row frozen, an autofilter over
each table and column widths that fit their contents."""
import csv
from pathlib import Path

from orchestration.reports.content import (
    BRIDGE_COLUMNS,
    KPI_COLUMNS,
    MOVEMENT_COLUMNS,
    NA,
    SEGMENT_LABELS,
    TOP_MOVEMENTS_XLSX,
    Column,
    Kind,
    TenantReport,
    TileReading,
    as_date,
    clean,
    fmt_value,
    mart_column,
    money,
    month_label,
    records,
    rounded,
)
from orchestration.reports.style import NAVY, NAVY_LIGHT

CSV_COLUMNS = ("tenant_id", *(c.name for c in KPI_COLUMNS))
RATE_PLACES = 6           # a rate to a millionth: finer than any rate a report states, coarser than float noise

NUMBER_FORMATS: dict[Kind, str] = {
    "money": '"$"#,##0.00;[Red]-"$"#,##0.00',
    "rate": "0.0%",
    "count": "#,##0",
    "number": "#,##0.00",
    "date": "yyyy-mm-dd",
    "text": "@",
}
CHANGE_FORMATS = {
    "relative": "+0.0%;[Red]-0.0%;0.0%",
    "points": '+0.0" pp";[Red]-0.0" pp";0.0" pp"',
    "amount": '+"$"#,##0.00;[Red]-"$"#,##0.00;"$"0.00',
}
MIN_WIDTH, MAX_WIDTH = 9, 42   # characters: a date fits the narrowest column, a long name stops at the widest


def csv_value(value, kind: Kind) -> str:
    value = clean(value)
    if value is None:
        return ""
    if kind == "money":
        return f"{money(value):.2f}"
    if kind == "rate":
        return f"{rounded(value, RATE_PLACES):.{RATE_PLACES}f}"
    if kind == "count":
        return str(int(rounded(value, 0)))
    if kind == "number":
        return f"{rounded(value, RATE_PLACES):.{RATE_PLACES}f}"
    if kind == "date":
        return as_date(value).isoformat()
    return str(value)


def write_csv(report: TenantReport, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(CSV_COLUMNS)
        for row in sorted(records(report.kpis), key=lambda r: as_date(r["month"])):
            out.writerow([report.tenant, *(csv_value(row.get(c.name), c.kind) for c in KPI_COLUMNS)])


def cell_value(value, kind: Kind):
    """What a workbook cell holds: money rounded to cents as the other formats show it, dates as dates."""
    value = clean(value)
    if value is None:
        return None
    if kind == "money":
        return float(money(value))
    if kind in ("rate", "number"):
        return float(value)
    if kind == "count":
        return int(rounded(value, 0))
    if kind == "date":
        return as_date(value)
    return str(value)


def write_xlsx(report: TenantReport, path: Path) -> None:
    import openpyxl
    book = openpyxl.Workbook()
    summary = book.active
    summary.title = "Summary"
    write_summary(summary, report)
    kpis = sorted(records(report.kpis), key=lambda r: as_date(r["month"]))
    write_table(book.create_sheet("Monthly KPIs"), KPI_COLUMNS, kpis)
    bridge = sorted(records(report.bridge), key=lambda r: as_date(r["month"]))
    write_table(book.create_sheet("MRR bridge"), BRIDGE_COLUMNS, bridge)
    movements = [{**r, "segment": SEGMENT_LABELS.get(r.get("segment"), r.get("segment")),
                  "movement": str(r.get("movement") or "").capitalize() or None}
                 for r in report.top_movements(TOP_MOVEMENTS_XLSX)]
    write_table(book.create_sheet("Top movements"), MOVEMENT_COLUMNS, movements)
    book.save(path)


def header_style():
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    return dict(font=Font(bold=True, color="FFFFFF"), fill=PatternFill("solid", fgColor=NAVY.lstrip("#")),
                alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
                border=Border(bottom=Side(style="thin", color=NAVY_LIGHT.lstrip("#"))))


def style_header(sheet, row: int, columns: int) -> None:
    style = header_style()
    for cell in sheet[row][:columns]:
        for name, value in style.items():
            setattr(cell, name, value)
    sheet.row_dimensions[row].height = 30


def write_table(sheet, columns: tuple[Column, ...], rows: list[dict], first_row: int = 1) -> None:
    """A header row at first_row, then one row per record; header frozen, autofilter, widths."""
    from openpyxl.utils import get_column_letter
    for index, column in enumerate(columns, start=1):
        sheet.cell(first_row, index, column.label)
    style_header(sheet, first_row, len(columns))
    for offset, row in enumerate(rows, start=1):
        for index, column in enumerate(columns, start=1):
            cell = sheet.cell(first_row + offset, index, cell_value(row.get(column.name), column.kind))
            cell.number_format = NUMBER_FORMATS[column.kind]
    last = get_column_letter(len(columns))
    sheet.freeze_panes = sheet.cell(first_row + 1, 1 if len(columns) < 3 else 2)
    sheet.auto_filter.ref = f"A{first_row}:{last}{first_row + max(len(rows), 1)}"
    for index, column in enumerate(columns, start=1):
        shown = [len(fmt_value(row.get(column.name), column.kind)) for row in rows]
        fit_width(sheet, index, [len(w) for w in column.label.split()] + shown, header=len(column.label))


def fit_width(sheet, index: int, lengths: list[int], header: int = 0) -> None:
    """Width from the longest value (a header may wrap over two lines, so half of it counts)."""
    from openpyxl.utils import get_column_letter
    wanted = max([*lengths, (header + 1) // 2]) + 2
    sheet.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, max(MIN_WIDTH, wanted))


SUMMARY_HEADER = ("KPI", "This month", "Previous month", "vs previous month", "Same month last year",
                  "vs same month last year", "Mart column")
SUMMARY_FIRST_ROW = 4


def write_summary(sheet, report: TenantReport) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    sheet["A1"] = f"Executive report: {report.tenant}"
    sheet["A1"].font = Font(bold=True, size=14, color=NAVY.lstrip("#"))
    sheet["A2"] = (f"As of {report.as_of.isoformat()}; last complete month {month_label(report.month, long=True)}. "
                   "Values from the marts; n/a where there is no value or no base to compare with.")
    sheet["A2"].font = Font(italic=True, color="555555")
    readings = report.tiles()
    month = report.month
    header = (SUMMARY_HEADER[0], f"{SUMMARY_HEADER[1]} ({month_label(month)})",
              f"{SUMMARY_HEADER[2]} ({month_label(readings[0].vs_previous.against)})", SUMMARY_HEADER[3],
              f"{SUMMARY_HEADER[4]} ({month_label(readings[0].vs_year_ago.against)})", *SUMMARY_HEADER[5:])
    for index, label in enumerate(header, start=1):
        sheet.cell(SUMMARY_FIRST_ROW, index, label)
    style_header(sheet, SUMMARY_FIRST_ROW, len(header))
    for offset, reading in enumerate(readings, start=1):
        write_summary_row(sheet, SUMMARY_FIRST_ROW + offset, reading)
    last_row = SUMMARY_FIRST_ROW + len(readings)
    sheet.freeze_panes = sheet.cell(SUMMARY_FIRST_ROW + 1, 2)
    sheet.auto_filter.ref = f"A{SUMMARY_FIRST_ROW}:{get_column_letter(len(header))}{last_row}"
    widths = (max(len(r.tile.label) for r in readings), 16, 16, 14, 16, 14,
              max(len(source_of(r)) for r in readings))
    for index, width in enumerate(widths, start=1):
        fit_width(sheet, index, [width])


def write_summary_row(sheet, row: int, reading: TileReading) -> None:
    from openpyxl.styles import Alignment, Font
    kind = reading.tile.kind
    sheet.cell(row, 1, reading.tile.label).font = Font(bold=True)
    values = (reading.value, reading.previous_value, None, reading.year_ago_value, None)
    comparisons = {4: reading.vs_previous, 6: reading.vs_year_ago}
    for offset, value in enumerate(values, start=2):
        comparison = comparisons.get(offset)
        if comparison is not None:
            number = comparison.number
            if number is not None and comparison.change == "amount":
                number = money(number)
            cell = sheet.cell(row, offset, NA if number is None else float(number))
            cell.number_format = CHANGE_FORMATS[comparison.change]
        else:
            shown = cell_value(value, kind)
            cell = sheet.cell(row, offset, NA if shown is None else shown)
            cell.number_format = NUMBER_FORMATS[kind]
        if cell.value == NA:
            cell.alignment = Alignment(horizontal="right")
            cell.font = Font(color="888888")
    sheet.cell(row, 7, source_of(reading)).font = Font(color="555555")


def source_of(reading: TileReading) -> str:
    """Where the tile's figures come from: the value's column, and the mart's growth column if it has one."""
    tile = reading.tile
    growth = f"; growth {mart_column(tile.growth_column)}" if tile.growth_column else ""
    return f"{mart_column(tile.column)}{growth}"
