"""The executive reports from small hand-made mart frames (no warehouse, no dbt): what the PDF says,
how the workbook is laid out and formatted, the CSV's column order and rounding, and tenants with
little history or missing values. Every expected figure below is worked out by hand from the
frames, not read back from the code."""
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest
from pypdf import PdfReader

from orchestration.reports import write_tenant_report
from orchestration.reports.content import TenantReport
from orchestration.reports.tables import csv_value

AS_OF = date(2026, 12, 6)           # last complete month: November 2026
NOV_26, OCT_26, NOV_25 = date(2026, 11, 1), date(2026, 10, 1), date(2025, 11, 1)
D = Decimal                         # the marts' money is numeric(18, 4): drivers hand back Decimals


def kpi_frame() -> pd.DataFrame:
    """executive_kpis rows (with period_kpis' store_orders_growth), deliberately not in month order."""
    rows = [
        {"month": NOV_26, "mrr": D("1000.1250"), "arr": D("12001.5000"), "net_new_mrr": D("-50.0050"),
         "mrr_growth_rate": -0.04762, "subscription_customers": 8, "new_subscription_customers": 1,
         "logo_churn_rate": 0.125, "net_revenue_retention": 0.95, "trailing_12m_net_revenue_retention": None,
         "arpa": None, "store_revenue_usd": D("0.0000"), "store_revenue_growth": -1.0, "store_orders": 12,
         "store_orders_growth": None, "average_order_value_usd": None},
        {"month": NOV_25, "mrr": D("800.0000"), "arr": D("9600.0000"), "net_new_mrr": D("-20.0000"),
         "mrr_growth_rate": -0.02439, "subscription_customers": 8, "new_subscription_customers": 0,
         "logo_churn_rate": 0.125, "net_revenue_retention": None, "trailing_12m_net_revenue_retention": None,
         "arpa": D("100.0000"), "store_revenue_usd": D("0.0000"), "store_revenue_growth": None, "store_orders": 0,
         "store_orders_growth": None, "average_order_value_usd": None},
        {"month": OCT_26, "mrr": D("1050.1300"), "arr": D("12601.5600"), "net_new_mrr": D("50.0000"),
         "mrr_growth_rate": 0.05, "subscription_customers": 8, "new_subscription_customers": 2,
         "logo_churn_rate": 0.05, "net_revenue_retention": 1.02, "trailing_12m_net_revenue_retention": 1.1,
         "arpa": D("131.2663"), "store_revenue_usd": D("2.6750"), "store_revenue_growth": 0.5, "store_orders": 8,
         "store_orders_growth": 0.25, "average_order_value_usd": D("0.3344")},
    ]
    # period_kpis had no month for the store's orders growth: the column is absent, the tile works it out
    return pd.DataFrame(rows).drop(columns="store_orders_growth")


def bridge_frame() -> pd.DataFrame:
    """mrr_monthly: November starts at October's 1,050.13 and ends at 1,000.125, exactly."""
    return pd.DataFrame([
        {"month": OCT_26, "starting_mrr": D("1000.1300"), "new_mrr": D("60.0000"), "expansion_mrr": D("0"),
         "reactivation_mrr": D("0"), "contraction_mrr": D("-10.0000"), "churned_mrr": D("0"),
         "ending_mrr": D("1050.1300"), "net_new_mrr": D("50.0000"), "active_customers": 8, "new_customers": 2,
         "churned_customers": 0, "reactivated_customers": 0, "logo_churn_rate": 0.05,
         "net_revenue_retention": 1.02, "gross_revenue_retention": 0.99},
        {"month": NOV_26, "starting_mrr": D("1050.1300"), "new_mrr": D("100.0000"), "expansion_mrr": D("20.0000"),
         "reactivation_mrr": D("0"), "contraction_mrr": D("-30.0000"), "churned_mrr": D("-140.0050"),
         "ending_mrr": D("1000.1250"), "net_new_mrr": D("-50.0050"), "active_customers": 8, "new_customers": 1,
         "churned_customers": 1, "reactivated_customers": 0, "logo_churn_rate": 0.125,
         "net_revenue_retention": 0.95, "gross_revenue_retention": 0.84},
    ])


