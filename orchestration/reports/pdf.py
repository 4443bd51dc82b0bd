"""The one-page executive PDF (A4 portrait), drawn with matplotlib on a grid in inches:

    title band   tenant, as-of date, last complete month
    KPI tiles    2 x 4: value, change vs the previous month and vs the same month last year
    MRR bridge   the last month as a waterfall | the last 12 months as stacked bars
    trends       MRR with the forecast's next 6 months, its 80 % band and the target | store revenue,
                 the last 24 months
    table        the month's largest customer MRR movements
    footer       source marts, as-of date

Text is embedded as TrueType (Type 42), so it can be searched and copied."""
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from orchestration.reports.content import (
    BRIDGE_MONTHS,
    BRIDGE_STEPS,
    FORECAST_MONTHS,
    NA,
    SEGMENT_LABELS,
    TOP_MOVEMENTS_PDF,
    TREND_MONTHS,
    Comparison,
    TenantReport,
    TileReading,
    add_months,
    as_date,
    fmt_compact_money,
    fmt_money,
    money_scale,
    month_label,
    to_decimal,
)
from orchestration.reports.style import (
    ACCENT,
    FORECAST,
    INK,
    MARGIN,
    MOVEMENT_COLOURS,
    MUTED,
    NAVY,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    RULE,
    TILE_FILL,
    TONE_COLOURS,
)

SOURCES = ("marts.executive_kpis", "marts.period_kpis", "marts.mrr_monthly", "marts.fct_mrr", "marts.dim_customers",
           "marts.targets_vs_actuals")
RC = {"font.family": "DejaVu Sans", "pdf.fonttype": 42, "axes.edgecolor": RULE, "axes.labelcolor": MUTED,
      "xtick.color": MUTED, "ytick.color": MUTED, "xtick.labelsize": 6.5, "ytick.labelsize": 6.5,
      "axes.titlesize": 8, "axes.spines.top": False, "axes.spines.right": False, "axes.unicode_minus": False}


@dataclass(frozen=True)
class Box:
    """A rectangle on the page in inches, measured from the top-left corner."""
    left: float
    top: float
    width: float
    height: float

    def rect(self) -> list[float]:
        return [self.left / PAGE_WIDTH, 1 - (self.top + self.height) / PAGE_HEIGHT,
                self.width / PAGE_WIDTH, self.height / PAGE_HEIGHT]

    def inset(self, left=0.0, top=0.0, right=0.0, bottom=0.0) -> "Box":
        return Box(self.left + left, self.top + top, self.width - left - right, self.height - top - bottom)


# The page grid (inches from the top): every block's place in one table
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
TITLE_BAND = Box(0, 0, PAGE_WIDTH, 0.95)
TILES_TOP, TILE_HEIGHT, TILE_GAP, TILE_COLUMNS = 1.42, 0.98, 0.14, 4
BRIDGE_TOP, BRIDGE_HEIGHT = 4.00, 2.25
TREND_TOP, TREND_HEIGHT = 6.72, 1.70
TABLE_TOP, TABLE_ROW = 8.86, 0.215
FOOTER_TOP = 11.22


