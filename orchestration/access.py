"""BI logins on the Postgres warehouse (docs/ACCESS.md): every login is a member of `analyst`
(marts only); a tenant login is mapped to one tenant in security.tenant_members and row-level
security shows it that tenant's rows only; a platform login is a member of `platform_analyst`
and sees every tenant. Logins never get BYPASSRLS. The roles themselves are created by the dbt
build (on-run-start), so build once before adding logins.

    warehouse access tenant-login bi_acme tn_001 [--password-env BI_ACME_PASSWORD]
    warehouse access platform-login bi_platform
    warehouse access drop-login bi_acme
"""
import os

from psycopg import sql

from orchestration.generator.load import pg_conninfo


def _connect():
    import psycopg
    return psycopg.connect(**pg_conninfo(), autocommit=True)


def _password(password_env: str | None) -> str | None:
    if password_env and not os.environ.get(password_env):
        raise ValueError(f"environment variable {password_env} is empty")
    return os.environ.get(password_env) if password_env else None


def _ensure_login(con, role: str, password: str | None) -> None:
    exists = con.execute("select 1 from pg_roles where rolname = %s", [role]).fetchone()
    stmt = "alter role {} login nobypassrls" if exists else "create role {} login nobypassrls"
    con.execute(sql.SQL(stmt).format(sql.Identifier(role)))
    if password:
        con.execute(sql.SQL("alter role {} password {}").format(sql.Identifier(role), sql.Literal(password)))
    con.execute(sql.SQL("grant analyst to {}").format(sql.Identifier(role)))


def tenant_login(role: str, tenant_id: str, password_env: str | None = None) -> None:
    password = _password(password_env)
    with _connect() as con:
        _ensure_login(con, role, password)
        con.execute(sql.SQL("revoke platform_analyst from {}").format(sql.Identifier(role)))
        con.execute("insert into security.tenant_members (role_name, tenant_id) values (%s, %s) "
                    "on conflict (role_name) do update set tenant_id = excluded.tenant_id", [role, tenant_id])


def platform_login(role: str, password_env: str | None = None) -> None:
    password = _password(password_env)
    with _connect() as con:
        _ensure_login(con, role, password)
        con.execute("delete from security.tenant_members where role_name = %s", [role])
        con.execute(sql.SQL("grant platform_analyst to {}").format(sql.Identifier(role)))


def drop_login(role: str) -> None:
    with _connect() as con:
        con.execute("delete from security.tenant_members where role_name = %s", [role])
        con.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(role)))