def movement_frame() -> pd.DataFrame:
    """fct_mrr rows of November joined to dim_customers; one customer has no CRM name."""
    return pd.DataFrame([
        {"month": NOV_26, "customer_id": "cus_2", "account_name": "Beta Ltd", "segment": "smb",
         "movement": "churn", "previous_mrr": D("140.0050"), "mrr": D("0"), "mrr_change": D("-140.0050")},
        {"month": NOV_26, "customer_id": "cus_9", "account_name": None, "segment": "unknown",
         "movement": "contraction", "previous_mrr": D("50.0000"), "mrr": D("20.0000"), "mrr_change": D("-30.0000")},
        {"month": NOV_26, "customer_id": "cus_1", "account_name": "Acme Corporation International",
         "segment": "enterprise", "movement": "new", "previous_mrr": D("0"), "mrr": D("100.0000"),
         "mrr_change": D("100.0000")},
        {"month": NOV_26, "customer_id": "cus_3", "account_name": "Gamma GmbH", "segment": "mid_market",
         "movement": "expansion", "previous_mrr": D("80.0000"), "mrr": D("100.0000"), "mrr_change": D("20.0000")},
    ])


def outlook_frame() -> pd.DataFrame:
    """targets_vs_actuals rows of metric mrr: targets for October to January; the forecast from December
    (the running month of AS_OF) with its 80 % interval."""
    return pd.DataFrame([
        {"month": OCT_26, "target": D("1100.0000"), "expected_value": None, "expected_lower_80": None,
         "expected_upper_80": None},
        {"month": NOV_26, "target": D("1100.0000"), "expected_value": None, "expected_lower_80": None,
         "expected_upper_80": None},
        {"month": date(2026, 12, 1), "target": D("1150.0000"), "expected_value": D("1010.0000"),
         "expected_lower_80": D("950.0000"), "expected_upper_80": D("1070.0000")},
        {"month": date(2027, 1, 1), "target": D("1200.0000"), "expected_value": D("1020.0000"),
         "expected_lower_80": D("930.0000"), "expected_upper_80": D("1110.0000")},
    ])


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    report = TenantReport("tn_test", AS_OF, kpi_frame(), bridge_frame(), movement_frame(), outlook_frame())
    return write_tenant_report(out, report)


def pdf_text(path) -> str:
    reader = PdfReader(path)
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def test_the_pdf_title_and_footer_name_the_tenant_the_clock_and_the_sources(written):
    text = pdf_text(written["pdf"])
    assert text.startswith("Executive report: tn_test\n")
    assert "as of 2026-12-06" in text and "last complete month: November 2026" in text
    assert ("Sources: marts.executive_kpis, marts.period_kpis, marts.mrr_monthly, marts.fct_mrr, "
            "marts.dim_customers, marts.targets_vs_actuals") in text
    assert "Marts built as of 2026-12-06" in text


# (tile, value, vs October 2026, vs November 2025), worked by hand from kpi_frame
TILES = [
    # 1000.125 rounds half-up to 1,000.13; vs Oct: the mart's -0.04762; vs Nov 2025: 1000.125 / 800 - 1 = +25.0%
    ("MRR", "$1,000.13", "▼ -4.8%", "▲ +25.0%"),
    # no ARR growth in the mart: 12001.5 / 12601.56 - 1 = -4.76%; 12001.5 / 9600 - 1 = +25.0%
    ("ARR", "$12,001.50", "▼ -4.8%", "▲ +25.0%"),
    # an amount, half-up to cents first: -50.01 - 50.00 = -100.01; -50.01 - (-20.00) = -30.01
    ("NET NEW MRR", "-$50.01", "▼ -$100.01", "▼ -$30.01"),
    # points: (0.95 - 1.02) x 100 = -7.0 pp; November 2025 has no NRR
    ("NET REVENUE RETENTION", "95.0%", "▼ -7.0 pp", "n/a"),
    # churn up 7.5 points (bad news, so red, still an up arrow); unchanged on the year
    ("LOGO CHURN", "12.5%", "▲ +7.5 pp", "0.0 pp"),
    # no ARPA this month: the value and both changes read n/a, not $0 or -100%
    ("ARPA", "n/a", "n/a", "n/a"),
    # zero revenue: the mart's -100%; a year ago it was 0 too, no base
    ("STORE REVENUE", "$0.00", "▼ -100.0%", "n/a"),
    # growth column absent: 12 / 8 - 1 = +50.0%; a year ago 0 orders, no base
    ("STORE ORDERS", "12", "▲ +50.0%", "n/a"),
]


