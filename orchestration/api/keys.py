"""API keys: one or more per tenant, or platform keys that read every tenant. Only a SHA-256 hash
of a key is stored (keys are 256 random bits, so a fast hash is enough); the key itself is printed
once, by `warehouse api key create`.

On Postgres the keys live in `security.api_keys` (no BI role may read it) and each tenant has an
API login role, `api_tenant_<tenant>` (a tenant login of orchestration/access.py: its rows only,
by row-level security), and `api_platform` for platform keys. On DuckDB they live in a SQLite file
beside the warehouse file, which the API opens read-only."""
import hashlib
import os
import re
import secrets
import sqlite3
from datetime import UTC, datetime

from orchestration.api.db import Principal

KEY_PREFIX = "wh_"


def role_prefix() -> str:
    """Roles are per Postgres server, not per database: WAREHOUSE_API_ROLE_PREFIX keeps two
    warehouses on one server (or two test runs) apart. Default `api`."""
    prefix = os.environ.get("WAREHOUSE_API_ROLE_PREFIX", "api")
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,20}", prefix):
        raise ValueError(f"WAREHOUSE_API_ROLE_PREFIX must be lower-case letters, digits, underscores: {prefix!r}")
    return prefix


def platform_role() -> str:
    return f"{role_prefix()}_platform"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def tenant_role(tenant_id: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_]{1,40}", tenant_id):
        raise ValueError(f"tenant ids are letters, digits and underscores (at most 40), got {tenant_id!r}")
    return f"{role_prefix()}_tenant_{tenant_id.lower()}"


def key_id(key: str) -> str:
    """A public name for a key (in logs and rate-limit counters): not enough to use it."""
    return hash_key(key)[:12]


PG_TABLE = """
create table if not exists security.api_keys (
    key_id text primary key,
    key_hash text not null unique,
    tenant_id text,
    role_name text not null,
    created_at timestamptz not null default now(),
    revoked_at timestamptz
)"""


class PostgresKeyStore:
    def __init__(self, conninfo: dict):
        self.conninfo = conninfo

    def _connect(self):
        import psycopg
        return psycopg.connect(**self.conninfo, autocommit=True)

    def create(self, tenant_id: str | None) -> str:
        from psycopg import sql

        from orchestration import access
        role = tenant_role(tenant_id) if tenant_id else platform_role()
        with self._connect() as con:
            if not con.execute("select 1 from pg_namespace where nspname = 'security'").fetchone():
                raise RuntimeError("schema security is missing: build the warehouse first (dbt build)")
            con.execute(PG_TABLE)
            con.execute("revoke all on security.api_keys from public")
        if tenant_id:
            access.tenant_login(role, tenant_id)
        else:
            access.platform_login(role)
        key = new_key()
        with self._connect() as con:
            # the API connects as the profile's role and switches to the key's role per request
            con.execute(sql.SQL("grant {} to current_user").format(sql.Identifier(role)))
            con.execute("insert into security.api_keys (key_id, key_hash, tenant_id, role_name) values (%s, %s, %s, %s)",
                        [key_id(key), hash_key(key), tenant_id, role])
        return key

    def revoke(self, tenant_id: str | None) -> int:
        with self._connect() as con:
            if not con.execute("select to_regclass('security.api_keys')").fetchone()[0]:
                return 0
            cur = con.execute("update security.api_keys set revoked_at = now() where revoked_at is null and "
                              "tenant_id is not distinct from %s", [tenant_id])
            return cur.rowcount


class SqliteKeyStore:
    def __init__(self, path: str):
        self.path = path

    def _connect(self):
        con = sqlite3.connect(self.path)
        con.execute("create table if not exists api_keys (key_id text primary key, key_hash text not null unique, "
                    "tenant_id text, role_name text not null, created_at text not null, revoked_at text)")
        return con

    def create(self, tenant_id: str | None) -> str:
        key = new_key()
        role = tenant_role(tenant_id) if tenant_id else platform_role()
        with self._connect() as con:
            con.execute("insert into api_keys values (?, ?, ?, ?, ?, null)",
                        [key_id(key), hash_key(key), tenant_id, role, datetime.now(UTC).isoformat()])
        return key

    def revoke(self, tenant_id: str | None) -> int:
        with self._connect() as con:
            cur = con.execute("update api_keys set revoked_at = ? where revoked_at is null and tenant_id is ?",
                              [datetime.now(UTC).isoformat(), tenant_id])
            return cur.rowcount

    def lookup(self, key_hash: str) -> Principal | None:
        try:
            con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        except sqlite3.OperationalError:
            return None
        try:
            row = con.execute("select key_id, tenant_id, role_name from api_keys where key_hash = ? and revoked_at is null",
                              [key_hash]).fetchone()
        except sqlite3.OperationalError:
            return None
        finally:
            con.close()
        return Principal(*row) if row else None


def key_store(config):
    if config.target == "postgres":
        from orchestration.generator.load import pg_conninfo
        return PostgresKeyStore(pg_conninfo())
    return SqliteKeyStore(config.keys_path)