def write_pdf(report: TenantReport, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    with plt.rc_context(RC):
        fig = plt.figure(figsize=(PAGE_WIDTH, PAGE_HEIGHT))
        try:
            page = fig.add_axes([0, 0, 1, 1])
            page.set_axis_off()
            page.set_xlim(0, PAGE_WIDTH)
            page.set_ylim(PAGE_HEIGHT, 0)           # inches, y down: the grid above reads directly
            draw_title(page, report)
            draw_tiles(fig, page, report.tiles())
            draw_bridge(fig, page, report)
            draw_trends(fig, page, report)
            draw_movements(page, report)
            draw_footer(page, report)
            fig.savefig(path, format="pdf", metadata={"Title": f"Executive report: {report.tenant}",
                                                      "Subject": f"as of {report.as_of.isoformat()}"})
        finally:
            plt.close(fig)


def heading(page, top: float, text: str, note: str = "") -> None:
    page.text(MARGIN, top, text, fontsize=10.5, fontweight="bold", color=NAVY, va="baseline")
    if note:
        page.text(PAGE_WIDTH - MARGIN, top, note, fontsize=7, color=MUTED, va="baseline", ha="right")
    page.plot([MARGIN, PAGE_WIDTH - MARGIN], [top + 0.07, top + 0.07], color=RULE, lw=0.6)


def draw_title(page, report: TenantReport) -> None:
    from matplotlib.patches import Rectangle
    band = TITLE_BAND
    page.add_patch(Rectangle((band.left, band.top), band.width, band.height, color=NAVY, lw=0))
    page.add_patch(Rectangle((band.left, band.top + band.height), band.width, 0.05, color=ACCENT, lw=0))
    page.text(MARGIN, 0.47, f"Executive report: {report.tenant}", fontsize=19, fontweight="bold",
              color="white", va="baseline")
    page.text(MARGIN, 0.72, f"Subscription and store performance, {month_label(report.month, long=True)}",
              fontsize=9, color="#C9D6E8", va="baseline")
    page.text(PAGE_WIDTH - MARGIN, 0.43, f"as of {report.as_of.isoformat()}", fontsize=10, color="white",
              ha="right", va="baseline", fontweight="bold")
    page.text(PAGE_WIDTH - MARGIN, 0.68, f"last complete month: {month_label(report.month, long=True)}",
              fontsize=8, color="#C9D6E8", ha="right", va="baseline")


def draw_tiles(fig, page, readings: list[TileReading]) -> None:
    heading(page, TILES_TOP - 0.14, "Key figures", f"{month_label(readings[0].month, long=True)}; "
            "changes vs the previous month and the same month last year")
    width = (CONTENT_WIDTH - (TILE_COLUMNS - 1) * TILE_GAP) / TILE_COLUMNS
    values = []
    for index, reading in enumerate(readings):
        row, column = divmod(index, TILE_COLUMNS)
        box = Box(MARGIN + column * (width + TILE_GAP), TILES_TOP + row * (TILE_HEIGHT + TILE_GAP),
                  width, TILE_HEIGHT)
        values.append(draw_tile(fig, page, box, reading))
    smallest = min(v.get_fontsize() for v in values)      # one size for every tile's value: they line up
    for value in values:
        value.set_fontsize(smallest)


def draw_tile(fig, page, box: Box, reading: TileReading):
    from matplotlib.patches import FancyBboxPatch, Rectangle
    page.add_patch(FancyBboxPatch((box.left, box.top), box.width, box.height, boxstyle="round,pad=0,rounding_size=0.05",
                                  facecolor=TILE_FILL, edgecolor=RULE, lw=0.6))
    page.add_patch(Rectangle((box.left, box.top + 0.08), 0.045, box.height - 0.16, color=NAVY, lw=0))
    pad = 0.14
    page.text(box.left + pad, box.top + 0.22, reading.tile.label.upper(), fontsize=6.8, color=MUTED,
              fontweight="bold", va="baseline")
    value = page.text(box.left + pad, box.top + 0.52, reading.text, fontsize=15, fontweight="bold",
                      color=INK if reading.text != NA else MUTED, va="baseline")
    fit_text(fig, value, box.width - 2 * pad)
    for top, comparison in ((box.top + 0.72, reading.vs_previous), (box.top + 0.88, reading.vs_year_ago)):
        draw_comparison(page, box, pad, top, comparison)
    return value


def draw_comparison(page, box: Box, pad: float, top: float, comparison: Comparison) -> None:
    arrow = "" if comparison.tone in ("na", "flat") else "▲ " if comparison.number > 0 else "▼ "
    page.text(box.left + pad, top, arrow + comparison.text, fontsize=7.2, fontweight="bold",
              color=TONE_COLOURS[comparison.tone], va="baseline")
    page.text(box.left + box.width - pad * 0.8, top, f"vs {month_label(comparison.against)}", fontsize=6.5,
              color=MUTED, ha="right", va="baseline")


def fit_text(fig, text, width_inches: float, smallest: float = 8) -> None:
    """Shrink a text until it fits the width (a long amount in a narrow tile)."""
    renderer = fig.canvas.get_renderer()
    while text.get_fontsize() > smallest and text.get_window_extent(renderer).width / fig.dpi > width_inches:
        text.set_fontsize(text.get_fontsize() - 0.5)


def money_axis(ax) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator
    ax.yaxis.set_major_locator(MaxNLocator(5))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: axis_label(ax, v)))
    ax.grid(axis="y", color=RULE, lw=0.5)
    ax.set_axisbelow(True)
    ax.tick_params(length=0, pad=2)


