"""`warehouse api`: serve the metrics API, and create or revoke API keys.

    warehouse api serve --target postgres --port 8000      # 127.0.0.1 unless --host says otherwise
    warehouse api key create --tenant tn_001                # prints the new key alone on stdout
    warehouse api key create --platform                     # a key that reads every tenant
    warehouse api key revoke --tenant tn_001                # revokes every key of the tenant
"""
import re
import sys


def _tenant(s: str) -> str:
    import argparse
    if not re.fullmatch(r"[A-Za-z0-9_]{1,40}", s):
        raise argparse.ArgumentTypeError(f"tenant ids are letters, digits and underscores, got {s!r}")
    return s


def add_parser(sub, parser_class) -> None:
    api = sub.add_parser("api", help="the metrics API over the marts (orchestration/api)")
    cmds = api.add_subparsers(dest="api_command", required=True, parser_class=parser_class)
    serve = cmds.add_parser("serve", help="serve the API with uvicorn")
    serve.add_argument("--target", choices=["duckdb", "postgres"], default=None, help="default: $DBT_TARGET or duckdb")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--workers", type=int, default=1)
    key = cmds.add_parser("key", help="API keys (stored hashed)")
    keys = key.add_subparsers(dest="key_command", required=True, parser_class=parser_class)
    for name, text in (("create", "create a key and print it"), ("revoke", "revoke every key of a tenant")):
        k = keys.add_parser(name, help=text)
        who = k.add_mutually_exclusive_group(required=True)
        who.add_argument("--tenant", type=_tenant)
        who.add_argument("--platform", action="store_true", help="the platform keys (every tenant)")
        k.add_argument("--target", choices=["duckdb", "postgres"], default=None)


def run(args) -> int:
    from orchestration.api.settings import ApiConfig
    config = ApiConfig.from_env(args.target)
    if args.api_command == "serve":
        serve(config, args.host, args.port, args.workers)
        return 0
    from orchestration.api.keys import key_store
    store = key_store(config)
    if args.key_command == "create":
        print(store.create(args.tenant))
        return 0
    revoked = store.revoke(args.tenant)
    print(f"revoked {revoked} key(s) of {args.tenant or 'the platform'}", file=sys.stderr)
    return 0


def serve(config, host: str, port: int, workers: int = 1) -> None:
    import os

    import uvicorn
    os.environ["DBT_TARGET"] = config.target     # the factory reads its configuration from the environment
    uvicorn.run("orchestration.api.server:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level="warning", access_log=False)
