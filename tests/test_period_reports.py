"""The Sales, Customer Success, Revenue and Executive reports for a range, on a hand-made marts schema
(the same rows in DuckDB and Postgres, below): the figures each report shows for the last complete
day, week and month, the CSV, XLSX and PDF that carry them, the e-mail (to an SMTP server this test
starts on 127.0.0.1) and the Slack message (to a local HTTP server), and what a failed delivery does.

Every expected figure is worked out by hand in the comments from the rows' formulas, as of Sunday
2026-12-06: the last complete day is 2026-12-05, week Mon 11-23 to Sun 11-29, month November."""
import csv
import email
import json
import socketserver
import threading
from datetime import date
from email import policy
from http.server import BaseHTTPRequestHandler, HTTPServer

import duckdb
import openpyxl
import pytest
from pypdf import PdfReader

from conftest import pg_test_db, reset_pg_database
from orchestration.reports import delivery
from orchestration.reports.periodic import read_reports
from orchestration.reports.ranges import ReportRange, Window, last_complete_range
from orchestration.reports.runner import deliver_reports, write_reports

AS_OF = date(2026, 12, 6)


def days(first: date, last: date):
    from datetime import timedelta
    while first <= last:
        yield first
        first += timedelta(days=1)


def day_kpi_row(tenant: str, day: date) -> dict:
    """period_kpis' day row of tn_a, from the day of the month d:
    leads d; qualified 1 on even days; lead_score_sum 10 d over 2 scored leads; won 1 when 3 | d, lost
    1 when 5 | d, 1,000 USD per won deal; revenue 100 + d over 2 orders; 100 sessions, 2 purchasing."""
    d = day.day
    won = 1 if d % 3 == 0 else 0
    return dict(tenant_id=tenant, period_type="day", period_start=day, leads=d, qualified_leads=1 - d % 2,
                lead_score_sum=10 * d, scored_leads=2, proposals_created=1, deals_won=won,
                deals_lost=1 if d % 5 == 0 else 0, won_amount_usd=1000 * won, revenue_usd=100 + d, orders=2,
                new_customers=1, sessions=100, purchase_sessions=2, conversion_rate=0.02)


OCT, NOV, SEP = date(2026, 10, 1), date(2026, 11, 1), date(2026, 9, 1)

