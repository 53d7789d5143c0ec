"""The sample workbooks of shared/samples and what their .expected.txt files say,
read the same way for every kind of import."""

import re
from pathlib import Path

import pytest

from services.importer.kinds import get_kind
from services.importer.sheets import read_rows

SAMPLES = Path(__file__).parents[2].parent / "shared" / "samples"
LIMITS = {"max_rows": 10_000, "max_unzipped_bytes": 50 << 20}


def expected_rows(name: str) -> tuple[dict[int, str], tuple[int, int]]:
    """Sheet row -> what happened to it, and (people landing, people in all)."""
    text = (SAMPLES / f"{name}.expected.txt").read_text(encoding="utf-8")
    rows = {int(n): why for n, why in re.findall(r"sheet row (\d+): (.+)", text)}
    landing, total = map(int, re.search(r"in all: (\d+) of (\d+)", text).groups())
    return rows, (landing, total)


def outcomes(kind_name: str, sample: str):
    kind = get_kind(kind_name)
    data = (SAMPLES / f"{sample}.xlsx").read_bytes()
    validator = kind.new_validator()
    rows = read_rows(data, kind.columns, **LIMITS)
    return {row.row: validator.check(row) for row in rows}


def assert_matches_expected(results, expected, counts):
    """Every named row ends as described; every other row is ok."""
    for row, why in expected.items():
        if why.startswith("blank row"):
            assert row not in results, why
        elif "must be rejected" in why:
            assert results[row].status == "error", (row, why)
            assert_message_fits(results[row].messages, why)
        else:
            assert results[row].status == "ok", (row, why, results[row].messages)

    others = [o for row, o in results.items() if row not in expected]
    assert [o for o in others if o.status != "ok"] == []
    landing = sum(o.status != "error" for o in results.values())
    assert (landing, len(results)) == counts


def assert_message_fits(messages, why):
    text = "；".join(messages)
    if "float" in why:
        assert "设置为文本格式" in text
    elif "check digit" in why:
        assert "校验位" in text
    elif "repeats the person" in why:
        earlier = re.search(r"sheet row (\d+)", why).group(1)
        assert f"与第{earlier}行重复" in text
    else:
        pytest.fail(f"no rule for {why!r}")