def axis_label(ax, value: float) -> str:
    """A tick in the axis's one unit (from its largest tick) with the fewest decimals that show every
    tick exactly: $0, $250, $1,000; $1.5k, $3.0k; $861.75, $862.00 for a movement of cents."""
    low, high = sorted(ax.get_ylim())
    ticks = [t for t in ax.yaxis.get_majorticklocs() if low - 1e-9 <= t <= high + 1e-9] or [value]
    scale = money_scale(max(abs(t) for t in ticks))
    divisor = float(scale[0])
    places = next((p for p in (0, 1) if all(abs(t / divisor * 10 ** p - round(t / divisor * 10 ** p)) < 1e-6
                                            for t in ticks)), 2)
    return fmt_compact_money(value, places, scale)


def empty(ax, message: str) -> None:
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=8, color=MUTED, transform=ax.transAxes)


def add_axes(fig, box: Box):
    return fig.add_axes(box.rect())


def draw_bridge(fig, page, report: TenantReport) -> None:
    heading(page, BRIDGE_TOP - 0.14, "MRR bridge", "USD; movements from marts.mrr_monthly")
    left_width = CONTENT_WIDTH * 0.46
    left = Box(MARGIN, BRIDGE_TOP, left_width, BRIDGE_HEIGHT)
    right = Box(MARGIN + left_width + 0.3, BRIDGE_TOP, CONTENT_WIDTH - left_width - 0.3, BRIDGE_HEIGHT)
    draw_waterfall(add_axes(fig, left.inset(left=0.45, top=0.28, bottom=0.3)), report)
    draw_bridge_bars(add_axes(fig, right.inset(left=0.45, top=0.28, bottom=0.3)), report)


@dataclass(frozen=True)
class WaterfallBar:
    label: str
    bottom: float
    height: float
    colour: str
    value: float
    is_movement: bool                                   # a movement is labelled with its sign


def draw_waterfall(ax, report: TenantReport) -> None:
    ax.set_title(f"{month_label(report.month, long=True)}: start to end", loc="left", color=INK, pad=14)
    row = report.bridge_row(report.month)
    if row is None:
        empty(ax, f"No subscription MRR in {month_label(report.month)}")
        return
    start, end = to_float(row.get("starting_mrr")), to_float(row.get("ending_mrr"))
    bars = [WaterfallBar("Start", 0.0, start, NAVY, start, False)]
    level, levels = start, [start]                      # the running MRR after each bar
    for movement, column, label in BRIDGE_STEPS:
        amount = to_float(row.get(column))
        bars.append(WaterfallBar(label, min(level, level + amount), abs(amount), MOVEMENT_COLOURS[movement],
                                 amount, True))
        level += amount
        levels.append(level)
    bars.append(WaterfallBar("End", 0.0, end, NAVY, end, False))
    xs = range(len(bars))
    ax.bar(xs, [b.height for b in bars], bottom=[b.bottom for b in bars], color=[b.colour for b in bars], width=0.62)
    for x, level_after in enumerate(levels):            # connectors from each bar's end to the next bar
        ax.plot([x + 0.31, x + 0.69], [level_after, level_after], color=MUTED, lw=0.5, ls=":")
    floor = waterfall_floor([*levels, end])
    top = max([*(b.bottom + b.height for b in bars), floor + 1.0])
    places = 2 if top - floor < 100 else None           # a month of small change: labels in cents
    for x, bar in enumerate(bars):
        text = ("+" if bar.is_movement and bar.value > 0 else "") + fmt_compact_money(bar.value, places)
        ax.text(x, bar.bottom + bar.height + (top - floor) * 0.02, text, ha="center", va="bottom", fontsize=6,
                color=INK)
    ax.set_ylim(floor, top + (top - floor) * 0.15)
    if floor > 0:
        ax.text(0, 1.0, f"axis starts at {fmt_compact_money(floor, places)}", transform=ax.transAxes,
                fontsize=5.8, color=MUTED, va="bottom")
    ax.set_xticks(list(xs), [b.label for b in bars], rotation=30, ha="right", rotation_mode="anchor")
    money_axis(ax)