# (table, columns with their SQL types, rows); tn_b has one November row per monthly mart: it must
# never show in tn_a's report
MARTS = {
    "period_kpis": ("tenant_id varchar(20), period_type varchar(10), period_start date, leads integer, "
                    "qualified_leads integer, lead_score_sum integer, scored_leads integer, proposals_created integer, "
                    "deals_won integer, deals_lost integer, won_amount_usd numeric(18, 4), revenue_usd numeric(18, 4), "
                    "orders integer, new_customers integer, sessions integer, purchase_sessions integer, "
                    "conversion_rate double precision",
                    [day_kpi_row("tn_a", d) for d in days(date(2026, 9, 1), date(2026, 12, 5))]
                    + [{**day_kpi_row("tn_b", d), "leads": 1000} for d in days(date(2026, 11, 1), date(2026, 11, 30))]),
    "mrr_monthly": ("tenant_id varchar(20), month date, starting_mrr numeric(18, 4), new_mrr numeric(18, 4), "
                    "expansion_mrr numeric(18, 4), reactivation_mrr numeric(18, 4), contraction_mrr numeric(18, 4), "
                    "churned_mrr numeric(18, 4), ending_mrr numeric(18, 4), net_new_mrr numeric(18, 4), "
                    "arr numeric(18, 4), active_customers integer, starting_customers integer, churned_customers integer",
                    [dict(tenant_id="tn_a", month=SEP, starting_mrr=900, new_mrr=100, expansion_mrr=0, reactivation_mrr=0,
                          contraction_mrr=0, churned_mrr=0, ending_mrr=1000, net_new_mrr=100, arr=12000,
                          active_customers=10, starting_customers=9, churned_customers=0),
                     dict(tenant_id="tn_a", month=OCT, starting_mrr=1000, new_mrr=100, expansion_mrr=50,
                          reactivation_mrr=0, contraction_mrr=-20, churned_mrr=-30, ending_mrr=1100, net_new_mrr=100,
                          arr=13200, active_customers=10, starting_customers=10, churned_customers=1),
                     dict(tenant_id="tn_a", month=NOV, starting_mrr=1100, new_mrr=200, expansion_mrr=0,
                          reactivation_mrr=10, contraction_mrr=-10, churned_mrr=-100.0050, ending_mrr=1199.9950,
                          net_new_mrr=99.9950, arr=14399.94, active_customers=11, starting_customers=10,
                          churned_customers=2),
                     dict(tenant_id="tn_b", month=NOV, starting_mrr=5, new_mrr=0, expansion_mrr=0, reactivation_mrr=0,
                          contraction_mrr=0, churned_mrr=0, ending_mrr=5, net_new_mrr=0, arr=60, active_customers=1,
                          starting_customers=1, churned_customers=0)]),
    "executive_kpis": ("tenant_id varchar(20), month date",
                       [dict(tenant_id="tn_a", month=m) for m in (SEP, OCT, NOV)]),
    "sales_pipeline_monthly": ("tenant_id varchar(20), month date, opportunity_type varchar(20), "
                               "open_opportunities integer, open_pipeline_usd numeric(18, 4), "
                               "weighted_pipeline_usd numeric(18, 4)",
                               [dict(tenant_id="tn_a", month=OCT, opportunity_type="new_business", open_opportunities=4,
                                     open_pipeline_usd=40000, weighted_pipeline_usd=10000),
                                dict(tenant_id="tn_a", month=NOV, opportunity_type="new_business", open_opportunities=5,
                                     open_pipeline_usd=50000, weighted_pipeline_usd=20000),
                                dict(tenant_id="tn_a", month=NOV, opportunity_type="expansion", open_opportunities=1,
                                     open_pipeline_usd=2500.5, weighted_pipeline_usd=1000.25)]),
    "sales_rep_performance_monthly": ("tenant_id varchar(20), user_id varchar(20), month date, full_name varchar(40), "
                                      "team varchar(20), deals_won integer, deals_lost integer, "
                                      "won_amount_usd numeric(18, 4)",
                                      [dict(tenant_id="tn_a", user_id="u1", month=NOV, full_name="Ana Ruiz", team="east",
                                            deals_won=3, deals_lost=1, won_amount_usd=3000),
                                       dict(tenant_id="tn_a", user_id="u2", month=NOV, full_name="Ben Sato", team="west",
                                            deals_won=7, deals_lost=5, won_amount_usd=7000),
                                       dict(tenant_id="tn_a", user_id="u1", month=OCT, full_name="Ana Ruiz", team="east",
                                            deals_won=9, deals_lost=0, won_amount_usd=9000)]),
    "sales_funnel": ("tenant_id varchar(20), cohort_month date, lead_source varchar(20), leads integer, "
                     "qualified integer, proposal integer, won integer, customer integer",
                     [dict(tenant_id="tn_a", cohort_month=NOV, lead_source="web", leads=300, qualified=15, proposal=20,
                           won=8, customer=6),
                      dict(tenant_id="tn_a", cohort_month=NOV, lead_source="event", leads=165, qualified=0, proposal=10,
                           won=2, customer=1)]),
    "customer_health_monthly": ("tenant_id varchar(20), month date, scored_accounts integer, healthy_accounts integer, "
                                "stable_accounts integer, at_risk_accounts integer, critical_accounts integer, "
                                "average_health_score double precision, at_risk_mrr numeric(18, 4)",
                                [dict(tenant_id="tn_a", month=OCT, scored_accounts=10, healthy_accounts=6,
                                      stable_accounts=2, at_risk_accounts=1, critical_accounts=1,
                                      average_health_score=70.25, at_risk_mrr=150),
                                 dict(tenant_id="tn_a", month=NOV, scored_accounts=10, healthy_accounts=5,
                                      stable_accounts=2, at_risk_accounts=2, critical_accounts=1,
                                      average_health_score=64.5, at_risk_mrr=300)]),
    "fct_customer_churn": ("tenant_id varchar(20), customer_id varchar(20), churn_month date, segment varchar(20), "
                           "lost_mrr numeric(18, 4), tenure_months integer, last_health_band varchar(20)",
                           [dict(tenant_id="tn_a", customer_id="cus_7", churn_month=NOV, segment="smb", lost_mrr=40.005,
                                 tenure_months=5, last_health_band="critical"),
                            dict(tenant_id="tn_a", customer_id="cus_3", churn_month=NOV, segment="enterprise",
                                 lost_mrr=60, tenure_months=20, last_health_band="at_risk"),
                            dict(tenant_id="tn_a", customer_id="cus_1", churn_month=OCT, segment="smb", lost_mrr=30,
                                 tenure_months=2, last_health_band="stable")]),
    "renewals_quarterly": ("tenant_id varchar(20), quarter date, plan_term varchar(20), renewals_due integer, "
                           "renewals_decided integer, renewed integer, not_renewed integer, upcoming integer, "
                           "renewal_rate double precision",
                           [dict(tenant_id="tn_a", quarter=OCT, plan_term="1 month", renewals_due=30, renewals_decided=20,
                                 renewed=18, not_renewed=2, upcoming=10, renewal_rate=0.9),
                            dict(tenant_id="tn_a", quarter=OCT, plan_term="1 year", renewals_due=2, renewals_decided=1,
                                 renewed=0, not_renewed=1, upcoming=1, renewal_rate=0.0),
                            dict(tenant_id="tn_a", quarter=date(2026, 7, 1), plan_term="1 month", renewals_due=28,
                                 renewals_decided=28, renewed=21, not_renewed=7, upcoming=0, renewal_rate=0.75)]),
    "revenue_unit_economics": ("tenant_id varchar(20), month date, arpa numeric(18, 4), ltv numeric(18, 4), "
                               "cac numeric(18, 4), ltv_to_cac double precision",
                               [dict(tenant_id="tn_a", month=OCT, arpa=110, ltv=2200, cac=500, ltv_to_cac=4.4),
                                dict(tenant_id="tn_a", month=NOV, arpa=109.0905, ltv=None, cac=400, ltv_to_cac=None)]),
    "cash_daily": ("tenant_id varchar(20), day date, invoiced_usd numeric(18, 4), collected_usd numeric(18, 4), "
                   "refunded_usd numeric(18, 4), failed_payments integer, recovered_payments integer",
                   [dict(tenant_id="tn_a", day=d, invoiced_usd=50, collected_usd=40, refunded_usd=d.day % 2,
                         failed_payments=2, recovered_payments=d.day % 2) for d in days(SEP, date(2026, 12, 5))]),
    "mrr_by_segment": ("tenant_id varchar(20), month date, segment varchar(20), mrr numeric(18, 4), "
                       "arr numeric(18, 4), active_customers integer, arpa numeric(18, 4)",
                       [dict(tenant_id="tn_a", month=NOV, segment="smb", mrr=199.995, arr=2399.94, active_customers=6,
                             arpa=33.3325),
                        dict(tenant_id="tn_a", month=NOV, segment="enterprise", mrr=1000, arr=12000,
                             active_customers=5, arpa=200)]),
    "targets_vs_actuals": ("tenant_id varchar(20), metric varchar(20), month date, target numeric(18, 4), "
                           "actual numeric(18, 4), attainment double precision",
                           [dict(tenant_id="tn_a", metric="mrr", month=NOV, target=1250, actual=1199.995,
                                 attainment=0.959996),
                            dict(tenant_id="tn_a", metric="store_revenue", month=NOV, target=3000, actual=3465,
                                 attainment=1.155),
                            dict(tenant_id="tn_a", metric="mrr", month=OCT, target=1000, actual=1100, attainment=1.1)]),
    "mrr_by_product": ("tenant_id varchar(20), month date, product_name varchar(40), arr numeric(18, 4), "
                       "paying_customers integer",
                       [dict(tenant_id="tn_a", month=NOV, product_name="Core", arr=12000, paying_customers=11),
                        dict(tenant_id="tn_a", month=NOV, product_name="Add-on", arr=2399.94, paying_customers=3)]),
}