@pytest.mark.parametrize(("label", "value", "vs_previous", "vs_year_ago"), TILES, ids=[t[0] for t in TILES])
def test_each_tile_shows_the_mart_value_and_both_changes(written, label, value, vs_previous, vs_year_ago):
    text = pdf_text(written["pdf"])
    tile = f"{label}\n{value}\n{vs_previous} vs Oct 2026\n{vs_year_ago} vs Nov 2025\n"
    assert tile in text, text[:1200]


def test_tile_tones_follow_the_metric_direction():
    report = TenantReport("tn_test", AS_OF, kpi_frame(), bridge_frame(), movement_frame())
    tones = {r.tile.column: (r.vs_previous.tone, r.vs_year_ago.tone) for r in report.tiles()}
    assert tones["logo_churn_rate"] == ("bad", "flat")          # more churn is bad news
    assert tones["mrr"] == ("bad", "good")
    assert tones["arpa"] == ("na", "na")


def test_the_movements_table_lists_the_largest_changes_first(written):
    text = pdf_text(written["pdf"])
    assert ("1 Beta Ltd SMB Churn $140.01 $0.00 -$140.01\n"
            "2 Acme Corporation International Enterprise New $0.00 $100.00 +$100.00\n"
            "3 cus_9 Unknown Contraction $50.00 $20.00 -$30.00\n"
            "4 Gamma GmbH Mid-market Expansion $80.00 $100.00 +$20.00\n") in text


def test_the_workbook_has_its_sheets_headers_formats_and_panes(written):
    book = openpyxl.load_workbook(written["xlsx"])
    assert book.sheetnames == ["Summary", "Monthly KPIs", "MRR bridge", "Top movements"]
    sheet = book["Monthly KPIs"]
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["Month", "MRR (USD)", "ARR (USD)", "Net new MRR (USD)", "MRR growth",
                          "Subscription customers"]
    assert len(header) == 16 and header[-1] == "Average order value (USD)"
    assert all(c.font.bold and c.fill.fgColor.rgb.endswith("1F3A5F") and c.font.color.rgb.endswith("FFFFFF")
               for c in sheet[1])
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref == "A1:P4"
    months = [sheet.cell(row, 1).value for row in range(2, 5)]
    assert months == [datetime(2025, 11, 1), datetime(2026, 10, 1), datetime(2026, 11, 1)]   # in month order
    nov = {h: sheet.cell(4, i + 1) for i, h in enumerate(header)}
    assert nov["Month"].number_format == "yyyy-mm-dd"
    assert nov["MRR (USD)"].value == 1000.13 and "$" in nov["MRR (USD)"].number_format
    assert nov["Net new MRR (USD)"].value == -50.01
    assert nov["Logo churn"].value == 0.125 and nov["Logo churn"].number_format == "0.0%"
    assert nov["Store orders"].value == 12 and nov["Store orders"].number_format == "#,##0"
    assert nov["ARPA (USD)"].value is None
    widths = {col: sheet.column_dimensions[col].width for col in "ABCDEFGHIJKLMNOP"}
    assert all(9 <= w <= 42 for w in widths.values())


