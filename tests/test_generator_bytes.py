"""The generator's output, row for row, for two fixed argument sets.

The digests in tests/fixtures/generator_bytes/ were recorded once from the generator and are
the truth this test holds the code to: a change meant only to make the generator easier to read
must leave every generated row, and every ledger row, exactly as it was. A change that is meant to
alter the data re-records them (`.venv/bin/python tests/test_generator_bytes.py --record`), and says so.
The rows are the same on every x86-64 CPU (orchestration/generator/portable.py) and for any number
of worker processes: the first case is generated with one, the second with as many as it has tenants.

Each Parquet file is read back and hashed column by column in file order (the generator writes
rows in a deterministic order), so the digest depends on the values and types only, not on Parquet
encoding or compression. The manifest is compared without its own hashes (those hash Arrow's IPC
bytes, which belong to the Arrow version) but with its row counts and arguments.
"""
import hashlib
import json
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from orchestration.generator.core import LEDGER_SCHEMA, generate

FIXTURES = Path(__file__).parent / "fixtures" / "generator_bytes"
AS_OF = date(2026, 11, 21)
# (tenants, scale, seed, worker processes): three base profiles; then four tenants, the fourth a smaller variant,
# with another seed, so the CRM, billing, commerce, clickstream and messaging paths all run twice
CASES = {
    "t3_s002_seed42": (3, 0.02, 42, 1),
    "t4_s001_seed7": (4, 0.01, 7, 4),
}
MANIFEST_OWN_HASHES = {"data_sha256", "table_sha256"}


def _column_digest(table) -> str:
    h = hashlib.sha256()
    for field, column in zip(table.schema, table.columns, strict=True):
        h.update(f"{field.name}:{field.type}\n".encode())
        h.update(repr(column.to_pylist()).encode())
        h.update(b"\n")
    return h.hexdigest()


def _digests(root: Path) -> dict[str, str]:
    out = {}
    for path in sorted(root.rglob("*.parquet")):
        name = str(path.relative_to(root))
        table = pq.read_table(path)
        if name == f"{LEDGER_SCHEMA}/manifest.parquet":
            rows = {k: v for k, v in zip(table["key"].to_pylist(), table["value"].to_pylist(), strict=True)
                    if k not in MANIFEST_OWN_HASHES}
            out[name] = hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()
        else:
            out[name] = _column_digest(table)
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_generated_rows_match_the_recorded_digests(tmp_path, case):
    tenants, scale, seed, workers = CASES[case]
    generate(tmp_path / case, tenants, scale, seed, AS_OF, progress=False, workers=workers)
    recorded = json.loads((FIXTURES / f"{case}.json").read_text())
    actual = _digests(tmp_path / case)
    assert sorted(actual) == sorted(recorded), "the set of generated files changed"
    changed = [name for name in recorded if actual[name] != recorded[name]]
    assert not changed, f"generated rows changed in: {', '.join(changed)}"


if __name__ == "__main__":
    import sys
    import tempfile
    if sys.argv[1:] != ["--record"]:
        sys.exit("usage: test_generator_bytes.py --record   (writes tests/fixtures/generator_bytes/)")
    for case, (tenants, scale, seed, workers) in sorted(CASES.items()):
        with tempfile.TemporaryDirectory() as tmp:
            generate(Path(tmp) / case, tenants, scale, seed, AS_OF, progress=False, workers=workers)
            (FIXTURES / f"{case}.json").write_text(json.dumps(_digests(Path(tmp) / case), indent=1, sort_keys=True) + "\n")
        print(f"recorded {case}")
