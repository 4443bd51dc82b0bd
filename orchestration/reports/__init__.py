"""Per-tenant executive reports from the marts: a one-page PDF (pdf), a workbook and a CSV (tables).
content says what the reports show; the writers only lay it out."""
import os
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
    # Each file is written under a temporary name beside its final one, and the three are renamed
    # into place only when all three are whole: a failure (or a kill) mid-write leaves the previous
    # set as it was, never a truncated file or a new CSV beside last month's PDF.
    temporary = {kind: path.with_name(f".{path.name}.{os.getpid()}.tmp") for kind, path in paths.items()}
    try:
        write_csv(report, temporary["csv"])
        write_xlsx(report, temporary["xlsx"])
        write_pdf(report, temporary["pdf"])
        for kind, path in paths.items():
            os.replace(temporary[kind], path)       # atomic on one file system
    finally:
        for path in temporary.values():
            path.unlink(missing_ok=True)
    return paths