def test_the_summary_sheet_holds_the_tiles(written):
    sheet = openpyxl.load_workbook(written["xlsx"])["Summary"]
    assert sheet["A1"].value == "Executive report: tn_test"
    assert sheet.freeze_panes == "B5" and sheet.auto_filter.ref == "A4:G12"
    assert [c.value for c in sheet[4]] == ["KPI", "This month (Nov 2026)", "Previous month (Oct 2026)",
                                           "vs previous month", "Same month last year (Nov 2025)",
                                           "vs same month last year", "Mart column"]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=5, max_row=12)}
    mrr = rows["MRR"]
    assert [c.value for c in mrr[1:6]] == [1000.13, 1050.13, -0.04762, 800.0, pytest.approx(0.25015625)]
    assert mrr[3].number_format.startswith("+0.0%") and mrr[6].value == "executive_kpis.mrr; growth " \
        "executive_kpis.mrr_growth_rate"
    churn = rows["Logo churn"]
    assert churn[3].value == pytest.approx(7.5) and "pp" in churn[3].number_format
    assert [c.value for c in rows["ARPA"][1:6]] == ["n/a", 131.27, "n/a", 100.0, "n/a"]
    assert rows["Net new MRR"][3].value == -100.01
    assert rows["Store orders"][6].value == "executive_kpis.store_orders; growth period_kpis.orders_growth"


def test_the_top_movements_sheet(written):
    sheet = openpyxl.load_workbook(written["xlsx"])["Top movements"]
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref == "A1:H5"
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[4], r[7]) for r in rows] == [("cus_2", "Churn", -140.01), ("cus_1", "New", 100.0),
                                                  ("cus_9", "Contraction", -30.0), ("cus_3", "Expansion", 20.0)]
    assert sheet.column_dimensions["C"].width >= len("Acme Corporation International")


def test_the_csv_has_a_fixed_column_order_iso_dates_and_cents_half_up(written):
    lines = written["csv"].read_text().splitlines()
    assert lines[0] == ("tenant_id,month,mrr,arr,net_new_mrr,mrr_growth_rate,subscription_customers,"
                        "new_subscription_customers,logo_churn_rate,net_revenue_retention,"
                        "trailing_12m_net_revenue_retention,arpa,store_revenue_usd,store_revenue_growth,store_orders,"
                        "store_orders_growth,average_order_value_usd")
    assert lines[1:] == [
        "tn_test,2025-11-01,800.00,9600.00,-20.00,-0.024390,8,0,0.125000,,,100.00,0.00,,0,,",
        # 2.675 and 0.3344: half-up gives 2.68 and 0.33 (a float's round() gives 2.67)
        "tn_test,2026-10-01,1050.13,12601.56,50.00,0.050000,8,2,0.050000,1.020000,1.100000,131.27,2.68,0.500000,8,,0.33",
        # 1000.125 -> 1000.13 and -50.005 -> -50.01: ties round away from zero
        "tn_test,2026-11-01,1000.13,12001.50,-50.01,-0.047620,8,1,0.125000,0.950000,,,0.00,-1.000000,12,,",
    ]


@pytest.mark.parametrize(("value", "kind", "expected"), [
    (2.675, "money", "2.68"), (D("0.005"), "money", "0.01"), (D("-0.005"), "money", "-0.01"),
    (1.005, "money", "1.01"), (D("10"), "money", "10.00"), (float("nan"), "money", ""), (None, "rate", ""),
    (0.1234565, "rate", "0.123457"), (pd.Timestamp("2026-11-01"), "date", "2026-11-01"), (7.0, "count", "7"),
])
def test_csv_values_round_half_up(value, kind, expected):
    assert csv_value(value, kind) == expected


