"""Superset as the BI client of the Postgres warehouse (bi/superset/README.md).

    warehouse superset install   # only the venv (make test does this before the tests)
    warehouse superset setup     # install (own venv), initialise, register the warehouse, import dashboards
    warehouse superset serve     # serve it on 127.0.0.1:8088 (gunicorn), until stopped

Superset lives in its own virtual environment, .superset/venv: its dependencies clash with dbt's
and Dagster's. Its metadata is SQLite under SUPERSET_HOME (default .superset/). Secrets are
never in the repository: the Flask secret key and the admin password are read from
SUPERSET_SECRET_KEY / SUPERSET_ADMIN_PASSWORD, or generated once and kept in SUPERSET_HOME (mode 600).
The warehouse is registered with a BI login (default `superset_reader`, a platform member of
`analyst`: marts only, every tenant), host, port and database from the PG* variables.
"""
import hashlib
import os
import secrets
import subprocess
import sys
from pathlib import Path

from orchestration.generator.load import pg_conninfo

REPO = Path(__file__).resolve().parents[1]
BI_DIR = REPO / "bi" / "superset"
REQUIREMENTS = BI_DIR / "requirements.txt"
ASSETS = BI_DIR / "assets"
DEFAULT_LOGIN = "superset_reader"


def home() -> Path:
    return Path(os.environ.get("SUPERSET_HOME", REPO / ".superset")).resolve()


def venv() -> Path:
    """One install per checkout, shared by every SUPERSET_HOME (the tests use their own home)."""
    return REPO / ".superset" / "venv"


def venv_bin() -> Path:
    return venv() / "bin"


def _secret(env_name: str, file_name: str) -> str:
    """The value of env_name, else one generated on first use and kept in SUPERSET_HOME/file_name."""
    if os.environ.get(env_name):
        return os.environ[env_name]
    path = home() / file_name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32))
    return path.read_text().strip()


def admin_password() -> str:
    return _secret("SUPERSET_ADMIN_PASSWORD", "admin_password")


def superset_env() -> dict:
    return dict(os.environ, SUPERSET_HOME=str(home()), SUPERSET_CONFIG_PATH=str(BI_DIR / "superset_config.py"),
                SUPERSET_SECRET_KEY=_secret("SUPERSET_SECRET_KEY", "secret_key"), FLASK_APP="superset")


def _run(*cmd, env=None) -> None:
    subprocess.run([str(c) for c in cmd], check=True, env=env or superset_env(), cwd=REPO)


def _requirements_digest() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()


def installed() -> bool:
    marker = venv() / ".requirements.sha256"
    return marker.exists() and marker.read_text() == _requirements_digest()


def install() -> None:
    """The venv with the pinned Superset; skipped when it already holds these requirements."""
    if installed():
        return
    _run(sys.executable, "-m", "venv", "--clear", venv(), env=os.environ)
    _run(venv_bin() / "pip", "install", "--quiet", "-r", REQUIREMENTS, env=os.environ)
    (venv() / ".requirements.sha256").write_text(_requirements_digest())


def initialise() -> None:
    """Metadata schema, the admin user and Superset's roles and permissions: once per SUPERSET_HOME
    and Superset version."""
    marker = home() / ".initialised"
    if marker.exists() and marker.read_text() == _requirements_digest():
        return
    env = superset_env()
    _run(venv_bin() / "superset", "db", "upgrade", env=env)
    users = subprocess.run([str(venv_bin() / "superset"), "fab", "list-users"], env=env, cwd=REPO,
                           capture_output=True, text=True, check=True).stdout
    if "username:admin " not in users:
        _run(venv_bin() / "superset", "fab", "create-admin", "--username", "admin", "--firstname", "Warehouse",
             "--lastname", "Admin", "--email", "admin@localhost", "--password", admin_password(), env=env)
    _run(venv_bin() / "superset", "init", env=env)
    marker.write_text(_requirements_digest())


def warehouse_uri(login: str) -> str:
    info = pg_conninfo()
    return f"postgresql+psycopg2://{login}@{info['host']}:{info['port']}/{info['dbname']}"


def import_assets(login: str = DEFAULT_LOGIN, password_env: str | None = None, tenant: str | None = None) -> None:
    """Make the BI login (a member of `analyst`: of every tenant, or of `tenant` only) and import
    the bundle against it."""
    from orchestration import access
    if tenant:
        access.tenant_login(login, tenant, password_env)
    else:
        access.platform_login(login, password_env)
    env = superset_env()
    env["WAREHOUSE_SQLALCHEMY_URI"] = warehouse_uri(login)
    if password_env:
        env["SUPERSET_WAREHOUSE_PASSWORD"] = os.environ[password_env]
    _run(venv_bin() / "python", BI_DIR / "import_assets.py", ASSETS, env=env)


def setup(login: str = DEFAULT_LOGIN, password_env: str | None = None, tenant: str | None = None) -> None:
    install()
    initialise()
    import_assets(login, password_env, tenant)


def server_command(port: int = 8088) -> list[str]:
    """gunicorn on the loopback interface only: the warehouse data is behind its login."""
    return [str(venv_bin() / "gunicorn"), "--workers", "2", "--threads", "4", "--timeout", "120",
            "--bind", f"127.0.0.1:{port}", "superset.app:create_app()"]


def serve(port: int = 8088) -> None:
    command = server_command(port)
    os.execvpe(command[0], command, superset_env())