def waterfall_floor(levels: list[float]) -> float:
    """Where the waterfall's axis starts: at 0, unless the month's movements are too small to see
    against the MRR; then just below the lowest level, so they are (and the axis says so)."""
    low, high = min(levels), max(levels)
    span = high - low
    floor = low - 1.5 * span
    if low <= 0 or span == 0 or floor < 0.5 * high:
        return 0.0
    return floor


def slot(month: date, last: date, slots: int) -> int:
    """A month's place on a time axis of `slots` months ending at `last` (the report's month)."""
    return slots - 1 - ((last.year - month.year) * 12 + last.month - month.month)


def draw_bridge_bars(ax, report: TenantReport) -> None:
    rows = report.bridge_months(BRIDGE_MONTHS)
    ax.set_title(f"Movements, last {BRIDGE_MONTHS} months", loc="left", color=INK, pad=14)
    if not rows:
        empty(ax, "No subscription MRR history")
        return
    xs = [slot(as_date(r["month"]), report.month, BRIDGE_MONTHS) for r in rows]
    up, down = [0.0] * len(rows), [0.0] * len(rows)
    for movement, column, label in BRIDGE_STEPS:
        amounts = [to_float(r.get(column)) for r in rows]
        ups = [max(a, 0.0) for a in amounts]
        downs = [min(a, 0.0) for a in amounts]
        if any(ups):
            ax.bar(xs, ups, bottom=up, color=MOVEMENT_COLOURS[movement], width=0.7, label=label)
        if any(downs):
            ax.bar(xs, downs, bottom=down, color=MOVEMENT_COLOURS[movement], width=0.7,
                   label=None if any(ups) else label)
        up = [u + a for u, a in zip(up, ups)]
        down = [d + a for d, a in zip(down, downs)]
    net = [to_float(r.get("net_new_mrr")) for r in rows]
    ax.plot(xs, net, color=INK, lw=0.9, marker="o", markersize=2.5, label="Net new")
    ax.axhline(0, color=MUTED, lw=0.6)
    low, high = min([*down, *net, 0.0]), max([*up, *net, 0.0])
    pad = (high - low) * 0.1 or 1.0
    ax.set_ylim(low - (pad if low < 0 else 0), high + pad)
    months = [add_months(report.month, i - BRIDGE_MONTHS + 1) for i in range(BRIDGE_MONTHS)]
    ax.set_xticks(range(BRIDGE_MONTHS), [short_month(m, i == 0) for i, m in enumerate(months)])
    ax.set_xlim(-0.6, BRIDGE_MONTHS - 0.4)
    money_axis(ax)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=6, fontsize=5.8, frameon=False,
              handlelength=0.9, handletextpad=0.3, columnspacing=0.7, borderaxespad=0.1)


def short_month(month: date, first: bool) -> str:
    """Month ticks: the year under the first month and under each January."""
    return month.strftime("%b\n%Y") if first or month.month == 1 else month.strftime("%b")


def draw_trends(fig, page, report: TenantReport) -> None:
    heading(page, TREND_TOP - 0.14, f"Trends, last {TREND_MONTHS} months",
            f"USD, per month; MRR forecast {FORECAST_MONTHS} months ahead" if report.outlook is not None
            and not report.outlook.empty else "USD, per month")
    rows = report.kpi_months(TREND_MONTHS)
    half = (CONTENT_WIDTH - 0.3) / 2
    for index, (column, title, colour) in enumerate((("mrr", "MRR (month end)", NAVY),
                                                     ("store_revenue_usd", "Store revenue", ACCENT))):
        box = Box(MARGIN + index * (half + 0.3), TREND_TOP, half, TREND_HEIGHT)
        ax = add_axes(fig, box.inset(left=0.45, top=0.22, bottom=0.3, right=0.1))
        draw_trend(ax, rows, column, title, colour, report.month)
        if column == "mrr":
            draw_outlook(ax, report, rows)