def literal(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, date):
        return f"date '{value.isoformat()}'"
    if isinstance(value, str):
        return f"'{value}'"
    return repr(value)


def fixture_statements() -> list[str]:
    statements = ["create schema marts"]
    for table, (columns, rows) in MARTS.items():
        statements.append(f"create table marts.{table} ({columns})")
        names = [c.strip().split()[0] for c in columns.split(", ") if not c.strip()[0].isdigit()]
        values = ", ".join("(" + ", ".join(literal(row[n]) for n in names) + ")" for row in rows)
        statements.append(f"insert into marts.{table} ({', '.join(names)}) values {values}")
    return statements


@pytest.fixture(scope="module")
def duckdb_marts(tmp_path_factory):
    path = tmp_path_factory.mktemp("marts") / "hand_made.duckdb"
    con = duckdb.connect(str(path))
    for statement in fixture_statements():
        con.execute(statement)
    con.close()
    return path


@pytest.fixture(scope="module")
def readers(duckdb_marts):
    """A SQL -> DataFrame reader per engine over the same rows."""
    import psycopg

    from orchestration.dagster_defs.warehouse import frame_reader
    from orchestration.generator.load import pg_conninfo
    dbname = pg_test_db("reports_marts")
    reset_pg_database(dbname)
    pg = psycopg.connect(**pg_conninfo(dbname), autocommit=True)
    for statement in fixture_statements():
        pg.execute(statement)
    con = duckdb.connect(str(duckdb_marts), read_only=True)
    yield {"duckdb": frame_reader(con), "postgres": frame_reader(pg)}
    con.close()
    pg.close()


