"""Compile the project for BigQuery without touching the network.

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
