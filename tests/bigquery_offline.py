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
