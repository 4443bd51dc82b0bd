"""The API's connection to the warehouse, read-only.

Postgres: the API connects with the dbt profile's settings and runs every request in a read-only
transaction as the API key's login role (`set local role`, the PostgREST pattern), so row-level
security, not the API, decides which tenant's rows a request sees. DuckDB (the single-user demo)
has no row-level security: the file is opened read-only and a tenant key's queries are always
filtered to its tenant."""
import json
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from orchestration.api.catalog import to_engine
from orchestration.api.settings import POOL_SIZE, STATEMENT_TIMEOUT_MS, ApiConfig


class DatabaseUnavailable(Exception):
    """The warehouse did not answer (down, restarting, a query past the statement timeout, or a DuckDB
    file being written)."""


class LoginMissing(Exception):
    """The key's login role no longer exists (dropped by an operator): the key cannot be used."""


@dataclass(frozen=True)
class Principal:
    """Who a request runs as: a tenant's login (tenant_id set) or the platform login (None)."""
    key_id: str
    tenant_id: str | None
    role_name: str

    @property
    def scope(self) -> str:
        """The `{tenantId}` of cache keys."""
        return self.tenant_id or "platform"


def plain(value: Any) -> Any:
    """A driver value as JSON wants it (numbers as float or int, dates as ISO strings later)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    return value


def records(cursor_description, rows) -> list[dict]:
    names = [d[0] for d in cursor_description]
    return [{n: plain(v) for n, v in zip(names, row)} for row in rows]


class PostgresDatabase:
    """A small pool of autocommit connections. A lookup is one round trip; a request's panels are
    one read-only transaction: its set-up (role, timeout) in one round trip, the queries pipelined
    in another, then a rollback."""
    target = "postgres"

    def __init__(self, conninfo: dict, pool_size: int = POOL_SIZE):
        self.conninfo = conninfo
        self._idle: queue.LifoQueue = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(pool_size)

    def _connect(self):
        import psycopg
        return psycopg.connect(**self.conninfo, autocommit=True)

    @contextmanager
    def connection(self) -> Iterator:
        import psycopg
        if not self._slots.acquire(timeout=30):
            raise DatabaseUnavailable("no database connection free within 30 s")
        con = None
        try:
            try:
                con = self._idle.get_nowait()
            except queue.Empty:
                con = None
            if con is None or con.closed:
                con = self._connect()
            yield con
            self._idle.put(con)
        except psycopg.OperationalError as e:
            if con is not None:
                con.close()
            raise DatabaseUnavailable(str(e).strip().splitlines()[0] if str(e).strip() else "unreachable") from e
        except BaseException:
            if con is not None and not con.closed:
                try:
                    if con.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                        con.execute("rollback")
                    self._idle.put(con)
                except psycopg.Error:
                    con.close()
            raise
        finally:
            self._slots.release()

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return

    def ping(self) -> None:
        with self.connection() as con:
            con.execute("select 1")

    def authenticate(self, key_hash: str) -> Principal | None:
        with self.connection() as con:
            # a key whose login an operator dropped is no key (its cached answers included)
            row = con.execute("select key_id, tenant_id, role_name from security.api_keys as api_keys "
                              "where key_hash = %s and revoked_at is null "
                              "and exists (select 1 from pg_roles where pg_roles.rolname = api_keys.role_name)",
                              [key_hash]).fetchone()
        return Principal(*row) if row else None

    def _read(self, statements: list[tuple[str, dict]], role: str | None) -> list[list[dict]]:
        import psycopg
        from psycopg import sql
        setup = [sql.SQL("begin transaction read only"),
                 sql.SQL("set local statement_timeout = {}").format(sql.Literal(int(STATEMENT_TIMEOUT_MS)))]
        if role:
            setup.append(sql.SQL("set local role {}").format(sql.Identifier(role)))
        with self.connection() as con:
            try:
                con.execute(sql.SQL("; ").join(setup))
            except psycopg.errors.InvalidParameterValue as e:      # role "..." does not exist
                raise LoginMissing(role) from e
            try:
                with con.pipeline():
                    cursors = [con.execute(to_engine(text, "postgres"), params) for text, params in statements]
                out = [records(cur.description, cur.fetchall()) for cur in cursors]
            finally:
                con.execute("rollback")
        return out

    def fetch(self, principal: Principal, statements: list[tuple[str, dict]]) -> list[list[dict]]:
        """Each statement's rows, in one read-only transaction as the principal's login role."""
        return self._read(statements, principal.role_name)

    def fetch_json(self, principal: Principal, statements: list[tuple[str, dict]]) -> list[str]:
        """Each statement's rows as a JSON array made by Postgres (in the statement's order: an
        aggregate over a sorted subquery reads it in order), as the principal's login role."""
        wrapped = [(f"select coalesce(json_agg(panel_rows), '[]')::text as rows from ({text}) as panel_rows", params)
                   for text, params in statements]
        return [rows[0]["rows"] for rows in self._read(wrapped, principal.role_name)]

    def fetch_admin(self, statements: list[str]) -> list[list[dict]]:
        """Operator reads for /health (raw and staging row counts, build times): no tenant rows leave."""
        return self._read([(text, {}) for text in statements], None)


class DuckDatabase:
    target = "duckdb"

    def __init__(self, path: str, keys_path: str):
        self.path = path
        self.keys_path = keys_path
        self._con = None
        self._lock = threading.Lock()

    def _root(self):
        import duckdb
        with self._lock:
            if self._con is None:
                try:
                    self._con = duckdb.connect(self.path, read_only=True)
                except (duckdb.IOException, duckdb.CatalogException) as e:
                    raise DatabaseUnavailable(str(e).splitlines()[0]) from e
            return self._con

    @contextmanager
    def cursor(self):
        import duckdb
        cur = self._root().cursor()
        try:
            yield cur
        except duckdb.IOException as e:
            raise DatabaseUnavailable(str(e).splitlines()[0]) from e
        finally:
            cur.close()

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None

    def ping(self) -> None:
        with self.cursor() as cur:
            cur.execute("select 1")

    def authenticate(self, key_hash: str) -> Principal | None:
        from orchestration.api.keys import SqliteKeyStore
        return SqliteKeyStore(self.keys_path).lookup(key_hash)

    def fetch(self, principal: Principal, statements: list[tuple[str, dict]]) -> list[list[dict]]:
        out = []
        with self.cursor() as cur:
            for text, params in statements:
                if principal.tenant_id is not None:      # no row-level security here: the key's tenant, always
                    params = {**params, "tenant_id": principal.tenant_id}
                used = {k: v for k, v in params.items() if f":{k}" in text}
                cur.execute(to_engine(text, "duckdb"), used)
                out.append(records(cur.description, cur.fetchall()))
        return out

    def fetch_json(self, principal: Principal, statements: list[tuple[str, dict]]) -> list[str]:
        return [json.dumps([{k: iso(v) for k, v in row.items()} for row in rows], separators=(",", ":"))
                for rows in self.fetch(principal, statements)]

    def fetch_admin(self, statements: list[str]) -> list[list[dict]]:
        out = []
        with self.cursor() as cur:
            for text in statements:
                cur.execute(text)
                out.append(records(cur.description, cur.fetchall()))
        return out


def open_database(config: ApiConfig):
    if config.target == "postgres":
        from orchestration.generator.load import pg_conninfo
        return PostgresDatabase(pg_conninfo())
    return DuckDatabase(config.duckdb_path, config.keys_path)


def iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value