def test_the_last_complete_day_week_and_month_follow_the_period_rule():
    daily, weekly, monthly = (last_complete_range(c, AS_OF) for c in ("daily", "weekly", "monthly"))
    assert (daily.days, daily.previous_days) == (Window(date(2026, 12, 5), date(2026, 12, 5)),
                                                 Window(date(2026, 12, 4), date(2026, 12, 4)))
    assert (weekly.days, weekly.previous_days) == (Window(date(2026, 11, 23), date(2026, 11, 29)),
                                                   Window(date(2026, 11, 16), date(2026, 11, 22)))
    # whole months compare with the month before, not with the 30 days before
    assert (monthly.days, monthly.previous_days) == (Window(NOV, date(2026, 11, 30)), Window(OCT, date(2026, 10, 31)))
    assert (monthly.months, monthly.previous_months) == (Window(NOV, NOV), Window(OCT, OCT))
    # a week has no whole month: the last month that ends on or before its Sunday, October
    assert (weekly.months, weekly.previous_months) == (Window(OCT, OCT), Window(SEP, SEP))
    # on the Monday the week just ended is complete; on the last day of a month that month is not
    assert last_complete_range("weekly", date(2026, 11, 30)).days == Window(date(2026, 11, 23), date(2026, 11, 29))
    assert last_complete_range("monthly", date(2026, 11, 30)).days == Window(OCT, date(2026, 10, 31))
    assert ReportRange(date(2026, 10, 1), date(2026, 11, 30)).previous_days == Window(date(2026, 8, 1),
                                                                                      date(2026, 9, 30))
    assert ReportRange(date(2026, 10, 15), date(2026, 11, 30)).months == Window(NOV, NOV)
    with pytest.raises(ValueError, match="before its start"):
        ReportRange(date(2026, 11, 2), date(2026, 11, 1))


# (kind, figure, value, previous, change), monthly report as of 2026-12-06: November against October
MONTHLY = [
    # leads: 1 + ... + 30 = 465; October 1 + ... + 31 = 496; 465 / 496 - 1 = -6.25 % -> -6.3 % (half-up)
    ("sales", "leads", "465", "496", "-6.3%"),
    # 15 even days of 30 over 465 leads = 3.23 %; October 15 of 496 = 3.02 %: +0.2 points
    ("sales", "lead_qualification_rate", "3.2%", "3.0%", "+0.2 pp"),
    # 10 x 465 / (2 x 30) = 77.50; October 10 x 496 / 62 = 80.00
    ("sales", "avg_lead_score", "77.50", "80.00", "-2.50"),
    # won on days 3, 6, ..., 30: 10; lost on 5, 10, ..., 30: 6; 10 / 16 = 62.5 %; October the same
    ("sales", "win_rate", "62.5%", "62.5%", "0.0 pp"),
    ("sales", "average_deal_size_usd", "$1,000.00", "$1,000.00", "0.0%"),
    # November's two deal types: 50,000 + 2,500.50; October 40,000
    ("sales", "open_pipeline_usd", "$52,500.50", "$40,000.00", "+31.3%"),
    ("customer_success", "at_risk_accounts", "2", "1", "+100.0%"),
    ("customer_success", "average_health_score", "64.50", "70.25", "-5.75"),
    # 2 churned of 10 at the month's start; October 1 of 10
    ("customer_success", "logo_churn_rate", "20.0%", "10.0%", "+10.0 pp"),
    # -(-100.005) rounds half-up to 100.01
    ("customer_success", "revenue_churn_usd", "$100.01", "$30.00", "+233.4%"),
    # (1,100 + 0 - 10 - 100.005) / 1,100 = 89.9995 % -> 90.0 %; October (1,000 + 50 - 20 - 30) / 1,000 = 100.0 %
    ("customer_success", "net_revenue_retention", "90.0%", "100.0%", "-10.0 pp"),
    # Q4 2026: 18 + 0 renewed of 20 + 1 decided = 85.7 %; Q3 21 of 28 = 75.0 %
    ("customer_success", "renewal_rate", "85.7%", "75.0%", "+10.7 pp"),
    ("revenue", "mrr", "$1,200.00", "$1,100.00", "+9.1%"),
    ("revenue", "net_new_mrr", "$100.00", "$100.00", "$0.00"),
    ("revenue", "ltv", "n/a", "$2,200.00", "n/a"),
    # invoiced 50 a day: 1,500 in November, 1,550 in October
    ("revenue", "invoiced_usd", "$1,500.00", "$1,550.00", "-3.2%"),
    # recovered on odd days: 15 of 60 failed in November, 16 of 62 in October
    ("revenue", "payment_recovery_rate", "25.0%", "25.8%", "-0.8 pp"),
    # revenue 100 + d: 3,000 + 465 = 3,465; October 3,100 + 496 = 3,596
    ("executive", "store_revenue_usd", "$3,465.00", "$3,596.00", "-3.6%"),
    # 3,465 / 60 orders = 57.75; October 3,596 / 62 = 58.00
    ("executive", "average_order_value_usd", "$57.75", "$58.00", "-0.4%"),
    # at risk + critical: 2 + 1 = 3; October 1 + 1 = 2
    ("executive", "at_risk_or_critical_accounts", "3", "2", "+50.0%"),
]


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
@pytest.mark.parametrize(("kind", "name", "value", "previous", "change"), MONTHLY,
                         ids=[f"{k}-{n}" for k, n, *_ in MONTHLY])