def test_a_one_month_tenant_gets_all_three_files_with_n_a_changes(tmp_path):
    kpis = pd.DataFrame([{"month": NOV_26, "mrr": D("500.0000"), "arr": D("6000.0000"), "net_new_mrr": D("500.0000"),
                          "mrr_growth_rate": None, "logo_churn_rate": None, "net_revenue_retention": None,
                          "arpa": D("500.0000"), "store_revenue_usd": D("0"), "store_revenue_growth": None,
                          "store_orders": 0, "store_orders_growth": None}])
    bridge = pd.DataFrame([{"month": NOV_26, "starting_mrr": D("0"), "new_mrr": D("500.0000"), "expansion_mrr": D("0"),
                            "reactivation_mrr": D("0"), "contraction_mrr": D("0"), "churned_mrr": D("0"),
                            "ending_mrr": D("500.0000"), "net_new_mrr": D("500.0000")}])
    movements = pd.DataFrame([{"month": NOV_26, "customer_id": "cus_1", "account_name": "First Customer",
                               "segment": "smb", "movement": "new", "previous_mrr": D("0"), "mrr": D("500.0000"),
                               "mrr_change": D("500.0000")}])
    paths = write_tenant_report(tmp_path, TenantReport("tn_new", AS_OF, kpis, bridge, movements))
    assert all(p.stat().st_size > 0 for p in paths.values())
    text = pdf_text(paths["pdf"])
    assert "MRR\n$500.00\nn/a vs Oct 2026\nn/a vs Nov 2025\n" in text
    assert "NET NEW MRR\n$500.00\nn/a vs Oct 2026\nn/a vs Nov 2025\n" in text
    assert "1 First Customer SMB New $0.00 $500.00 +$500.00" in text
    assert len(paths["csv"].read_text().splitlines()) == 2
    assert openpyxl.load_workbook(paths["xlsx"])["Monthly KPIs"].max_row == 2


@pytest.mark.parametrize("case", ["store_only", "no_rows", "two_months_negative"])
def test_thin_or_odd_history_does_not_crash_or_mislead(tmp_path, case):
    empty_bridge = pd.DataFrame(columns=["month", "starting_mrr", "ending_mrr"])
    empty_movements = pd.DataFrame(columns=["month", "customer_id", "mrr_change"])
    if case == "store_only":           # executive_kpis months without any subscription: mrr 0, rates null
        kpis = pd.DataFrame([{"month": OCT_26, "mrr": D("0"), "store_revenue_usd": D("90.0000"), "store_orders": 3},
                             {"month": NOV_26, "mrr": D("0"), "store_revenue_usd": D("120.0000"), "store_orders": 4}])
        report = TenantReport("tn_shop", AS_OF, kpis, empty_bridge, empty_movements)
    elif case == "no_rows":            # no month at all: every tile n/a
        report = TenantReport("tn_void", AS_OF, pd.DataFrame(columns=["month"]), empty_bridge, empty_movements)
    else:                              # two months, the last one losing more than it won
        kpis = pd.DataFrame([{"month": OCT_26, "mrr": D("100"), "net_new_mrr": D("100")},
                             {"month": NOV_26, "mrr": D("40"), "net_new_mrr": D("-60")}])
        bridge = pd.DataFrame([
            {"month": OCT_26, "starting_mrr": D("0"), "new_mrr": D("100"), "churned_mrr": D("0"), "ending_mrr": D("100"),
             "net_new_mrr": D("100")},
            {"month": NOV_26, "starting_mrr": D("100"), "new_mrr": D("0"), "churned_mrr": D("-60"),
             "ending_mrr": D("40"), "net_new_mrr": D("-60")}])
        report = TenantReport("tn_down", AS_OF, kpis, bridge, empty_movements)
    paths = write_tenant_report(tmp_path, report)
    text = pdf_text(paths["pdf"])
    assert f"Executive report: {report.tenant}" in text
    if case == "store_only":
        # 0 MRR both months: no base, so n/a rather than 0% or a division error
        assert "MRR\n$0.00\nn/a vs Oct 2026\nn/a vs Nov 2025\n" in text
        # no growth column in this frame: the difference, 120 / 90 - 1 = +33.3%
        assert "STORE REVENUE\n$120.00\n▲ +33.3% vs Oct 2026\nn/a vs Nov 2025\n" in text
        assert "No customer MRR moved in Nov 2026." in text
    elif case == "no_rows":
        assert text.count("\nn/a\nn/a vs Oct 2026\nn/a vs Nov 2025\n") == 8
        assert len(paths["csv"].read_text().splitlines()) == 1                  # the header alone
    else:
        # relative change: 40 / 100 - 1 = -60.0%; the amount tile: -60.00 - 100.00 = -160.00
        assert "MRR\n$40.00\n▼ -60.0% vs Oct 2026\nn/a vs Nov 2025\n" in text
        assert "NET NEW MRR\n-$60.00\n▼ -$160.00 vs Oct 2026\nn/a vs Nov 2025\n" in text


