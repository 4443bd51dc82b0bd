"""Superset end to end on the Postgres warehouse: `warehouse superset setup` installs and initialises
Superset, registers the warehouse with a BI login and imports bi/superset/assets; gunicorn serves
it on a free loopback port. Every chart's data is rendered through Superset's REST API and checked
against the marts queried directly; each dashboard is opened in headless Chromium, must render all
its charts without an error, and its screenshot must not be blank. The bundle must match the
dbt exposures (same dashboards, same marts)."""
import json
import os
import re
import secrets
import signal
import subprocess
import time
from datetime import datetime, UTC
from pathlib import Path

import pytest
import yaml

from conftest import BIN, REPO, free_port, pg_query, warehouse_cli

pytestmark = pytest.mark.postgres

ASSETS = REPO / "bi" / "superset" / "assets"
LOGIN, TENANT_LOGIN = "test_superset_platform", "test_superset_tn_001"
SUPERSET_PYTHON = REPO / ".superset" / "venv" / "bin" / "python"


def bundle(kind: str) -> list[dict]:
    return [yaml.safe_load(p.read_text()) for p in sorted((ASSETS / kind).rglob("*.yaml"))]


def exposures() -> dict[str, dict]:
    doc = yaml.safe_load((REPO / "models" / "marts" / "_exposures.yml").read_text())
    return {e["name"]: e for e in doc["exposures"]}


def test_the_bundle_declares_the_exposed_dashboards_on_the_marts_they_depend_on():
    """Static: slugs are the exposures' URLs, and each dashboard's charts read only the marts its
    exposure depends on (so `dbt ls -s +exposure:...` tells what a dashboard needs)."""
    datasets = {d["uuid"]: d for d in bundle("datasets")}
    charts = {c["uuid"]: c for c in bundle("charts")}
    dashboards = bundle("dashboards")
    assert all(d["schema"] == "marts" for d in datasets.values())
    by_slug = {d["slug"]: d for d in dashboards}
    assert len(by_slug) == 4
    for name, exposure in exposures().items():
        slug = exposure["url"].rstrip("/").rsplit("/", 1)[-1]
        assert slug in by_slug, name
        chart_uuids = [n["meta"]["uuid"] for n in by_slug[slug]["position"].values()
                       if isinstance(n, dict) and n.get("type") == "CHART"]
        assert len(chart_uuids) == 4, slug
        read = {datasets[charts[u]["dataset_uuid"]]["table_name"] for u in chart_uuids}
        declared = {re.fullmatch(r"ref\('(\w+)'\)", d).group(1) for d in exposure["depends_on"]}
        assert read <= declared, (slug, read - declared)


@pytest.fixture(scope="module")
def superset(postgres_warehouse, tmp_path_factory):
    from orchestration import superset as superset_cli
    missing = [p for p in ("/usr/bin/chromium", "/usr/bin/chromedriver") if not Path(p).exists()]
    assert not missing, f"{missing} missing: apt-get install chromium chromium-driver (bi/superset/README.md)"
    # Installing would reach the package index; tests never do: `make test` installs first.
    assert superset_cli.installed(), "Superset is not installed: run `warehouse superset install` (make test does)"
    home = tmp_path_factory.mktemp("superset_home")
    env = dict(postgres_warehouse.env, SUPERSET_HOME=str(home), SUPERSET_ADMIN_PASSWORD=secrets.token_urlsafe(16),
               SUPERSET_SECRET_KEY=secrets.token_urlsafe(32))
    warehouse_cli(env, "superset", "setup", "--login", LOGIN)
    port = free_port()
    log = open(home / "server.log", "w")  # noqa: SIM115 (the server writes to it until the fixture ends)
    server = subprocess.Popen([str(BIN / "warehouse"), "superset", "serve", "--port", str(port)], env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    import requests
    try:
        for _ in range(120):
            try:
                if requests.get(f"{base}/health", timeout=2).text == "OK":
                    break
            except requests.RequestException:      # not listening yet, or the worker still booting
                pass
            assert server.poll() is None, (home / "server.log").read_text()[-3000:]
            time.sleep(0.5)
        api = requests.Session()
        token = api.post(f"{base}/api/v1/security/login", json={
            "username": "admin", "password": env["SUPERSET_ADMIN_PASSWORD"], "provider": "db"}).json()
        api.headers["Authorization"] = f"Bearer {token['access_token']}"
        yield {"base": base, "api": api, "env": env, "home": home, "wh": postgres_warehouse}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
        for role in (LOGIN, TENANT_LOGIN):
            warehouse_cli(postgres_warehouse.env, "access", "drop-login", role, check=False)


def get(superset, path: str) -> dict:
    response = superset["api"].get(superset["base"] + path)
    assert response.status_code == 200, (path, response.text[:500])
    return response.json()


def charts_by_name(superset) -> dict[str, int]:
    return {c["slice_name"]: c["id"] for c in get(superset, "/api/v1/chart/?q=(page_size:100)")["result"]}


def chart_rows(superset, chart_id: int) -> list[dict]:
    return get(superset, f"/api/v1/chart/{chart_id}/data/")["result"][0]["data"]


def month(epoch_ms) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).date().isoformat()


