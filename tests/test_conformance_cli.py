"""``fakes conformance``: the runner around the conformance suites."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import _demo_provider
from fakes.conformance._report import (
    Behaviour,
    BehaviourCollector,
    Outcome,
    render_markdown,
    render_text,
)
from fakes.conformance._runner import main

SMALL = ["--", "-q", "-k", "test_api_version_check or test_get_blob or test_delete_tag_unsupported"]


def _clean_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("FAKES_")}


def test_runs_the_suite_against_the_fake_and_writes_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    before = {k: v for k, v in os.environ.items() if k.startswith("FAKES_")}

    code = main(["--provider", "artifacts", "--target", "fake", "--report", "report.md",
                 "--junit", "junit.xml", *SMALL])

    assert code == 0
    table = (tmp_path / "report.md").read_text()  # relative paths: the caller's directory
    assert table.startswith("| behaviour | description | citation | fake | real |")
    assert "| ART-001 | GET /v2/ answers 200" in table
    assert "| ART-101 |" in table
    row = next(line for line in table.splitlines() if line.startswith("| ART-411 |"))
    assert row.endswith("| skip | — |")
    assert "ART-411 on fake: target 'fake'" in table  # skip reasons are listed
    assert "artifacts.test_base" in (tmp_path / "junit.xml").read_text()
    out = capsys.readouterr().out
    assert "ART-001" in out
    assert {k: v for k, v in os.environ.items() if k.startswith("FAKES_")} == before
    assert Path.cwd() == tmp_path
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junit.xml", "report.md"]


def test_a_suite_runs_by_provider_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--provider", "artifacts", "--", "-q", "-k", "test_api_version_check"]) == 0
    assert "ART-001" in capsys.readouterr().out


def test_a_failure_names_the_test_relative_to_the_suite(tmp_path: Path) -> None:
    """Nothing listens on port 9: the real target's test fails, and says where."""
    result = subprocess.run(
        [sys.executable, "-m", "fakes.cli", "conformance", "--provider", "artifacts",
         "--target", "fake", "--target", "http://127.0.0.1:9",
         "--", "-q", "-k", "test_api_version_check"],
        capture_output=True, text=True, cwd=tmp_path, env=_clean_environment(),
        timeout=120, check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAILED artifacts/test_base.py::test_api_version_check[real]" in result.stdout
    assert "artifacts/test_base.py:" in result.stdout  # the traceback's location
    row = next(line for line in result.stdout.splitlines() if line.startswith("ART-001"))
    assert row.split()[-2:] == ["pass", "FAIL"]
    assert "Warning" not in result.stdout + result.stderr
    assert list(tmp_path.iterdir()) == []  # no .hypothesis/, nothing else


@pytest.mark.parametrize("target", ["ftp://example.test", "prod"])
def test_rejects_unknown_targets(target: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--provider", "artifacts", "--target", target])
    assert exit_info.value.code == 2
    assert "--target must be 'fake' or an http(s) URL" in capsys.readouterr().err


def test_one_real_target_per_run(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--provider", "artifacts", "--target", "http://127.0.0.1:1", "--target",
              "http://127.0.0.1:2"])
    assert "only one real target (URL) per run" in capsys.readouterr().err


def test_a_profile_needs_a_real_target(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--provider", "artifacts", "--target", "fake", "--profile", "distribution-2.8"])
    assert "--profile describes a real target" in capsys.readouterr().err


def test_real_registry_needs_explicit_opt_in(tmp_path: Path) -> None:
    env = _clean_environment()
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
    output = result.stdout + result.stderr
    assert (
        "refusing to run the artifacts conformance suite against the real registry at "
        "http://127.0.0.1:9: real targets are opt-in." in output
    )
    assert "fakes conformance --provider artifacts --target URL" in output


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


def test_the_terminal_table_wraps_long_descriptions_instead_of_cutting_them() -> None:
    collector = BehaviourCollector()
    description = " ".join(f"word{n}" for n in range(40))
    collector.behaviours["ART-9"] = Behaviour(
        "ART-9", description, "https://example.test/spec.md#a-section; https://example.test/b"
    )
    collector.outcomes[("ART-9", "fake")] = Outcome("passed", 1)

    text = render_text(collector, ["fake", "real"], width=80)

    lines = text.splitlines()
    assert lines[0].split() == ["behaviour", "description", "citation", "fake", "real"]
    assert all(len(line) <= 80 for line in lines)
    assert "…" not in text
    assert " ".join(text.split()).count("word39") == 1
    body = lines[2:]
    assert body[0].startswith("ART-9") and body[0].endswith("pass  —")
    assert "spec.md#a-section +1" in text
    wrapped = " ".join(line[len("ART-9"):].split("spec.md")[0].strip() for line in body)
    assert description in " ".join(wrapped.split())


# -- the janitor and a plugged-in provider ---------------------------------------------------


@pytest.fixture
def demo(tmp_path: Path) -> dict[str, str]:
    return _demo_provider.environment(_demo_provider.install(tmp_path / "site"))


def _conformance(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fakes.cli", "conformance", *args],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=120, check=False,
    )


def test_the_janitor_is_the_providers(demo: dict[str, str], tmp_path: Path) -> None:
    result = _conformance("--provider", "mirror", "--janitor", "--target", "demo://sandbox",
                          "--older-than", "5", env=demo, cwd=tmp_path)
    assert result.returncode == 3, result.stderr  # what the provider's janitor returned
    assert json.loads(result.stdout) == {"target": "demo://sandbox", "hours": 5.0, "real": None}


def test_the_janitor_needs_a_real_target(demo: dict[str, str], tmp_path: Path) -> None:
    result = _conformance("--provider", "mirror", "--janitor", env=demo, cwd=tmp_path)
    assert result.returncode == 2
    assert "--janitor needs the real target: --target demo://NAME" in result.stderr


def test_a_plugged_in_suite_runs_with_its_own_targets(demo: dict[str, str], tmp_path: Path) -> None:
    result = _conformance("--provider", "mirror", "--report", "report.md", env=demo,
                          cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "vf_demo_suite/test_mirror.py" in result.stdout
    report = (tmp_path / "report.md").read_text()
    assert "| DEMO-001 | GET /v2/ answers 200 | https://example.test/spec#v2 | pass | — |" in report
    assert (
        "- DEMO-002 on fake: target 'fake' (profile mirror) has everything=False; "
        "this test needs everything=True" in report
    )
    # A real target is the provider's to parse; the suite refuses one not opted in to.
    rejected = _conformance("--provider", "mirror", "--target", "https://x", env=demo,
                            cwd=tmp_path)
    assert rejected.returncode == 2
    assert "--target must be 'fake' or demo://NAME" in rejected.stderr


def test_without_a_provider_the_runner_asks_which(demo: dict[str, str], tmp_path: Path) -> None:
    result = _conformance(env=demo, cwd=tmp_path)
    assert result.returncode == 2
    assert ("choose a suite with --provider: artifacts, github, kubernetes, mirror, needy, toykv"
            in result.stderr)


def test_a_provider_of_its_own_runs_its_suite_with_a_streamed_watch(
    demo: dict[str, str], tmp_path: Path
) -> None:
    """The toy key-value fake: its own store, adapter, fault kind and watch stream,
    plugged in by an entry point alone."""
    result = _conformance("--provider", "toykv", "--report", "report.md", env=demo,
                          cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    report = (tmp_path / "report.md").read_text()
    for behaviour in ("KV-001", "KV-002", "KV-003", "KV-004"):
        assert f"| {behaviour} |" in report
    assert report.count("| pass | — |") == 4


def test_a_suite_whose_extra_is_missing_says_what_to_install(
    demo: dict[str, str], tmp_path: Path
) -> None:
    result = _conformance("--provider", "needy", env=demo, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "fakes conformance: verified-fakes: the needy provider needs vf_demo_not_installed, "
        "which is not installed: pip install 'verified-fakes[needy]'\n"
    )


def test_missing_behaviours_names_the_ids_the_suite_does_not_check() -> None:
    from fakes.conformance import missing_behaviours

    assert missing_behaviours("artifacts", ["ART-203", "ART-999", "ART-301"]) == ["ART-999"]
