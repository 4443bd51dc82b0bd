"""Report generation over the API: start a tenant's executive report, poll it, download it.
The content and the writers are orchestration/reports' (the same PDF, XLSX and CSV the Dagster
asset writes), read from the marts as the key's login; jobs run in a background thread and their
files live under WAREHOUSE_API_REPORTS_DIR (default: a temporary directory) until the API stops."""
import shutil
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, Path as PathParam, Query
from fastapi.responses import FileResponse
from pydantic import BaseModel

from orchestration.api.db import Principal
from orchestration.api.settings import REPORT_FORMATS

KEEP_JOBS = 100     # finished reports kept (files and status) before the oldest are deleted
MEDIA = {"pdf": "application/pdf", "csv": "text/csv",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class ReportStatus(BaseModel):
    report_id: str
    tenant_id: str
    status: Literal["running", "done", "failed"]
    as_of_date: str | None = None
    downloads: dict[str, str] = {}
    message: str | None = None


@dataclass
class Job:
    report_id: str
    tenant_id: str
    owner_scope: str
    status: str = "running"
    as_of: date | None = None
    files: dict[str, Path] = field(default_factory=dict)
    message: str | None = None

    def view(self) -> ReportStatus:
        return ReportStatus(report_id=self.report_id, tenant_id=self.tenant_id, status=self.status,
                            as_of_date=self.as_of.isoformat() if self.as_of else None, message=self.message,
                            downloads={k: f"/api/v1/reports/{self.report_id}/download?format={k}" for k in self.files})


def render(db, principal: Principal, tenant: str, out_dir: Path) -> tuple[date, dict[str, Path]]:
    """The tenant's report from the marts, as the key's login (row-level security applies)."""
    import pandas as pd

    from orchestration.dagster_defs.reports import BRIDGE_SQL, KPI_SQL, movements_sql, tenant_rows
    from orchestration.reports import write_tenant_report
    from orchestration.reports.content import TenantReport, add_months, last_complete_month

    last = db.fetch(principal, [("select max(month) as month from marts.executive_kpis "
                                 "where tenant_id = :tenant_id", {"tenant_id": tenant})])[0][0]["month"]
    if last is None:
        raise LookupError(f"no executive_kpis rows for tenant {tenant}")
    as_of = add_months(date.fromisoformat(str(last)[:10]), 1)     # the clock the marts were built with
    kpis, bridge, movements = db.fetch(principal, [(KPI_SQL, {}), (BRIDGE_SQL, {}),
                                                   (movements_sql(last_complete_month(as_of)), {})])
    frames = [tenant_rows(pd.DataFrame(rows, columns=None if rows else ["tenant_id"]), tenant)
              for rows in (kpis, bridge, movements)]
    report = TenantReport(tenant=tenant, as_of=as_of, kpis=frames[0], bridge=frames[1], movements=frames[2])
    return as_of, write_tenant_report(out_dir, report)


def add_report_routes(app: FastAPI, limited, db, config) -> None:
    jobs: dict[str, Job] = {}
    root = Path(config.reports_dir) if config.reports_dir else Path(tempfile.mkdtemp(prefix="warehouse-api-reports-"))
    guard = Depends(limited("reports"))
    polled = Depends(limited("report_status"))

    def run(job: Job, principal: Principal) -> None:
        try:
            job.as_of, job.files = render(db, principal, job.tenant_id, root / job.report_id)
            job.status = "done"
        except LookupError as e:
            job.status, job.message = "failed", str(e)
        except Exception as e:          # reported on the job, logged; never a traceback to the client
            import logging
            logging.getLogger("warehouse.api").exception("report %s failed", job.report_id)
            job.status, job.message = "failed", f"the report could not be written ({type(e).__name__})"

    def owned(report_id: str, principal: Principal) -> Job:
        from orchestration.api.app import ApiError
        job = jobs.get(report_id)
        if job is None or (principal.tenant_id is not None and job.owner_scope != principal.scope):
            raise ApiError(404, "not_found", f"no report {report_id} for this key")
        return job

    from orchestration.api.app import ErrorResponse
    errors = {code: {"model": ErrorResponse} for code in (403, 404, 409)}

    @app.post("/api/v1/reports", response_model=ReportStatus, status_code=202, tags=["reports"], responses=errors,
              summary="Start a tenant's executive report (PDF, XLSX, CSV)")
    def start_report(principal: Annotated[Principal, guard],
                     tenant_id: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_]{1,40}$")] = None):
        from orchestration.api.app import ApiError
        tenant = tenant_id or principal.tenant_id
        if tenant is None:
            raise ApiError(422, "invalid_request", "a platform key names the tenant: ?tenant_id=...",
                           fields=[{"field": "tenant_id", "in": "query", "message": "required for a platform key"}])
        if principal.tenant_id is not None and tenant != principal.tenant_id:
            raise ApiError(403, "forbidden", "a tenant key makes reports of its own tenant only")
        job = Job(uuid.uuid4().hex, tenant, principal.scope)
        finished = [rid for rid, j in jobs.items() if j.status != "running"]
        for rid in finished[:max(0, len(jobs) - KEEP_JOBS + 1)]:      # the oldest finished ones go first
            shutil.rmtree(root / rid, ignore_errors=True)
            del jobs[rid]
        jobs[job.report_id] = job
        threading.Thread(target=run, args=(job, principal), daemon=True).start()
        return job.view()

    @app.get("/api/v1/reports/{report_id}", response_model=ReportStatus, tags=["reports"], summary="A report's status",
             responses=errors)
    def report_status(report_id: Annotated[str, PathParam(pattern=r"^[0-9a-f]{32}$")],
                      principal: Annotated[Principal, polled]):
        return owned(report_id, principal).view()

    @app.get("/api/v1/reports/{report_id}/download", tags=["reports"], summary="Download a finished report",
             response_class=FileResponse, responses={**errors, 200: {"content": {t: {} for t in MEDIA.values()}}})
    def download(report_id: Annotated[str, PathParam(pattern=r"^[0-9a-f]{32}$")], principal: Annotated[Principal, polled],
                 format: Annotated[Literal["pdf", "xlsx", "csv"], Query()] = "pdf"):
        from orchestration.api.app import ApiError
        job = owned(report_id, principal)
        if job.status != "done":
            raise ApiError(409, "not_ready", f"report {report_id} is {job.status}")
        assert format in REPORT_FORMATS
        path = job.files[format]
        return FileResponse(path, media_type=MEDIA[format], filename=path.name)
