"""Conformance evidence: the JSON a run writes, merging runs, the tables, and
``fakes evidence --fail-on-changed``; the weekly sandbox run's script, workflow and
janitors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from fakes import __version__, cli
from fakes._evidence import Result, load, merge, render_html, render_markdown, rows
from fakes.conformance import RUN_PREFIX, Target
from fakes.conformance._runner import main as conformance

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "conformance-weekly.yml"
SCRIPT = ROOT / "scripts" / "conformance-weekly.sh"
SMALL = ["--", "-q", "-k", "test_api_version_check or test_delete_tag_unsupported"]


def result(behaviour: str = "K8S-1", *, outcome: str = "passed", kind: str = "real",
           time: str = "2026-11-01T10:00:00Z", where: str = "kube-apiserver on loopback",
           version: str | None = "v1.37.2", reasons: tuple[str, ...] = (),
           provider: str = "kubernetes", run_id: str = "20261101-100000-aaaaaa") -> Result:
    return Result(
        behaviour=behaviour, description=f"what {behaviour} does", cite="https://k8s.test/",
        provider=provider, target="fake" if kind == "fake" else "real", target_kind=kind,
        target_description="the fake" if kind == "fake" else where, target_version=version,
        profile=kind, outcome=outcome, cases=1, reasons=reasons, time=time, run_id=run_id,
        verified_fakes="0.1.0")


def write_run(path: Path, results: list[Result]) -> Path:
    from fakes._evidence import Run

    path.write_text(Run(run_id=results[0].run_id, provider=results[0].provider,
                        started=results[0].time, finished=results[-1].time,
                        verified_fakes="0.1.0", targets=(), results=tuple(results),
                        exit_status=0).to_json())
    return path


# -- the run's JSON report ----------------------------------------------------------------

def test_a_run_writes_its_evidence_as_json_beside_the_markdown_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FAKES_CONFORMANCE_RUN_ID", "20261130-120000-abc123")

    code = conformance(["--provider", "artifacts", "--report", "run.json",
                        "--report", "run.md", *SMALL])

    assert code == 0
    assert (tmp_path / "run.md").read_text().startswith("| behaviour | description |")
    document = json.loads((tmp_path / "run.json").read_text())
    assert document["format"] == "verified-fakes/conformance-evidence"
    assert document["format_version"] == 1
    assert document["run_id"] == "20261130-120000-abc123"
    assert document["provider"] == "artifacts"
    assert document["verified_fakes"] == __version__
    assert document["exit_status"] == 0
    assert document["started"] <= document["finished"]
    assert document["targets"] == [{
        "name": "fake", "kind": "fake", "description": "the fake",
        "version": f"verified-fakes {__version__}", "profile": "fake"}]
    by_id = {r["behaviour"]: r for r in document["results"]}
    assert set(by_id) == {"ART-001", "ART-019", "ART-411"}
    passed = by_id["ART-001"]
    assert passed == {
        "behaviour": "ART-001", "description": "GET /v2/ answers 200 to an authorised client",
        "cite": passed["cite"], "provider": "artifacts", "target": "fake",
        "target_kind": "fake", "target_description": "the fake",
        "target_version": f"verified-fakes {__version__}", "profile": "fake",
        "outcome": "passed", "cases": 1, "reasons": [], "time": passed["time"],
        "run_id": "20261130-120000-abc123", "verified_fakes": __version__}
    assert passed["cite"].startswith("https://")
    assert passed["time"].endswith("Z") and len(passed["time"]) == 20
    skipped = by_id["ART-411"]
    assert skipped["outcome"] == "skipped"
    assert "tag_deletion" in skipped["reasons"][0]
    assert load(tmp_path / "run.json")[0].behaviour == "ART-001"


def test_a_malformed_run_id_is_refused(monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("FAKES_CONFORMANCE_RUN_ID", "yesterday")
    with pytest.raises(SystemExit) as exit_info:
        conformance(["--provider", "artifacts", *SMALL])
    assert exit_info.value.code == 2
    assert "FAKES_CONFORMANCE_RUN_ID='yesterday' is not a run id" in capsys.readouterr().err


def test_targets_take_the_run_id_they_are_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKES_CONFORMANCE_RUN_ID", "20261130-120000-abc123")

    class Probe(Target):
        name = "real"

    assert Probe(None).run_name("x") == f"{RUN_PREFIX}/20261130-120000-abc123/x-1"


def test_a_target_that_cannot_tell_its_version_is_reported_as_unknown() -> None:
    class Broken(Target):
        name = "real"

        def version(self) -> str | None:
            raise ConnectionError("refused")

    info = Broken(None).describe()
    assert (info.kind, info.description, info.profile) == ("real", "a real target", None)
    assert info.version == "unknown (ConnectionError: refused)"


# -- merging and the tables ----------------------------------------------------------------

def test_merge_keeps_each_targets_latest_result_and_latest_pass() -> None:
    old_pass = result(time="2026-11-01T10:00:00Z")
    new_fail = result(outcome="failed", time="2026-11-08T10:00:00Z", run_id="20261108-1-b")
    other = result(where="EKS cluster", version="v1.30.1-eks", time="2026-10-01T00:00:00Z")

    evidence = merge([new_fail, old_pass, other, old_pass])

    tracks = evidence.tracks
    assert len(tracks) == 2
    loopback = tracks[new_fail.identity]
    assert (loopback.latest, loopback.last_passed, loopback.changed) == (new_fail, old_pass,
                                                                         True)
    assert not tracks[other.identity].changed
    assert evidence.changed() == [loopback]
    # A merged file holds both, and reads back as the same evidence.
    assert evidence.results() == sorted([other, old_pass, new_fail],
                                        key=lambda r: (r.identity, r.time))


def test_a_merged_file_reads_back_as_the_same_evidence(tmp_path: Path) -> None:
    evidence = merge([result(), result(kind="fake"), result("K8S-2", outcome="skipped",
                                                            reasons=("no kubelet",))])
    path = tmp_path / "merged.json"
    path.write_text(evidence.to_json())
    assert merge(load(path)) == evidence
    assert json.loads(path.read_text())["run_id"] == "merged"


def test_pruning_drops_behaviours_the_latest_run_no_longer_has() -> None:
    last_week = "20261101-100000-aaaaaa"
    this_week = "20261108-100000-bbbbbb"
    evidence = merge([
        result("K8S-1", run_id=last_week), result("K8S-1", kind="fake", run_id=last_week),
        result("K8S-2", run_id=last_week),  # removed since
        result("K8S-1", kind="fake", run_id=this_week, time="2026-11-08T10:00:00Z"),
        result("ART-1", provider="artifacts", run_id="20261001-000000-cccccc",
               time="2026-10-01T00:00:00Z"),
    ])
    kept = sorted(key[:3] for key in evidence.pruned().tracks)
    assert kept == [("artifacts", "ART-1", "real"), ("kubernetes", "K8S-1", "fake"),
                    ("kubernetes", "K8S-1", "real")]


def test_a_new_version_failing_what_the_old_one_passed_is_a_change() -> None:
    """A target is the same across versions: its version is a fact of the run."""
    evidence = merge([result(version="v1.37.2"),
                      result(outcome="failed", version="v1.38.0", time="2026-12-01T00:00:00Z")])
    assert len(evidence.changed()) == 1


def test_failing_again_stays_a_change_and_passing_or_skipping_ends_it() -> None:
    passed = result()
    failed = result(outcome="failed", time="2026-11-08T00:00:00Z")
    again = result(outcome="failed", time="2026-11-15T00:00:00Z")
    assert merge([passed, failed, again]).changed()
    for later in ("passed", "skipped"):
        assert not merge([passed, failed, result(outcome=later,
                                                 time="2026-11-15T00:00:00Z")]).changed()
    assert not merge([failed]).changed()  # never passed there: not a change


def test_the_table_says_when_and_where_each_behaviour_was_last_verified() -> None:
    evidence = merge([
        result("K8S-1", time="2026-11-01T10:00:00Z"),
        result("K8S-1", where="EKS cluster", version="v1.30", time="2026-11-03T10:00:00Z"),
        result("K8S-1", kind="fake", version="verified-fakes 0.1.0"),
        result("K8S-2", outcome="skipped", reasons=("no kubelet",)),
        result("K8S-2", kind="fake", outcome="failed"),
        result("K8S-3", kind="fake"),
        result("K8S-4"),
        result("K8S-4", outcome="failed", time="2026-11-08T10:00:00Z"),
        result("ART-1", provider="artifacts", kind="fake"),
    ])

    table = {row.behaviour: row for row in rows(evidence, "kubernetes")}

    assert list(table) == ["K8S-1", "K8S-2", "K8S-3", "K8S-4"]
    assert table["K8S-1"].verified is not None
    assert table["K8S-1"].verified.where == "EKS cluster, v1.30"  # the latest real pass
    assert table["K8S-1"].fake is not None and table["K8S-1"].flags == ()
    assert table["K8S-2"].flags == ("never verified against a real provider (skipped there: "
                                    "no kubelet)", "fails on the fake")
    assert table["K8S-3"].flags == ("never verified against a real provider",)
    assert table["K8S-4"].flags == ("changed: fails on kube-apiserver on loopback, v1.37.2 "
                                    "since 2026-11-08 (passed 2026-11-01)",)

    markdown = render_markdown(evidence, title="Evidence", preamble="Generated.")
    assert markdown.startswith("# Evidence\n\nGenerated.\n\n## artifacts\n")
    assert "4 behaviours: 2 verified against a real provider, 2 never, 1 changed." in markdown
    assert ("| K8S-1 | what K8S-1 does | 2026-11-03 · EKS cluster, v1.30 | "
            "2026-11-01 · verified-fakes 0.1.0 |  |") in markdown
    assert "| K8S-3 | what K8S-3 does | never |" in markdown
    assert "**changed: fails on kube-apiserver on loopback" in markdown

    page = render_html(evidence)
    assert page.startswith("<!DOCTYPE html>") and "<h2>kubernetes</h2>" in page
    assert '<span class="flag">fails on the fake</span>' in page


def test_the_tables_show_what_the_runs_say_as_text() -> None:
    evidence = merge([result(where="<script>", kind="real")])
    assert "<script>" not in render_html(evidence)
    assert "&lt;script&gt;" in render_html(evidence)
    described = Result(**{**result().to_json(), "description": "names [a-z]* and <digest>|x"})
    row = render_markdown(merge([described])).splitlines()[-1]
    assert row.startswith(r"| K8S-1 | names \[a-z\]\* and &lt;digest&gt;\|x | ")


# -- fakes evidence ------------------------------------------------------------------------

def test_fakes_evidence_merges_files_and_fails_on_a_changed_behaviour(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = write_run(tmp_path / "before.json", [result("K8S-1"), result("K8S-2")])
    after = write_run(tmp_path / "after.json", [
        result("K8S-1", outcome="failed", time="2026-11-08T10:00:00Z", run_id="20261108-x"),
        result("K8S-2", time="2026-11-08T10:00:00Z", run_id="20261108-x")])
    outputs = ["--markdown", str(tmp_path / "e.md"), "--html", str(tmp_path / "e.html"),
               "--output", str(tmp_path / "e.json")]

    assert cli.main(["evidence", str(before), str(after), *outputs]) == 0
    err = capsys.readouterr().err
    assert err.startswith("changed: kubernetes K8S-1 (what K8S-1 does) fails on kube-apiserver"
                          " on loopback, v1.37.2 in run 20261108-x (2026-11-08T10:00:00Z); it "
                          "passed on kube-apiserver on loopback, v1.37.2 in run ")
    assert cli.main(["evidence", str(before), str(after), "--fail-on-changed"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("## kubernetes")  # no output file: the Markdown on stdout
    assert "## kubernetes" in (tmp_path / "e.md").read_text()
    assert "<table>" in (tmp_path / "e.html").read_text()
    # The merged file carries the history forward: the change is still seen from it.
    assert cli.main(["evidence", str(tmp_path / "e.json"), "--fail-on-changed"]) == 1
    assert cli.main(["evidence", str(before), "--fail-on-changed"]) == 0


def test_fakes_evidence_refuses_files_it_cannot_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "other.json").write_text('{"format": "junit"}')
    (tmp_path / "broken.json").write_text("{")
    (tmp_path / "future.json").write_text(
        '{"format": "verified-fakes/conformance-evidence", "format_version": 9}')
    for name, says in [("other.json", "not an evidence file"),
                       ("broken.json", "not an evidence file"),
                       ("missing.json", "not an evidence file"),
                       ("future.json", "format version 9 is not 1")]:
        assert cli.main(["evidence", str(tmp_path / name)]) == 2
        assert says in capsys.readouterr().err


# -- the weekly run: its script, its workflow, the janitors ----------------------------------

# What each job maps from the repository's secrets and variables to the variables the
# suites read (docs/sandbox.md documents the same).
SECRETS = {
    "artifacts": {"FAKES_REGISTRY_URL": "secrets.VF_SANDBOX_REGISTRY_URL",
                  "FAKES_REGISTRY_USERNAME": "secrets.VF_SANDBOX_REGISTRY_USERNAME",
                  "FAKES_REGISTRY_PASSWORD": "secrets.VF_SANDBOX_REGISTRY_PASSWORD"},
    "kubernetes": {"KUBECONFIG_DATA": "secrets.VF_SANDBOX_KUBECONFIG"},
    "github": {"FAKES_GITHUB_TOKEN": "secrets.VF_SANDBOX_GITHUB_TOKEN",
               "FAKES_GITHUB_OWNER": "secrets.VF_SANDBOX_GITHUB_OWNER"},
}


OPTIONAL = {"FAKES_REGISTRY_USERNAME", "FAKES_REGISTRY_PASSWORD"}


def _workflow() -> dict[Any, Any]:
    document: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    return document


def test_the_weekly_workflow_runs_on_a_schedule_and_by_hand() -> None:
    workflow = _workflow()
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads `on` as true
    assert set(triggers) == {"schedule", "workflow_dispatch"}
    assert triggers["schedule"][0]["cron"].split()[2:] == ["*", "*", "1"]  # weekly
    assert workflow["permissions"] == {"contents": "read", "actions": "read"}
    assert set(workflow["jobs"]) == {"configured", *SECRETS}


@pytest.mark.parametrize("provider", sorted(SECRETS))
def test_each_job_runs_the_script_with_its_secrets_only_when_they_are_set(
    provider: str
) -> None:
    jobs = _workflow()["jobs"]
    job = jobs[provider]
    script = f"bash scripts/conformance-weekly.sh {provider}"
    assert job["needs"] == "configured"
    # The job, or (GitHub: its local target runs anyway) the step with the secrets.
    guarded = job if "if" in job else next(
        s for s in job["steps"] if s.get("run") == script and "if" in s)
    assert guarded["if"] == f"needs.configured.outputs.{provider} == 'true'"
    assert provider in jobs["configured"]["outputs"]
    variables = {**job.get("env", {})}
    for step in job["steps"] if guarded is job else [guarded]:
        variables.update(step.get("env", {}))
    first = next(s for s in job["steps"] if s.get("run") == script)
    for variable, secret in SECRETS[provider].items():
        assert variables[variable] == "${{ " + secret + " }}"
        if variable not in OPTIONAL:  # the job runs only when these are set
            assert secret in json.dumps(jobs["configured"]), f"{secret} is not checked"
    assert variables["FAKES_CONFORMANCE_MAX_REQUESTS"].startswith("${{ vars.VF_SANDBOX_MAX")
    assert {**job.get("env", {}), **first.get("env", {})}["VF_PREVIOUS_EVIDENCE"] == (
        f"build/previous/{provider}-evidence.json")
    runs = [step.get("run", "") for step in job["steps"]]
    assert f"bash scripts/previous-evidence.sh {provider} build/previous" in runs
    assert f"bash scripts/conformance-weekly.sh {provider}" in runs
    assert runs.index(f"bash scripts/previous-evidence.sh {provider} build/previous") < (
        runs.index(f"bash scripts/conformance-weekly.sh {provider}"))
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith(
        "actions/upload-artifact@"))
    assert upload["if"] == "always()"
    assert upload["with"]["name"] == f"evidence-{provider}"
    assert upload["with"]["path"] == "build/evidence/"
    # Nothing ambient: the credentials go to the suite's own variables, never GITHUB_TOKEN.
    assert all("GITHUB_TOKEN" not in {**job.get("env", {}), **s.get("env", {})}
               for s in job["steps"])


def test_the_github_job_runs_git_http_backend_without_secrets_then_the_sandbox() -> None:
    job = _workflow()["jobs"]["github"]
    assert "if" not in job
    script = "bash scripts/conformance-weekly.sh github"
    local, sandbox = (s for s in job["steps"] if s.get("run") == script)
    assert "if" not in local and local["env"]["FAKES_GITHUB_TARGET"] == "real-local"
    assert not any("secrets." in str(v) for v in {**job["env"], **local["env"]}.values())
    # The sandbox run adds the real GitHub to what the first run merged.
    assert sandbox["env"]["VF_WITH_FAKE"] == "0"
    assert sandbox["env"]["VF_PREVIOUS_EVIDENCE"] == "build/evidence/github-evidence.json"
    assert "FAKES_GITHUB_TARGET" not in sandbox["env"]


def test_the_registry_job_installs_the_clients_the_suite_drives() -> None:
    runs = "\n".join(s.get("run", "") for s in _workflow()["jobs"]["artifacts"]["steps"])
    assert "bash scripts/install-oras.sh" in runs  # CI=true: without it, ART-704/705 fail
    assert "skopeo" in runs


def test_the_kubernetes_job_hands_the_kubeconfig_over_as_a_private_file() -> None:
    job = _workflow()["jobs"]["kubernetes"]
    step = next(s for s in job["steps"] if s.get("name") == "kubeconfig")
    assert "umask 077" in step["run"]
    assert "FAKES_KUBERNETES_TARGET=$RUNNER_TEMP/sandbox.kubeconfig" in step["run"]


def test_the_scripts_are_valid_bash() -> None:
    for script in (SCRIPT, ROOT / "scripts" / "previous-evidence.sh"):
        subprocess.run(["bash", "-n", str(script)], check=True)


def _script(tmp_path: Path, provider: str, *args: str, **env: str
            ) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FAKES_", "VF_"))}
    return subprocess.run(
        ["bash", str(SCRIPT), provider, *args], capture_output=True, text=True, timeout=300,
        check=False, env={**clean, "VF_EVIDENCE_DIR": str(tmp_path / "out"),
                          "VF_PUBLISH": str(tmp_path / "published"), **env})


def test_the_weekly_script_without_a_real_target_runs_the_fake(tmp_path: Path) -> None:
    done = _script(tmp_path, "artifacts", *SMALL)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no real target is configured: the fake alone" in done.stdout
    assert "janitor" not in done.stdout
    published = json.loads((tmp_path / "published" / "artifacts.json").read_text())
    assert {r["target_kind"] for r in published["results"]} == {"fake"}
    assert (tmp_path / "published" / "artifacts.md").read_text().startswith(
        "# Conformance evidence: artifacts")
    assert _script(tmp_path, "artifacts", VF_WITH_FAKE="0").returncode == 2
    assert _script(tmp_path, "nonesuch").returncode == 2


@pytest.mark.skipif(shutil.which("docker-registry") is None, reason="needs docker-registry")
def test_the_weekly_script_against_a_real_registry_sweeps_runs_and_compares(
    tmp_path: Path
) -> None:
    from fakes.conformance.artifacts.distribution import running_distribution

    where = "OCI registry, profile {} on loopback"
    published = tmp_path / "published"
    published.mkdir()
    # Earlier evidence: distribution paginated tags once, under the oci-1.1 profile.
    write_run(published / "artifacts.json", [
        result("ART-402", provider="artifacts", where=where.format("oci-1.1"))])
    with running_distribution() as registry:
        done = _script(tmp_path, "artifacts", *SMALL, FAKES_REGISTRY_URL=registry.url,
                       FAKES_REGISTRY_PROFILE="distribution-2.8")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "== artifacts: janitor (runs older than 24 h)" in done.stdout
        report = json.loads(next((tmp_path / "out").glob("artifacts-2*.json")).read_text())
        assert [(t["kind"], t["description"], t["version"]) for t in report["targets"]] == [
            ("fake", "the fake", f"verified-fakes {__version__}"),
            ("real", where.format("distribution-2.8"), "registry/2.0")]
        merged = json.loads((published / "artifacts.json").read_text())
        assert {(r["behaviour"], r["target_description"]) for r in merged["results"]
                if r["target_kind"] == "real"} == {
            ("ART-402", where.format("oci-1.1")),
            *((b, where.format("distribution-2.8")) for b in ("ART-001", "ART-019",
                                                              "ART-411"))}

        # Now it does not (distribution ignores ?n=): the run fails, and says it changed.
        changed = _script(tmp_path, "artifacts", "--", "-q", "-k", "test_paginate_tags",
                          FAKES_REGISTRY_URL=registry.url, FAKES_REGISTRY_PROFILE="oci-1.1",
                          VF_WITH_FAKE="0")
    assert changed.returncode == 1, changed.stdout + changed.stderr
    assert "changed: artifacts ART-402" in changed.stderr
    assert "**changed: fails on " + where.format("oci-1.1") in (
        published / "artifacts.md").read_text()

    # A sandbox the janitor cannot reach is not tested.
    gone = _script(tmp_path, "artifacts", *SMALL, FAKES_REGISTRY_URL=registry.url)
    assert gone.returncode == 1
    assert "the janitor could not clean the sandbox; not running the suite there" in (
        gone.stderr)


def test_the_github_janitor_deletes_only_expired_run_repositories(
    capsys: pytest.CaptureFixture[str]
) -> None:
    from fakes.conformance.github import janitor
    from fakes.github import FakeGitHub

    old = f"{RUN_PREFIX}-20200101-000000-abcdef-pulls-1"
    young = f"{RUN_PREFIX}-29990101-000000-abcdef-pulls-1"
    with FakeGitHub() as fake:
        fake.create_org("sandbox", admins=["ci"])
        for name in (old, young, "production", f"{RUN_PREFIX}-by-hand"):
            fake.create_repo(f"sandbox/{name}")
        token = fake.token_for("ci", scopes=("repo", "delete_repo"))
        environ = {"FAKES_GITHUB_API_URL": fake.api_url, "FAKES_GITHUB_TOKEN": token,
                   "FAKES_GITHUB_OWNER": "sandbox"}

        assert janitor.run(environ, timedelta(hours=24)) == 0

        left = sorted(r.name for r in fake.client().get_organization("sandbox").get_repos())
    assert left == sorted([young, "production", f"{RUN_PREFIX}-by-hand"])
    out = capsys.readouterr().out
    assert f"deleted  {old}" in out and f"kept     {young}" in out
    assert "production" not in out


def test_the_copy_paste_workflow_in_the_docs_runs_the_same_steps() -> None:
    page = (ROOT / "docs" / "sandbox.md").read_text()
    block = page.split("```yaml\n", 1)[1].split("```", 1)[0]
    workflow = yaml.safe_load(block)
    assert set(workflow.get("on", workflow.get(True))) == {"schedule", "workflow_dispatch"}
    steps = workflow["jobs"]["kubernetes"]["steps"]
    runs = "\n".join(step.get("run", "") for step in steps)
    janitor = runs.index("fakes conformance --provider kubernetes --janitor --target")
    suite = runs.index("--report evidence/run.json")
    evidence = runs.index("fakes evidence evidence/run.json")
    assert janitor < suite < evidence
    assert "--fail-on-changed" in runs
    assert next(s for s in steps if s.get("name") == "evidence")["if"] == "always()"
    # The same secrets-to-variables table as the workflow's own test.
    for provider, variables in SECRETS.items():
        for variable, secret in variables.items():
            if variable.startswith("FAKES_"):
                assert f"`{secret.removeprefix('secrets.')}`" in page, provider
                assert f"`{variable}`" in page, provider


def test_a_real_cluster_says_what_it_is_and_counts_requests_against_the_budget() -> None:
    pytest.importorskip("kubernetes")
    from fakes.conformance import BudgetExceeded
    from fakes.conformance.kubernetes.targets import RealTarget
    from fakes.kubernetes import FakeCluster

    with FakeCluster() as cluster:  # a cluster reached through its kubeconfig, as a real one
        target = RealTarget.from_environment({"FAKES_KUBERNETES_TARGET": cluster.kubeconfig,
                                              "FAKES_CONFORMANCE_MAX_REQUESTS": "3"})
        try:
            info = target.describe()  # one request: GET /version
            assert (info.kind, info.description, info.profile) == (
                "real", "Kubernetes cluster on loopback", "real")
            from kubernetes.client import VersionApi

            assert info.version == VersionApi(cluster.api_client()).get_code().git_version
            target.api("CoreV1Api").list_namespace()  # the client's requests count too
            target.http("GET", "/api")
            with pytest.raises(BudgetExceeded, match="budget of 3 requests to the real "
                               "cluster"):
                target.api("CoreV1Api").list_namespace()
        finally:
            target.close()  # teardown is not counted: it runs past the budget


def test_actionlint_finds_nothing_in_the_workflows(tmp_path: Path) -> None:
    """Ours and the one docs/sandbox.md gives to copy, with the binary
    scripts/install-actionlint.sh builds (scripts/test.sh builds it where Go is)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    actionlint = cache / "verified-fakes" / "bin" / "actionlint"
    if not actionlint.exists():
        pytest.skip("actionlint is not built (bash scripts/install-actionlint.sh)")
    page = (ROOT / "docs" / "sandbox.md").read_text()
    copy = tmp_path / ".github" / "workflows" / "copied.yml"
    copy.parent.mkdir(parents=True)
    copy.write_text(page.split("```yaml\n", 1)[1].split("```", 1)[0])
    done = subprocess.run([str(actionlint), str(WORKFLOW), str(copy)], capture_output=True,
                          text=True, check=False, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
