"""Per-tenant executive reports from the marts: a one-page PDF (pdf), a workbook and a CSV (tables).
content says what the reports show; the writers only lay it out."""
from pathlib import Path

from orchestration.reports.content import TenantReport

KINDS = ("csv", "xlsx", "pdf")


def report_paths(out_dir: Path, tenant: str) -> dict[str, Path]:
    return {kind: out_dir / f"executive_report_{tenant}.{kind}" for kind in KINDS}


def write_tenant_report(out_dir: Path, report: TenantReport) -> dict[str, Path]:
    from orchestration.reports.pdf import write_pdf
    from orchestration.reports.tables import write_csv, write_xlsx
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = report_paths(out_dir, report.tenant)
    write_csv(report, paths["csv"])
    write_xlsx(report, paths["xlsx"])
    write_pdf(report, paths["pdf"])
    return paths
