"""Import the dashboards-as-code bundle into Superset, overwriting what is there, then read every
dataset's columns from the warehouse. Runs with Superset's own Python (its venv), called by
`warehouse superset setup`:

    SUPERSET_CONFIG_PATH=bi/superset/superset_config.py .superset/venv/bin/python \
        bi/superset/import_assets.py bi/superset/assets

The database URI (host, port, database, login; never a password) comes from WAREHOUSE_SQLALCHEMY_URI,
the login's password, if it has one, from SUPERSET_WAREHOUSE_PASSWORD: neither is in the bundle.
A chart's YAML holds its form data (`params`) only: the saved query context that the REST API's
/api/v1/chart/<id>/data/ answers from is derived from it here (query_context), so the two cannot
drift. The assets importer (the one behind Superset's /api/v1/assets/import/) overwrites databases,
datasets, charts and dashboards by uuid; charts and dashboards certified by the bundle's owner
("Data platform") that are no longer in it are deleted. So re-running gives the same Superset, and
analysts' own (uncertified) charts are left alone.
"""
import json
import os
import sys
from pathlib import Path

import yaml

DATABASE_FILE = "databases/warehouse.yaml"
MANAGED_BY = "Data platform"


def query_context(params: dict) -> str:
    """The query a chart's data endpoint runs, as Superset's frontend builds it from the form data: the
    x axis (truncated to the chart's time grain) and the group-by columns, or a raw table's columns;
    the metrics; the SQL filters as the WHERE clause; the order and row limit. No post-processing, so
    the API returns the rows the chart draws."""
    metrics = params.get("metrics") or ([params["metric"]] if params.get("metric") else [])
    where = " AND ".join(f"({f['sqlExpression']})" for f in params.get("adhoc_filters", [])
                         if f.get("expressionType") == "SQL" and f.get("clause") == "WHERE")
    if params.get("query_mode") == "raw":
        columns = list(params["all_columns"])
        orderby = [json.loads(c) for c in params.get("order_by_cols", [])]
    else:
        x_axis = params.get("x_axis")
        columns = []
        if x_axis and params.get("time_grain_sqla"):
            columns.append({"columnType": "BASE_AXIS", "sqlExpression": x_axis, "label": x_axis,
                            "expressionType": "SQL", "timeGrain": params["time_grain_sqla"]})
        elif x_axis:
            columns.append(x_axis)
        columns += params.get("groupby", [])
        orderby = [[x_axis, True]] if x_axis else [[metrics[0], False]] if metrics and columns else []
    query = {"filters": [], "extras": {"having": "", "where": where}, "applied_time_extras": {},
             "annotation_layers": [], "url_params": {}, "custom_params": {}, "custom_form_data": {},
             "post_processing": [], "columns": columns, "metrics": metrics, "orderby": orderby,
             "row_limit": params.get("row_limit", 10000)}
    return json.dumps({"datasource": {"id": 0, "type": "table"}, "force": False, "queries": [query],
                       "form_data": params, "result_format": "json", "result_type": "full"})


def read_bundle(root: Path) -> dict[str, str]:
    contents = {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*.yaml"))}
    for name, text in contents.items():
        if name.startswith("charts/"):
            chart = yaml.safe_load(text)
            chart["query_context"] = query_context(chart["params"])
            contents[name] = yaml.safe_dump(chart, sort_keys=False)
    database = yaml.safe_load(contents[DATABASE_FILE])
    database["sqlalchemy_uri"] = os.environ["WAREHOUSE_SQLALCHEMY_URI"]
    contents[DATABASE_FILE] = yaml.safe_dump(database, sort_keys=False)
    return contents


def main(root: Path) -> None:
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from superset import db, security_manager
        from superset.commands.importers.v1.assets import ImportAssetsCommand
        from superset.connectors.sqla.models import SqlaTable
        from superset.utils.core import override_user

        password = os.environ.get("SUPERSET_WAREHOUSE_PASSWORD")
        with override_user(security_manager.find_user(os.environ.get("SUPERSET_ADMIN_USER", "admin"))):
            contents = read_bundle(root)
            ImportAssetsCommand(contents, passwords={DATABASE_FILE: password} if password else {}).run()
        prune(db, contents)
        datasets = db.session.query(SqlaTable).all()
        for dataset in datasets:
            dataset.fetch_metadata()      # column names and types from the marts themselves
        db.session.commit()
        print(f"imported {len(datasets)} datasets, columns read from the warehouse")


def prune(db, contents: dict[str, str]) -> None:
    """Delete managed charts and dashboards whose uuid is no longer in the bundle."""
    from superset.models.dashboard import Dashboard
    from superset.models.slice import Slice

    in_bundle = {str(yaml.safe_load(text)["uuid"]) for name, text in contents.items()
                 if name.startswith(("charts/", "dashboards/"))}
    for model in (Dashboard, Slice):
        for obj in db.session.query(model).filter(model.certified_by == MANAGED_BY).all():
            if str(obj.uuid) not in in_bundle:
                print(f"removing {model.__name__} {obj.uuid}: no longer in the bundle")
                db.session.delete(obj)
    db.session.commit()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