def test_monthly_figures_are_the_marts_summed_over_the_month(readers, engine, kind, name, value, previous, change):
    reports = read_reports(readers[engine], kind, last_complete_range("monthly", AS_OF), AS_OF)
    assert sorted(reports) == ["tn_a", "tn_b"]
    figure = reports["tn_a"].figure(name)
    assert (figure.text, figure.previous_text, figure.change.text) == (value, previous, change)


def test_tables_keep_to_the_tenant_and_the_range(readers):
    monthly = read_reports(readers["duckdb"], "sales", last_complete_range("monthly", AS_OF), AS_OF)
    tables = {table.title: rows for table, _, rows in monthly["tn_a"].tables}
    # November only: Ben 7 won for 7,000 ahead of Ana's 3 (her 9 October deals are not in it); 7 / 12 = 0.583
    assert [(r["full_name"], int(r["deals_won"]), round(float(r["win_rate"]), 3))
            for r in tables["Top performers"]] == [("Ben Sato", 7, 0.583), ("Ana Ruiz", 3, 0.75)]
    assert [r["lead_source"] for r in tables["Lead funnel by source (leads created in the months)"]] == ["web", "event"]
    # tn_b's 1,000 leads a day are its own
    assert monthly["tn_b"].figure("leads").text == "30,000"


def csv_rows(path) -> dict[str, dict]:
    with path.open() as handle:
        return {row["metric"]: row for row in csv.DictReader(handle)}


