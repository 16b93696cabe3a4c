"""``fakes conformance``: the runner around the conformance suites."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fakes._conformance import BehaviourCollector, Outcome, main, render_markdown

SMALL = ["--", "-q", "-k", "test_api_version_check or test_get_blob or test_delete_tag_unsupported"]


def test_runs_the_suite_against_the_fake_and_writes_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.md"
    junit = tmp_path / "junit.xml"
    before = {k: v for k, v in os.environ.items() if k.startswith("FAKES_")}

    code = main(["--target", "fake", "--report", str(report), "--junit", str(junit), *SMALL])

    assert code == 0
    table = report.read_text()
    assert table.startswith("| behaviour | description | citation | fake | real |")
    assert "| ART-001 | GET /v2/ answers 200" in table
    assert "| ART-101 |" in table
    row = next(line for line in table.splitlines() if line.startswith("| ART-411 |"))
    assert row.endswith("| skip | — |")
    assert "ART-411 on fake: target 'fake'" in table  # skip reasons are listed
    assert junit.exists()
    assert "ART-001" in capsys.readouterr().out
    assert {k: v for k, v in os.environ.items() if k.startswith("FAKES_")} == before


@pytest.mark.parametrize("target", ["ftp://example.test", "prod"])
def test_rejects_unknown_targets(target: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--target", target])
    assert exit_info.value.code == 2


def test_one_real_target_per_run() -> None:
    with pytest.raises(SystemExit):
        main(["--target", "http://127.0.0.1:1", "--target", "http://127.0.0.1:2"])


def test_real_registry_needs_explicit_opt_in(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAKES_")}
    env["FAKES_REGISTRY_URL"] = "http://127.0.0.1:9"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--pyargs",
            "fakes.conformance.artifacts",
            "--import-mode=importlib",
            "-p",
            "no:cacheprovider",
            "-q",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "real targets are opt-in" in result.stdout + result.stderr


def test_outcomes_aggregate_per_behaviour() -> None:
    collector = BehaviourCollector()
    outcome = Outcome()
    outcome.add("skipped", "needs x")
    outcome.add("passed")
    assert outcome.status == "passed"
    outcome.add("failed")
    outcome.add("passed")
    assert (outcome.status, outcome.cases, outcome.reasons) == ("failed", 4, ["needs x"])
    collector.outcomes[("ART-1", "fake")] = outcome
    assert collector.failed
    assert collector.targets == ["fake"]
    assert render_markdown(collector, ["fake", "real"]).startswith("| behaviour |")
