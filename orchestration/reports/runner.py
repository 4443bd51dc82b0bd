"""The one code path of the range reports, for the CLI (`warehouse report`) and Dagster (the
`reports/period_reports` asset): read each kind from the marts, write every tenant's files, then
deliver them. Delivery comes after every file is written, so a failed delivery leaves the files."""
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from orchestration.reports.delivery import DeliveryError, deliver
from orchestration.reports.kinds import REPORT_KINDS, tenants_sql
from orchestration.reports.periodic import KindReport, QueryFrame, read_reports
from orchestration.reports.range_files import write_kind_report
from orchestration.reports.ranges import ReportRange


@dataclass
class TenantOutput:
    reports: list[KindReport] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    delivered: list[str] = field(default_factory=list)


def write_reports(query: QueryFrame, rng: ReportRange, out_dir: Path, kinds=REPORT_KINDS, as_of: date | None = None,
                  tenants: list[str] | None = None) -> dict[str, TenantOutput]:
    """Every tenant's files of every kind, under out_dir/<cadence>/ (range for chosen dates)."""
    for kind in kinds:
        if kind not in REPORT_KINDS:
            raise ValueError(f"report kind must be one of {', '.join(REPORT_KINDS)}, got {kind!r}")
    if tenants is None:        # every tenant gets every file, n/a where it has no rows in the range
        tenants = [str(t) for t in query(tenants_sql())["tenant_id"]]
    outputs: dict[str, TenantOutput] = {}
    for kind in kinds:
        for tenant, report in read_reports(query, kind, rng, as_of, tenants).items():
            output = outputs.setdefault(tenant, TenantOutput())
            output.reports.append(report)
            output.files += write_kind_report(out_dir / rng.cadence, report).values()
    return dict(sorted(outputs.items()))


def deliver_reports(outputs: dict[str, TenantOutput]) -> list[str]:
    """Deliver each tenant's files through every configured channel; all tenants are tried, then one
    DeliveryError line lists the failures."""
    failures = []
    for tenant, output in outputs.items():
        try:
            output.delivered = deliver(tenant, output.reports, output.files)
        except DeliveryError as e:
            failures.append(str(e))
    if failures:
        raise DeliveryError("; ".join(failures))
    return [f"{tenant}: {line}" for tenant, output in outputs.items() for line in output.delivered]