def draw_outlook(ax, report: TenantReport, history: list[dict]) -> None:
    """On the MRR chart: the target (every month that has one) and, after the report's month, the
    forecast's ending MRR with its 80 % band, joined to the last actual. Both are mart values
    (targets_vs_actuals); without them the chart is the plain trend."""
    rows = report.outlook_months(TREND_MONTHS, FORECAST_MONTHS)
    targets = [(slot_ahead(as_date(r["month"]), report.month), float(r["target"]))
               for r in rows if to_decimal(r.get("target")) is not None]
    ahead = [r for r in rows if as_date(r["month"]) > report.month and to_decimal(r.get("expected_value")) is not None]
    if not targets and not ahead:
        return
    ys = [y for _, y in targets]
    if ahead:
        last = next((to_decimal(r.get("mrr")) for r in history if as_date(r["month"]) == report.month), None)
        xs = [slot_ahead(as_date(r["month"]), report.month) for r in ahead]
        points = [float(r["expected_value"]) for r in ahead]
        low = [float(r.get("expected_lower_80") if to_decimal(r.get("expected_lower_80")) is not None
                     else r["expected_value"]) for r in ahead]
        high = [float(r.get("expected_upper_80") if to_decimal(r.get("expected_upper_80")) is not None
                      else r["expected_value"]) for r in ahead]
        if last is not None:        # the forecast starts from the last actual
            xs, points, low, high = [TREND_MONTHS - 1, *xs], [float(last), *points], \
                [float(last), *low], [float(last), *high]
        ax.fill_between(xs, low, high, color=FORECAST, alpha=0.25, lw=0, label="Forecast, 80 % band")
        ax.plot(xs, points, color=FORECAST, lw=1.2, ls="--", label="Forecast")
        ax.axvline(TREND_MONTHS - 0.5, color=RULE, lw=0.6)
        ys += low + high
    if targets:
        tx, ty = zip(*targets)
        ax.step(tx, ty, where="mid", color=ACCENT, lw=1.0, ls=":", label="Target")
    ys += [float(r["mrr"]) for r in history if to_decimal(r.get("mrr")) is not None]
    total = TREND_MONTHS + FORECAST_MONTHS
    ticks = list(range(total - 1, -1, -6))[::-1]          # half-yearly: 30 months on a half-page axis
    ax.set_xticks(ticks, [add_months(report.month, t - TREND_MONTHS + 1).strftime("%b %y") for t in ticks])
    ax.set_xlim(-0.7, total - 0.3)
    ax.set_ylim(bottom=min(0, min(ys) * 1.1), top=max(max(ys) * 1.12, 1.0))
    ax.set_title(ax.get_title(loc="left") + ", forecast and target", loc="left", color=INK, pad=6)
    ax.legend(loc="upper left", fontsize=5.8, frameon=False, ncol=3, handlelength=1.6, borderaxespad=0.1)


def slot_ahead(month: date, last: date) -> int:
    """A month's slot on the MRR chart: the report's month at TREND_MONTHS - 1, later months after it."""
    return TREND_MONTHS - 1 + (month.year - last.year) * 12 + month.month - last.month


def draw_trend(ax, rows: list[dict], column: str, title: str, colour: str, month: date) -> None:
    values = [(as_date(r["month"]), to_decimal(r.get(column))) for r in rows]
    ax.set_title(f"{title}: {fmt_money(next((v for m, v in values if m == month), None))}", loc="left",
                 color=INK, pad=6)
    points = [(m, float(v)) for m, v in values if v is not None]
    if not points:
        empty(ax, "No history")
        return
    xs, ys = [slot(m, month, TREND_MONTHS) for m, _ in points], [v for _, v in points]
    if column == "mrr":
        ax.fill_between(xs, ys, color=colour, alpha=0.12, lw=0)
        ax.plot(xs, ys, color=colour, lw=1.4)
        ax.plot(xs[-1:], ys[-1:], "o", color=colour, markersize=3.5)
    else:
        ax.bar(xs, ys, color=colour, width=0.75)
    ticks = list(range(TREND_MONTHS - 1, -1, -3))[::-1]
    ax.set_xticks(ticks, [add_months(month, t - TREND_MONTHS + 1).strftime("%b %y") for t in ticks])
    ax.set_xlim(-0.7, TREND_MONTHS - 0.3)
    ax.set_ylim(bottom=min(0, min(ys) * 1.1), top=max(max(ys) * 1.12, 1.0))
    money_axis(ax)