def test_superset_serves_the_four_dashboards_with_all_their_charts(superset):
    dashboards = {d["slug"]: d["id"] for d in get(superset, "/api/v1/dashboard/?q=(page_size:100)")["result"]}
    assert set(dashboards) == {"sales", "customer-success", "revenue", "executive"}
    for slug, dashboard_id in dashboards.items():
        assert len(get(superset, f"/api/v1/dashboard/{dashboard_id}/charts")["result"]) == 4, slug
    database = get(superset, "/api/v1/database/?q=(page_size:100)")["result"]
    assert [d["database_name"] for d in database] == ["warehouse"]


def test_every_chart_renders_rows_from_the_marts(superset):
    charts = charts_by_name(superset)
    assert len(charts) == 16
    empty = [name for name, chart_id in charts.items() if not chart_rows(superset, chart_id)]
    assert empty == []


def test_chart_figures_equal_the_marts_queried_directly(superset):
    """Superset's numbers are the marts' numbers: the MRR bridge month by month, and the at-risk
    list, against SQL on the marts as the warehouse owner."""
    charts = charts_by_name(superset)
    wh = superset["wh"]
    bridge = {month(r["month"]): (r["New"], r["Expansion"], r["Reactivation"], r["Contraction"], r["Churned"])
              for r in chart_rows(superset, charts["MRR movements"])}
    expected = {m.isoformat(): tuple(float(x) for x in rest) for m, *rest in pg_query(wh, """
        select month, sum(new_mrr), sum(expansion_mrr), sum(reactivation_mrr), sum(contraction_mrr),
               sum(churned_mrr)
        from marts.mrr_monthly group by month""")}
    assert len(expected) > 24 and bridge.keys() == expected.keys()
    for m, values in expected.items():
        assert bridge[m] == pytest.approx(values, abs=0.01), m
    at_risk = {(r["tenant_id"], r["customer_id"]) for r in chart_rows(superset, charts["At-risk accounts"])}
    assert at_risk == {tuple(r) for r in pg_query(wh, """
        select tenant_id, customer_id from marts.dim_customers
        where latest_health_band in ('at_risk', 'critical') and current_mrr > 0""")}


def test_registered_with_a_tenant_login_superset_shows_only_that_tenant(superset):
    """Row-level security reaches the BI tool: re-registered as a tenant login, every row of the
    lead funnel chart is tn_001's, while the platform login saw every tenant."""
    charts = charts_by_name(superset)
    before = {r["tenant_id"] for r in chart_rows(superset, charts["Lead funnel by cohort"])}
    assert before == {"tn_001", "tn_002", "tn_003"}
    try:
        warehouse_cli(superset["env"], "superset", "setup", "--login", TENANT_LOGIN, "--tenant", "tn_001")
        after = {r["tenant_id"] for r in chart_rows(superset, charts_by_name(superset)["Lead funnel by cohort"])}
        assert after == {"tn_001"}
    finally:
        warehouse_cli(superset["env"], "superset", "setup", "--login", LOGIN)


def test_each_dashboard_renders_in_headless_chromium(superset):
    from PIL import Image, ImageStat

    out = superset["home"] / "screenshots"
    env = dict(superset["env"], SUPERSET_PASSWORD=superset["env"]["SUPERSET_ADMIN_PASSWORD"])
    slugs = ["sales", "customer-success", "revenue", "executive"]
    proc = subprocess.run([str(SUPERSET_PYTHON), str(REPO / "bi" / "superset" / "screenshot_dashboards.py"),
                           superset["base"], str(out), *slugs], env=env, capture_output=True, check=False, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    shots = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert [s["slug"] for s in shots] == slugs
    for shot in shots:
        assert shot["charts"] == 4 and shot["errors"] == [], shot
        assert shot["hosts"] == [superset["base"].split("/")[2]], shot      # nothing but the server
        image = Image.open(shot["png"]).convert("RGB")
        assert image.size[0] >= 1200 and image.size[1] >= 900
        # Not blank: many colours, and a real share of the page differs from its background.
        colours = image.getcolors(maxcolors=1 << 20)
        background = max(colours)[1]
        drawn = sum(n for n, c in colours if sum(abs(a - b) for a, b in zip(c, background)) > 60)
        assert len(colours) > 200 and drawn / (image.size[0] * image.size[1]) > 0.03, shot
        assert max(ImageStat.Stat(image).stddev) > 20, shot
