"""Compile the project for BigQuery without touching the network; keep emulator tests on loopback.

dbt-bigquery opens a client even for `compile --no-introspect`; the connection
manager's `open` is replaced by one that hands dbt a mock handle, and a socket
guard makes any attempt to reach the network fail loudly.
"""
import socket
from contextlib import contextmanager
from unittest import mock


class NetworkAccessError(RuntimeError):
    pass


@contextmanager
def no_network():
    def refuse(*args, **kwargs):
        raise NetworkAccessError(f"network access attempted: {args[1:] if len(args) > 1 else args}")

    with mock.patch.object(socket.socket, "connect", refuse), \
            mock.patch.object(socket.socket, "connect_ex", refuse), \
            mock.patch.object(socket, "create_connection", refuse), \
            mock.patch.object(socket, "getaddrinfo", refuse):
        yield


LOOPBACK = ("127.0.0.1", "::1", "localhost")
# For child processes (dbt, the loader): every proxy-aware HTTP client (google-auth, requests,
# httpx) sends anything not bound for the loopback interface to a closed local port.
LOOPBACK_ONLY_ENV = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
                     "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
                     "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


@contextmanager
def loopback_only():
    """Like no_network, but connections to 127.0.0.1 (a local emulator) are allowed."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_create, real_getaddrinfo = socket.create_connection, socket.getaddrinfo

    def check(address):
        host = address[0] if isinstance(address, tuple) else address
        if host not in LOOPBACK:
            raise NetworkAccessError(f"network access attempted beyond the loopback interface: {address}")

    def connect(self, address):
        check(address)
        return real_connect(self, address)

    def connect_ex(self, address):
        check(address)
        return real_connect_ex(self, address)

    def create_connection(address, *args, **kwargs):
        check(address)
        return real_create(address, *args, **kwargs)

    def getaddrinfo(host, *args, **kwargs):
        if host is not None:
            check((host.decode() if isinstance(host, bytes) else host,))
        return real_getaddrinfo(host, *args, **kwargs)

    with mock.patch.object(socket.socket, "connect", connect), \
            mock.patch.object(socket.socket, "connect_ex", connect_ex), \
            mock.patch.object(socket, "create_connection", create_connection), \
            mock.patch.object(socket, "getaddrinfo", getaddrinfo):
        yield


@contextmanager
def stub_bigquery_connection():
    from dbt.adapters.bigquery.connections import BigQueryConnectionManager
    from dbt.adapters.contracts.connection import ConnectionState

    def fake_open(cls, connection):
        connection.handle = mock.MagicMock(name="bigquery-client")
        connection.state = ConnectionState.OPEN
        return connection

    with mock.patch.object(BigQueryConnectionManager, "open", classmethod(fake_open)):
        yield


def compile_for_bigquery(project_dir, profiles_dir, target_path, vars_yaml):
    from dbt.cli.main import dbtRunner
    with no_network(), stub_bigquery_connection():
        return dbtRunner().invoke([
            "compile", "--target", "bigquery", "--no-introspect",
            "--project-dir", str(project_dir), "--profiles-dir", str(profiles_dir),
            "--target-path", str(target_path), "--vars", vars_yaml, "--quiet",
        ])


class FakeBigQuery:
    """The slice of google.cloud.bigquery.Client the marts Python computes use (orchestration/mart_writer.py):
    query() answered from the marts' rows given here (the first whose name is in the SQL),
    load_table_from_json() recorded."""

    def __init__(self, marts: dict[str, tuple[list[str], list[tuple]]]):
        from unittest import mock
        self.project = "warehouse-offline"
        self.marts = marts
        self.loads = []
        self.job = mock.Mock()

    def query(self, sql):
        from types import SimpleNamespace
        names, rows = next(v for k, v in self.marts.items() if k in sql)
        result = SimpleNamespace(schema=[SimpleNamespace(name=n) for n in names],
                                 rows=[SimpleNamespace(values=lambda r=r: r) for r in rows])
        return SimpleNamespace(result=lambda: _Rows(result))

    def load_table_from_json(self, rows, table_id, job_config):
        import json
        json.dumps(rows, allow_nan=False)                 # what the client would send: valid JSON
        self.loads.append((table_id, rows, job_config))
        return self.job


class _Rows:
    def __init__(self, result):
        self.schema = result.schema
        self._rows = result.rows

    def __iter__(self):
        return iter(self._rows)