TABLE_COLUMNS = (   # (header, x position in inches from the left margin, alignment)
    ("#", 0.18, "right"),
    ("Customer", 0.3, "left"),
    ("Segment", 2.75, "left"),
    ("Movement", 3.7, "left"),
    ("MRR before", 5.45, "right"),
    ("MRR after", 6.4, "right"),
    ("Change", CONTENT_WIDTH - 0.08, "right"),
)
NAME_CHARS = 34


def draw_movements(page, report: TenantReport) -> None:
    from matplotlib.patches import Circle, Rectangle
    heading(page, TABLE_TOP - 0.14, "Largest customer MRR movements",
            f"{month_label(report.month, long=True)}; from marts.fct_mrr and marts.dim_customers")
    rows = report.top_movements(TOP_MOVEMENTS_PDF)
    header_top = TABLE_TOP + 0.08
    page.add_patch(Rectangle((MARGIN, header_top), CONTENT_WIDTH, TABLE_ROW, color=NAVY, lw=0))
    for label, x, align in TABLE_COLUMNS:
        page.text(MARGIN + x, header_top + TABLE_ROW * 0.7, label, fontsize=7, color="white",
                  fontweight="bold", ha=align, va="baseline")
    if not rows:
        page.text(MARGIN + 0.3, header_top + TABLE_ROW * 1.7, f"No customer MRR moved in {month_label(report.month)}.",
                  fontsize=7.5, color=MUTED, va="baseline")
        return
    for index, row in enumerate(rows, start=1):
        top = header_top + index * TABLE_ROW
        if index % 2 == 0:
            page.add_patch(Rectangle((MARGIN, top), CONTENT_WIDTH, TABLE_ROW, color=TILE_FILL, lw=0))
        movement = str(row.get("movement") or "")
        change = to_decimal(row.get("mrr_change"))
        name = str(row.get("account_name") or row.get("customer_id") or NA)
        cells = (str(index), name if len(name) <= NAME_CHARS else name[:NAME_CHARS - 1] + "…",
                 SEGMENT_LABELS.get(row.get("segment"), row.get("segment") or NA), movement.capitalize() or NA,
                 fmt_money(row.get("previous_mrr")), fmt_money(row.get("mrr")), fmt_money(change, sign=True))
        baseline = top + TABLE_ROW * 0.7
        for (_, x, align), text in zip(TABLE_COLUMNS, cells):
            colour = INK
            if text is cells[-1] and change is not None:
                colour = TONE_COLOURS["good" if change > 0 else "bad"]
            page.text(MARGIN + x + (0.13 if text is cells[3] else 0), baseline, text, fontsize=7, color=colour,
                      ha=align, va="baseline", fontweight="bold" if text is cells[-1] else "normal")
        page.add_patch(Circle((MARGIN + TABLE_COLUMNS[3][1] + 0.045, top + TABLE_ROW * 0.5), 0.038,
                              color=MOVEMENT_COLOURS.get(movement, MUTED), lw=0))
    bottom = header_top + (len(rows) + 1) * TABLE_ROW
    page.plot([MARGIN, PAGE_WIDTH - MARGIN], [bottom, bottom], color=RULE, lw=0.6)


def draw_footer(page, report: TenantReport) -> None:
    page.plot([MARGIN, PAGE_WIDTH - MARGIN], [FOOTER_TOP, FOOTER_TOP], color=RULE, lw=0.6)
    page.text(MARGIN, FOOTER_TOP + 0.18, "Sources: " + ", ".join(SOURCES), fontsize=6.2, color=MUTED, va="baseline")
    page.text(MARGIN, FOOTER_TOP + 0.32, f"Marts built as of {report.as_of.isoformat()} (last complete month "
              f"{month_label(report.month, long=True)}). Amounts in USD, rounded half-up to cents; n/a: no value, "
              "or no base to compare with.", fontsize=6.2, color=MUTED, va="baseline")
    page.text(PAGE_WIDTH - MARGIN, FOOTER_TOP + 0.18, "reports/executive_reports", fontsize=6.2, color=MUTED,
              ha="right", va="baseline")


def to_float(value) -> float:
    """A chart height: a missing movement draws as nothing."""
    number = to_decimal(value)
    return 0.0 if number is None else float(number)

