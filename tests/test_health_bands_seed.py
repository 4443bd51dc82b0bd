"""The shipped health-band seed against the contract.

The dbt unit test `health_band_boundaries` proves the banding join with its own copy of
the seed, so it cannot notice a shipped `seeds/health_bands.csv` that drifted. Here the
shipped file itself is read and every score the raw contract allows is banded the way
docs/contracts/marts.md defines: `healthy` >= 75, `stable` 50–74, `at_risk` 25–49,
`critical` < 25. Both sides are read from the documents, so neither is a copy.
"""
import io
import re

import pandas as pd
import pytest
import yaml

from conftest import REPO
from orchestration import contract

SEED = REPO / "seeds" / "health_bands.csv"
MARTS_CONTRACT = REPO / "docs" / "contracts" / "marts.md"


def contract_bands() -> dict[str, tuple[float, float]]:
    """Each band's inclusive score range as the mart contract writes it."""
    text = MARTS_CONTRACT.read_text()
    sentence = re.search(r"Health bands from the latest score:(.*?)\.\s", text, re.S)
    assert sentence, "the mart contract no longer defines the health bands"
    bands: dict[str, tuple[float, float]] = {}
    for name, rule in re.findall(r"`(\w+)`\s+([^,]+)", sentence.group(1)):
        rule = " ".join(rule.split())
        if m := re.fullmatch(r">=\s*(\d+)", rule):
            bands[name] = (int(m.group(1)), float("inf"))
        elif m := re.fullmatch(r"<\s*(\d+)", rule):
            bands[name] = (float("-inf"), int(m.group(1)) - 1)
        elif m := re.fullmatch(r"(\d+)\s*[–-]\s*(\d+)", rule):
            bands[name] = (int(m.group(1)), int(m.group(2)))
        else:
            raise AssertionError(f"unreadable band rule in the contract: {name} {rule}")
    return bands


def score_bounds() -> tuple[int, int]:
    """The scores a staged row can hold: the raw contract's out_of_range bounds on score."""
    checks = [c for c in contract.table("raw_crm", "health_scores").checks()
              if c.reason == "out_of_range" and c.columns == ("score",)]
    assert len(checks) == 1 and checks[0].low is not None and checks[0].high is not None
    return checks[0].low, checks[0].high


def test_the_contract_defines_four_bands():
    assert contract_bands() == {"healthy": (75, float("inf")), "stable": (50, 74),
                                "at_risk": (25, 49), "critical": (float("-inf"), 24)}


def test_the_shipped_seed_names_the_contract_bands():
    seed = pd.read_csv(SEED)
    assert list(seed.columns) == ["band_order", "health_band", "min_score", "max_score"]
    assert sorted(seed["health_band"]) == sorted(contract_bands())
    assert seed["band_order"].is_unique


@pytest.mark.parametrize("score", range(score_bounds()[0], score_bounds()[1] + 1))
def test_every_allowed_score_falls_in_exactly_its_contract_band(score):
    """int_account_health_by_month joins `score between min_score and max_score`:
    each integer score must meet exactly one seed row, the contract's band."""
    seed = pd.read_csv(SEED)
    matches = seed[(seed["min_score"] <= score) & (score <= seed["max_score"])]["health_band"].tolist()
    expected = [name for name, (low, high) in contract_bands().items() if low <= score <= high]
    assert len(expected) == 1
    assert matches == expected, f"score {score}: seed gives {matches}, contract {expected}"


def test_the_band_join_unit_test_uses_the_shipped_rows():
    """`health_band_boundaries` proves the join on its own fixture: it proves the shipped
    seed only while that fixture holds the shipped rows."""
    doc = yaml.safe_load((REPO / "models" / "marts" / "customers" / "_customers__unit_tests.yml").read_text())
    test = next(t for t in doc["unit_tests"] if t["name"] == "health_band_boundaries")
    fixture = next(g for g in test["given"] if g["input"] == "ref('health_bands')")
    assert fixture["format"] == "csv"
    pd.testing.assert_frame_equal(pd.read_csv(io.StringIO(fixture["rows"])), pd.read_csv(SEED))