def test_a_large_change_of_amount_is_shown_in_thousands_and_long_values_fit(tmp_path):
    """Net new MRR 362,978.50 after 7,408.40: +355,570.10 does not fit a tile in cents, +$355.6k does."""
    kpis = pd.DataFrame([{"month": OCT_26, "mrr": D("5558187.3000"), "net_new_mrr": D("7408.4000")},
                         {"month": NOV_26, "mrr": D("5921165.8000"), "net_new_mrr": D("362978.5000")}])
    paths = write_tenant_report(tmp_path, TenantReport("tn_big", AS_OF, kpis, pd.DataFrame(columns=["month"]),
                                                       pd.DataFrame(columns=["month"])))
    text = pdf_text(paths["pdf"])
    assert "NET NEW MRR\n$362,978.50\n▲ +$355.6k vs Oct 2026\nn/a vs Nov 2025\n" in text
    # 5921165.80 / 5558187.30 - 1 = 6.53 %
    assert "MRR\n$5,921,165.80\n▲ +6.5% vs Oct 2026\n" in text


def test_the_mrr_chart_carries_the_forecast_its_80_band_and_the_target(written, tmp_path):
    text = pdf_text(written["pdf"])
    assert "MRR (month end): $1,000.13, forecast and target" in text
    assert "USD, per month; MRR forecast 6 months ahead" in text
    assert all(label in text for label in ("Forecast, 80 % band", "Forecast", "Target"))
    # without targets or a forecast the chart is the plain trend
    plain = write_tenant_report(tmp_path, TenantReport("tn_plain", AS_OF, kpi_frame(), bridge_frame(),
                                                       movement_frame()))
    text = pdf_text(plain["pdf"])
    assert "MRR (month end): $1,000.13\n" in text or "MRR (month end): $1,000.13 " in text
    assert "forecast and target" not in text and "80 % band" not in text and "Target" not in text


def test_the_outlook_chart_draws_the_marts_values_at_their_months():
    """The forecast starts at the last actual (November's 1,000.125) and runs through the months ahead;
    the band is the mart's 80 % interval; the target is a step at every month that has one."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from orchestration.reports.content import TREND_MONTHS
    from orchestration.reports.pdf import draw_outlook
    report = TenantReport("tn_test", AS_OF, kpi_frame(), bridge_frame(), movement_frame(), outlook_frame())
    fig, ax = plt.subplots()
    try:
        draw_outlook(ax, report, report.kpi_months(TREND_MONTHS))
        lines = {line.get_label(): line for line in ax.get_lines()}
        forecast = lines["Forecast"]
        # November (the report's month) at slot 23, December 24, January 25
        assert list(forecast.get_xdata()) == [23, 24, 25]
        assert list(forecast.get_ydata()) == [1000.125, 1010.0, 1020.0]
        band = next(c for c in ax.collections if c.get_label() == "Forecast, 80 % band")
        ys = sorted({round(float(y), 3) for path in band.get_paths() for _, y in path.vertices})
        assert ys == [930.0, 950.0, 1000.125, 1070.0, 1110.0]
        target = lines["Target"]
        assert list(target.get_xdata()) == [22, 23, 24, 25]            # October .. January
        assert list(target.get_ydata()) == [1100.0, 1100.0, 1150.0, 1200.0]
    finally:
        plt.close(fig)