def pdf_text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.fixture(scope="module")
def written(readers, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    return {cadence: write_reports(readers["duckdb"], last_complete_range(cadence, AS_OF), out, as_of=AS_OF)
            for cadence in ("daily", "weekly", "monthly")}


def files_of(output, kind: str) -> dict[str, object]:
    return {p.suffix.lstrip("."): p for p in output.files if p.name.startswith(f"{kind}_report_")}


def test_each_kind_has_its_three_files_per_tenant(written):
    for cadence, outputs in written.items():
        assert sorted(outputs) == ["tn_a", "tn_b"]
        for output in outputs.values():
            assert len(output.files) == 12 and all(p.stat().st_size > 0 for p in output.files)
            assert {p.parent.name for p in output.files} == {cadence}
    monthly = files_of(written["monthly"]["tn_a"], "sales")
    assert monthly["pdf"].name == "sales_report_tn_a_2026-11-01_2026-11-30.pdf"


def test_the_csv_carries_the_figures_and_their_period_bounds(written):
    rows = csv_rows(files_of(written["monthly"]["tn_a"], "sales")["csv"])
    leads = rows["leads"]
    assert (leads["period_start"], leads["period_end"], leads["value"]) == ("2026-11-01", "2026-11-30", "465")
    assert (leads["previous_start"], leads["previous_end"], leads["previous_value"]) == ("2026-10-01", "2026-10-31",
                                                                                          "496")
    assert rows["lead_qualification_rate"]["value"] == "0.032258"          # 15 / 465
    pipeline = rows["open_pipeline_usd"]                                     # a month-end stock: November
    assert (pipeline["period_start"], pipeline["period_end"], pipeline["value"]) == ("2026-11-01", "2026-11-30",
                                                                                     "52500.50")
    revenue = csv_rows(files_of(written["monthly"]["tn_a"], "revenue")["csv"])
    assert revenue["ltv"]["value"] == "" and revenue["ltv"]["previous_value"] == "2200.00"


def test_the_workbook_summary_and_table_sheets(written):
    book = openpyxl.load_workbook(files_of(written["monthly"]["tn_a"], "customer_success")["xlsx"])
    assert book.sheetnames == ["Summary", "Churned customers", "Renewals by plan term"]
    summary = book["Summary"]
    assert summary["A1"].value == "Customer Success report: tn_a"
    assert [c.value for c in summary[4]] == ["Section", "Figure", "Period", "This period", "Previous period",
                                             "Previous", "Change", "Mart"]
    rows = {r[1].value: r for r in summary.iter_rows(min_row=5)}
    churn = rows["Logo churn rate (churned / customers at month start)"]
    assert [c.value for c in churn[2:8]] == ["November 2026", 0.2, "October 2026", 0.1, pytest.approx(10.0),
                                             "marts.mrr_monthly"]
    assert churn[3].number_format == "0.0%"
    renewal = rows["Renewal rate (renewed / decided)"]
    assert renewal[2].value == "Q4 2026" and renewal[4].value == "Q3 2026"
    churned = list(book["Churned customers"].iter_rows(min_row=2, values_only=True))
    # November's churns, the larger loss first; October's cus_1 is not in it
    assert [(r[1], r[3]) for r in churned] == [("cus_3", 60.0), ("cus_7", 40.01)]


def test_each_kind_pdf_reads_its_figures(written):
    monthly = written["monthly"]["tn_a"]
    expected = {
        "sales": ("Sales report: tn_a", "New leads 465 496 -6.3%", "Ben Sato west 7 $7,000.00 5 58.3%"),
        "customer_success": ("Customer Success report: tn_a", "Average health score 64.50 70.25 -5.75",
                             "cus_3 enterprise $60.00 20 at_risk"),
        "revenue": ("Revenue report: tn_a", "MRR (USD) $1,200.00 $1,100.00 +9.1%", "Core $12,000.00 11"),
        "executive": ("Executive report: tn_a", "Store revenue (USD) $3,465.00 $3,596.00 -3.6%",
                      # every day of the month: the 30th, 100 + 30 of revenue, 30 leads, a deal won (3 | 30)
                      "2026-11-30 $130.00 2 2.0% 30 1",
                      # November's targets only, as the mart states them: 1,199.995 rounds half-up to 1,200.00
                      "2026-11-01 mrr $1,250.00 $1,200.00 96.0%\n2026-11-01 store_revenue $3,000.00 $3,465.00 115.5%"),
    }
    for kind, lines in expected.items():
        text = pdf_text(files_of(monthly, kind)["pdf"])
        assert "2026-11-01 to 2026-11-30, compared with 2026-10-01 to 2026-10-31" in text
        for line in lines:
            assert line in text, (kind, line, text[:2000])


def test_weekly_and_monthly_reports_of_one_day_differ_and_carry_their_periods(written):
    weekly, monthly = (files_of(written[c]["tn_a"], "sales") for c in ("weekly", "monthly"))
    assert weekly["pdf"].read_bytes() != monthly["pdf"].read_bytes()
    assert weekly["csv"].read_text() != monthly["csv"].read_text()
    week = csv_rows(weekly["csv"])["leads"]
    # 23 + ... + 29 = 182 against 16 + ... + 22 = 133
    assert [week[k] for k in ("period_start", "period_end", "value", "previous_start", "previous_end",
                              "previous_value")] == ["2026-11-23", "2026-11-29", "182", "2026-11-16", "2026-11-22", "133"]
    text = pdf_text(weekly["pdf"])
    assert "2026-11-23 to 2026-11-29, compared with 2026-11-16 to 2026-11-22" in text and "Weekly" in text
    assert "Monthly" in pdf_text(monthly["pdf"])
    # the week's month-end pipeline is October's (the last month ending by Sunday 11-29), against September's
    assert "October 2026 vs September 2026" in text
    daily = csv_rows(files_of(written["daily"]["tn_a"], "sales")["csv"])["leads"]
    assert [daily[k] for k in ("period_start", "period_end", "value", "previous_value")] == \
        ["2026-12-05", "2026-12-05", "5", "4"]


class SmtpSink(socketserver.StreamRequestHandler):
    """Just enough SMTP to receive messages: every DATA is kept on the server."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 sink")
        while line := self.rfile.readline():
            command = line.decode().strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 sink")
            elif command.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                self.server.envelope.append(line.decode().strip())
                self.reply("250 ok")
            elif command == "DATA":
                self.reply("354 go on")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                self.server.messages.append(b"".join(data))
                self.reply("250 kept")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not here")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SmtpSink)
    server.messages, server.envelope = [], []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def slack_server():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append((self.headers["Content-Type"], self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    server.received = received
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_email_arrives_with_every_file_and_the_tenant_numbers(written, smtp_server, monkeypatch):
    monkeypatch.setenv("REPORTS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("REPORTS_SMTP_PORT", str(smtp_server.server_address[1]))
    monkeypatch.setenv("REPORTS_SMTP_FROM", "reports@example.com")
    monkeypatch.setenv("REPORTS_SMTP_TO", "team@example.com")
    monkeypatch.setenv("REPORTS_SMTP_TO_TN_A", "a-owner@example.com, a-cfo@example.com")
    monkeypatch.delenv("REPORTS_SLACK_WEBHOOK_URL", raising=False)
    outputs = written["monthly"]
    lines = deliver_reports(outputs)
    assert lines == ["tn_a: e-mail to a-owner@example.com, a-cfo@example.com (12 files)",
                     "tn_b: e-mail to team@example.com (12 files)"]
    messages = [email.message_from_bytes(m, policy=policy.default) for m in smtp_server.messages]
    mine = next(m for m in messages if m["To"] == "a-owner@example.com, a-cfo@example.com")
    assert mine["Subject"] == "Reports for tn_a: 2026-11-01 to 2026-11-30"
    attachments = {part.get_filename(): part.get_payload(decode=True) for part in mine.iter_attachments()}
    assert sorted(attachments) == sorted(p.name for p in outputs["tn_a"].files)
    assert attachments["sales_report_tn_a_2026-11-01_2026-11-30.pdf"].startswith(b"%PDF")
    sent_csv = attachments["sales_report_tn_a_2026-11-01_2026-11-30.csv"].decode()
    assert sent_csv == files_of(outputs["tn_a"], "sales")["csv"].read_text()
    body = mine.get_body(preferencelist=("plain",)).get_content()
    assert "New leads: 465 (-6.3% vs previous)" in body and "MRR (USD): $1,200.00 (+9.1% vs previous)" in body
    assert "rcpt to:<a-cfo@example.com>" in [line.lower() for line in smtp_server.envelope]


def test_the_slack_message_is_text_and_blocks_with_the_numbers(written, slack_server, monkeypatch):
    monkeypatch.delenv("REPORTS_SMTP_HOST", raising=False)
    monkeypatch.setenv("REPORTS_SLACK_WEBHOOK_URL", f"http://127.0.0.1:{slack_server.server_address[1]}/hook")
    deliver_reports({"tn_a": written["weekly"]["tn_a"]})
    [(content_type, raw)] = slack_server.received
    payload = json.loads(raw)
    assert content_type == "application/json"
    assert payload["text"] == "Reports for tn_a: 2026-11-23 to 2026-11-29 (vs 2026-11-16 to 2026-11-22)"
    # Block Kit: a header of plain text (at most 150 characters), mrkdwn sections, a context
    header, *sections, context = payload["blocks"]
    assert header["type"] == "header" and header["text"]["type"] == "plain_text" and len(header["text"]["text"]) <= 150
    assert [s["type"] for s in sections] == ["section"] * 4 and all(s["text"]["type"] == "mrkdwn" for s in sections)
    assert "*Sales report*" in sections[0]["text"]["text"] and "New leads: *182* (+36.8%)" in sections[0]["text"]["text"]
    assert context["type"] == "context" and "sales_report_tn_a_2026-11-23_2026-11-29.pdf" in context["elements"][0]["text"]


def test_a_failed_delivery_is_one_line_after_retries_and_the_files_stay(written, slack_server, monkeypatch):
    import socket
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()                                  # nothing listens there
    monkeypatch.setattr(delivery, "BACKOFF_SECONDS", 0.0)
    monkeypatch.setenv("REPORTS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("REPORTS_SMTP_PORT", str(port))
    monkeypatch.setenv("REPORTS_SMTP_FROM", "reports@example.com")
    monkeypatch.setenv("REPORTS_SMTP_TO", "team@example.com")
    monkeypatch.setenv("REPORTS_SLACK_WEBHOOK_URL", f"http://127.0.0.1:{slack_server.server_address[1]}/hook")
    output = written["daily"]["tn_a"]
    with pytest.raises(delivery.DeliveryError) as failure:
        deliver_reports({"tn_a": output})
    message = str(failure.value)
    assert "\n" not in message
    assert message.startswith(f"e-mail for tn_a through 127.0.0.1:{port} failed after 3 attempts: ConnectionRefusedError")
    assert len(slack_server.received) == 1          # the webhook was still posted
    assert all(p.exists() and p.stat().st_size > 0 for p in output.files)
    monkeypatch.setenv("REPORTS_SMTP_PORT", "twenty-five")
    with pytest.raises(ValueError, match="REPORTS_SMTP_PORT must be a port number"):
        delivery.smtp_settings()


def test_the_cli_writes_a_chosen_range_and_refuses_a_bad_one(duckdb_marts, tmp_path, capsys, monkeypatch):
    from orchestration.cli import main
    monkeypatch.delenv("REPORTS_SMTP_HOST", raising=False)
    args = ["report", "--kind", "revenue", "--duckdb-path", str(duckdb_marts), "--as-of-date", "2026-12-06",
            "--out", str(tmp_path), "--tenant", "tn_a"]
    assert main([*args, "--start", "2026-10-01", "--end", "2026-11-30"]) == 0
    assert "revenue reports for 2026-10-01 to 2026-11-30: 3 files for 1 tenants" in capsys.readouterr().out
    rows = csv_rows(tmp_path / "range" / "revenue_report_tn_a_2026-10-01_2026-11-30.csv")
    # two whole months: movements summed, October + November net new 100 + 99.995; MRR at November's end;
    # compared with August and September (September's net new 100; August has no row)
    assert (rows["net_new_mrr"]["value"], rows["net_new_mrr"]["previous_value"]) == ("200.00", "100.00")
    assert (rows["mrr"]["period_start"], rows["mrr"]["value"]) == ("2026-11-01", "1200.00")
    assert (rows["net_new_mrr"]["previous_start"], rows["net_new_mrr"]["previous_end"]) == ("2026-08-01", "2026-09-30")
    for bad, message in ((["--start", "2026-11-30", "--end", "2026-11-01"], "--end 2026-11-01 is before --start"),
                         (["--start", "2026-11-01", "--end", "2026-12-06"], "is not before the as-of date"),
                         (["--cadence", "weekly", "--start", "2026-11-01"], "either --cadence or --start"),
                         ([], "give --start and --end")):
        assert main([*args, *bad]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err, err


def test_the_dagster_asset_writes_checks_and_fails_on_a_broken_delivery(duckdb_marts, tmp_path, monkeypatch):
    import socket

    import dagster as dg

    from orchestration.dagster_defs.reports import FILES_CHECK, period_reports
    from orchestration.dagster_defs.warehouse import WarehouseResource
    monkeypatch.setenv("WAREHOUSE_AS_OF_DATE", "2026-12-06")
    monkeypatch.setenv("WAREHOUSE_REPORTS_DIR", str(tmp_path))
    monkeypatch.delenv("REPORTS_SLACK_WEBHOOK_URL", raising=False)
    monkeypatch.delenv("REPORTS_SMTP_HOST", raising=False)
    resources = {"warehouse": WarehouseResource(target="duckdb", duckdb_path=str(duckdb_marts))}
    config = {"ops": {"reports__period_reports": {"config": {"cadence": "monthly", "kinds": ["sales", "revenue"]}}}}
    result = dg.materialize([period_reports], resources=resources, run_config=config)
    [materialization] = result.asset_materializations_for_node("reports__period_reports")
    assert materialization.metadata["period"].value == "2026-11-01 to 2026-11-30"
    assert materialization.metadata["previous_period"].value == "2026-10-01 to 2026-10-31"
    assert len(materialization.metadata["files"].value) == 12               # 2 tenants x 2 kinds x 3 formats
    assert [(c.check_name, c.passed) for c in result.get_asset_check_evaluations()] == [(FILES_CHECK, True)]
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    monkeypatch.setattr(delivery, "BACKOFF_SECONDS", 0.0)
    monkeypatch.setenv("REPORTS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("REPORTS_SMTP_PORT", str(port))
    monkeypatch.setenv("REPORTS_SMTP_FROM", "reports@example.com")
    monkeypatch.setenv("REPORTS_SMTP_TO", "team@example.com")
    failed = dg.materialize([period_reports], resources=resources, run_config=config, raise_on_error=False)
    assert not failed.success
    [event] = [e for e in failed.all_events if e.event_type_value == "STEP_FAILURE"]
    assert event.step_failure_data.error.message.startswith("dagster._core.definitions.events.Failure: report delivery "
                                                             "failed: e-mail for tn_a through 127.0.0.1")
    # the files were written and the materialization recorded before the delivery failed
    assert len(failed.asset_materializations_for_node("reports__period_reports")) == 1
    assert (tmp_path / "monthly" / "revenue_report_tn_a_2026-11-01_2026-11-30.pdf").stat().st_size > 0


def test_on_a_built_warehouse_the_reports_equal_sql_over_other_marts(warehouse):
    """On the generated warehouse (both engines), the range reports' period_kpis and mrr_monthly sums
    equal counts taken independently from the fact marts: leads created, deals won and their amount,
    and MRR summed over customers, for the last complete month and week before the build's as-of date."""
    from conftest import AS_OF as BUILT_AS_OF
    from conftest import query
    from orchestration.dagster_defs.warehouse import frame_reader
    if warehouse.target == "duckdb":
        con = duckdb.connect(warehouse.env["DBT_DUCKDB_PATH"], read_only=True)
    else:
        import psycopg

        from orchestration.generator.load import pg_conninfo
        con = psycopg.connect(**pg_conninfo(warehouse.env["PGDATABASE"]))
    try:
        read = frame_reader(con)
        for cadence in ("monthly", "weekly"):
            rng = last_complete_range(cadence, BUILT_AS_OF)
            days_between = f"between date '{rng.start.isoformat()}' and date '{rng.end.isoformat()}'"
            sales = read_reports(read, "sales", rng, BUILT_AS_OF)
            leads = dict(query(warehouse, "select tenant_id, count(*) from marts.fct_leads "
                                          f"where cast(created_at as date) {days_between} group by tenant_id"))
            won = {t: (n, amount) for t, n, amount in query(
                warehouse, "select tenant_id, count(*), sum(amount_usd) from marts.fct_opportunities "
                           f"where is_won and cast(closed_at as date) {days_between} group by tenant_id")}
            assert len(sales) == 3
            for tenant, report in sales.items():
                assert int(report.figure("leads").value) == leads.get(tenant, 0), (cadence, tenant)
                count, amount = won.get(tenant, (0, 0))
                assert int(report.figure("deals_won").value) == count, (cadence, tenant)
                assert round(float(report.figure("won_amount_usd").value), 2) == round(float(amount or 0), 2)
        month = last_complete_range("monthly", BUILT_AS_OF).months.last
        mrr = dict(query(warehouse, f"select tenant_id, sum(mrr) from marts.fct_mrr where month = date '{month}' "
                                    "group by tenant_id"))
        for tenant, report in read_reports(read, "revenue", last_complete_range("monthly", BUILT_AS_OF),
                                           BUILT_AS_OF).items():
            assert round(float(report.figure("mrr").value), 2) == round(float(mrr[tenant]), 2), tenant
    finally:
        con.close()
