"""Selecting a real Kubernetes target, and the janitor that removes what killed runs left."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

pytest.importorskip("kubernetes")
pytest.importorskip("cryptography")

from fakes.conformance.kubernetes import janitor
from fakes.conformance.kubernetes.targets import RUN_LABEL
from fakes.kubernetes import FakeCluster
from fakes.kubernetes._provider import PROVIDER


def test_targets_are_real_local_or_a_kubeconfig(tmp_path: Path) -> None:
    assert PROVIDER.real_targets is not None
    select = PROVIDER.real_targets.environment
    assert select(["real-local"], None, {}) == {"FAKES_KUBERNETES_TARGET": "real-local"}
    config = tmp_path / "kubeconfig"
    config.write_text("{}")
    assert select([f"{config}#sandbox"], None, {}) == {
        "FAKES_KUBERNETES_TARGET": str(config), "FAKES_KUBERNETES_CONTEXT": "sandbox"}
    with pytest.raises(ValueError, match="kubeconfig file"):
        select(["https://cluster.example"], None, {})
    with pytest.raises(ValueError, match="one real target"):
        select(["real-local", str(config)], None, {})


def test_the_janitor_deletes_expired_run_namespaces_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with FakeCluster() as cluster:
        names = {"vf-conformance-20200101-000000-abcdef-old-1": "20200101-000000-abcdef",
                 "vf-conformance-29990101-000000-abcdef-new-1": "29990101-000000-abcdef",
                 "someone-elses": "x"}
        for name, run in names.items():
            cluster.apply({"apiVersion": "v1", "kind": "Namespace",
                           "metadata": {"name": name, "labels": {RUN_LABEL: run}}})
        environ = {"FAKES_KUBERNETES_TARGET": cluster.kubeconfig}
        assert janitor.run(environ, timedelta(hours=24)) == 0
        left = {n["metadata"]["name"] for n in cluster.list("Namespace")}
    assert "vf-conformance-20200101-000000-abcdef-old-1" not in left
    assert {"vf-conformance-29990101-000000-abcdef-new-1", "someone-elses"} <= left
    out = capsys.readouterr().out
    assert "deleted  vf-conformance-20200101-000000-abcdef-old-1" in out
    assert "kept     someone-elses  (not named by a run)" in out


def test_the_janitor_has_nothing_to_sweep_on_real_local(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert janitor.run({"FAKES_KUBERNETES_TARGET": "real-local"}, timedelta(hours=24)) == 0
    assert "nothing to sweep" in capsys.readouterr().out
