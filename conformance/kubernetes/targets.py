"""Targets of the Kubernetes conformance suite and what each of them can do.

A *target* is one API server the same test bodies run against: the fake
(:class:`fakes.kubernetes.FakeCluster`, always) or a real cluster, chosen explicitly:

- ``--target real-local``: a kube-apiserver with etcd and kube-controller-manager,
  started on loopback for the run by :mod:`fakes.conformance.kubernetes.control_plane`
  from the binaries ``scripts/build-kubernetes.sh`` builds;
- ``--target KUBECONFIG[#CONTEXT]``: any other cluster the user opts into, through
  that kubeconfig file and context (never ``~/.kube/config`` implicitly).

Against a real cluster the suite works only in namespaces it creates, named for the
run (``vf-conformance-<run id>-<hint>-<n>``) and labelled with the run id and an
expiry; :meth:`Target.close` deletes them (and the few cluster-scoped objects the run
made) at the end of the session, whether the tests passed or not, and
``fakes conformance --janitor`` deletes those of runs that were killed.

Where targets differ, the difference is a flag in :class:`Capabilities`; tests ask with
:meth:`Target.require` and never ask "is this the fake".
"""

from __future__ import annotations

import contextlib
import copy
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar, TypeVar

import attrs
import pytest
import requests

from fakes.conformance._target import RequestBudget, on_loopback
from fakes.conformance._target import Target as _BaseTarget
from fakes.conformance.kubernetes._schemas import check_response

__all__ = [
    "API_CONCEPTS",
    "CONVENTIONS",
    "CRD_PATH",
    "FAKE",
    "MEASURED",
    "REAL",
    "RUN_LABEL",
    "Capabilities",
    "FakeTarget",
    "RealTarget",
    "Target",
    "eventually",
]

API_CONCEPTS = "https://kubernetes.io/docs/reference/using-api/api-concepts/"
CONVENTIONS = ("https://github.com/kubernetes/community/blob/master/contributors/devel/"
               "sig-architecture/api-conventions.md")
APIMACHINERY = "https://github.com/kubernetes/kubernetes/blob/v1.37.2/staging/src/k8s.io/"
MEASURED = "measured: kube-apiserver v1.37.2 on loopback, 2026-11-30"

#: Labels on every namespace a run creates: its run id and when it may be swept.
RUN_LABEL = "verified-fakes/run"
#: Where CustomResourceDefinitions live (cluster-scoped).
CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
EXPIRES_LABEL = "verified-fakes/expires"
_EXPIRY = timedelta(hours=24)
_STAMP = "%Y%m%d-%H%M%S"

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class Capabilities:
    """What a target does where API servers may differ, or where only a fake can help."""

    profile: str
    # The target's clock can be moved forward: the history kept for watches and
    # continue tokens (etcd compaction, every five minutes by default) can be made to
    # expire without waiting (API_CONCEPTS#410-gone-responses).
    virtual_clock: bool
    # Faults can be injected (throttling, errors) to check their shape.
    fault_injection: bool
    # The target keeps a change log with actors that tests can read.
    journal: bool
    # What the fake does not model yet; the target answers it loudly instead (501
    # naming it): the subresources it does not serve (binding, eviction,
    # token ...). Tables: the target prints objects as meta.k8s.io Tables.
    more_subresources: bool
    tables: bool
    # CustomResourceDefinitions' x-kubernetes-validations are evaluated in full
    # (messageExpression, reason, fieldPath, the Kubernetes CEL libraries); a target
    # without evaluates plain rules and messages and refuses the rest loudly (501).
    full_cel: bool
    # The target can be put back to a new cluster in place (a fake's reset()).
    resettable: bool
    # A test can set what a Pod's log holds (a real cluster's logs come from a kubelet).
    pod_logs: bool = False
    # A kube-scheduler can be run for a test (Target.scheduling): real-local has none.
    scheduler: bool = False
    # A Pod's node agent can be told to fail it (annotation verified-fakes/kubelet-failure):
    # kwok's default stages on real-local know no failures.
    kubelet_failures: bool = False
    # Stages (kwok's Stage API) can be added for a test (Target.stages).
    stages: bool = False
    # kube-controller-manager's controllers run (namespace termination, garbage
    # collection, Deployments, Jobs ...): not on a bare API server (envtest).
    controllers: bool = True
    # Something runs Pods on Nodes (a kubelet, kwok): not on a bare API server.
    node_agent: bool = True


FAKE = Capabilities(profile="fake", virtual_clock=True, fault_injection=True, journal=True,
                    more_subresources=False, tables=True, full_cel=False,
                    resettable=True, pod_logs=True, scheduler=True,
                    kubelet_failures=True, stages=True)
REAL = Capabilities(profile="real", virtual_clock=False, fault_injection=False, journal=False,
                    more_subresources=True, tables=True, full_cel=True,
                    resettable=False)
#: The profiles a real target may be given (``FAKES_KUBERNETES_PROFILE``): a whole
#: cluster, or an API server alone as envtest runs it (no controllers, no node agent).
PROFILES = {
    "real": REAL,
    "api-only": attrs.evolve(REAL, profile="api-only", controllers=False, node_agent=False),
}


def eventually(check: Callable[[], T], *, timeout: float = 30.0, every: float = 0.1) -> T:
    """``check()``'s first result that does not raise AssertionError, within ``timeout``:
    controllers (the namespace controller, the garbage collector) act a little later on
    a real cluster."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(every)


class Target(_BaseTarget):
    """One API server, reached through the official client, kubectl and plain HTTP."""

    validates_schemas: ClassVar[bool] = False

    def __init__(self, capabilities: Capabilities, configuration: Any, kubeconfig: str,
                 context: str | None = None) -> None:
        super().__init__(capabilities)
        self.configuration = configuration
        self.kubeconfig = kubeconfig
        self.context = context
        self._client: Any = None
        self._namespaces: list[str] = []
        self._cluster_objects: list[tuple[str, str]] = []  # (api path, name)
        self._cache_dir = tempfile.mkdtemp(prefix="vf-kubectl-cache-")
        #: Counts the requests of the client and of :meth:`http` (not kubectl's).
        self.budget: RequestBudget | None = None
        self._impersonation: dict[str, str] = {}
        self.restricted_token: str | None = None

    # -- clients -------------------------------------------------------------------
    def client(self) -> Any:
        """A ``kubernetes.client.ApiClient`` for the target (one per session)."""
        if self._client is None:
            from kubernetes import client

            self._client = client.ApiClient(self.configuration)
            if self.budget is not None:
                self._client.rest_client.request = _counted(self._client.rest_client.request,
                                                            self.budget)
            for header, value in self._impersonation.items():
                self._client.set_default_header(header, value)
        return self._client

    def api(self, name: str) -> Any:
        """A typed API of the official client: ``target.api("CoreV1Api")``."""
        from kubernetes import client

        return getattr(client, name)(self.client())

    def dynamic(self) -> Any:
        from kubernetes.dynamic import DynamicClient

        return DynamicClient(self.client())

    def seed(self, manifest: str) -> list[dict[str, Any]]:
        """Create or replace the objects of a YAML manifest out of band (as another
        actor would); returns them as stored."""
        import yaml

        stored = []
        for document in yaml.safe_load_all(manifest):
            kind, api_version = document["kind"], document["apiVersion"]
            resource = self.dynamic().resources.get(api_version=api_version, kind=kind)
            namespace = document["metadata"].get("namespace")
            try:
                made = resource.create(body=document, namespace=namespace)
            except Exception as error:
                if getattr(error, "status", None) != 409:
                    raise
                current = resource.get(name=document["metadata"]["name"], namespace=namespace)
                document["metadata"]["resourceVersion"] = current.metadata.resourceVersion
                made = resource.replace(body=document, namespace=namespace)
            stored.append(made.to_dict())
        return stored

    def _resource(self, kind: str) -> Any:
        from fakes.kubernetes._resources import registry

        rt = next(t for t in registry().types if t.kind == kind)
        return self.dynamic().resources.get(api_version=rt.api_version, kind=kind)

    def read(self, kind: str, name: str, namespace: str | None = None) -> dict[str, Any]:
        """One object by kind and name, as stored."""
        found: dict[str, Any] = self._resource(kind).get(name=name,
                                                         namespace=namespace).to_dict()
        return found

    def names(self, kind: str, namespace: str | None, label_selector: str) -> list[str]:
        """The names of the objects of ``kind`` (in ``namespace``), in order."""
        listed = self._resource(kind).get(namespace=namespace, label_selector=label_selector)
        return [item.metadata.name for item in listed.items]

    def remove(self, kind: str, name: str, namespace: str | None = None) -> None:
        """Delete an object out of band."""
        self._resource(kind).delete(name=name, namespace=namespace)

    def reset(self) -> None:
        self.require("resettable")
        raise NotImplementedError  # pragma: no cover

    def http(self, method: str, path: str, *, body: Any = None, raw: bytes | None = None,
             content_type: str = "application/json", headers: Mapping[str, str] | None = None,
             stream: bool = False, authenticated: bool = True,
             timeout: float = 30) -> requests.Response:
        """One request as sent, for checks of the exact wire answer."""
        session = requests.Session()
        session.trust_env = False  # no ambient proxies or CA bundles
        config = self.configuration
        sent = dict(headers or {})
        if authenticated:
            # auth_settings() is how the client itself finds its credentials, whichever
            # key the configuration keeps them under.
            for setting in config.auth_settings().values():
                if setting["in"] == "header" and setting["value"]:
                    sent[setting["key"].title()] = setting["value"]
        if raw is None and body is not None:
            import json

            raw = json.dumps(body).encode()
        if raw is not None:
            sent.setdefault("Content-Type", content_type)
        cert = (config.cert_file, config.key_file) if config.cert_file else None
        sent = {**self._impersonation, **sent}
        if self.validates_schemas and not stream:
            session.hooks["response"].append(check_response)
        if self.budget is not None:
            session.hooks["response"].append(self.budget.spend)
        return session.request(method, config.host + path, data=raw, headers=sent,
                               verify=config.ssl_ca_cert or True, cert=cert, stream=stream,
                               timeout=timeout)

    def kubectl_command(self) -> list[str]:
        """kubectl with the target's kubeconfig (and context) passed explicitly."""
        kubectl = shutil.which("kubectl")
        if kubectl is None:
            pytest.skip("kubectl is not installed")
        context = ["--context", self.context] if self.context else []
        acting = {"Impersonate-User": "--as", "Impersonate-Group": "--as-group"}
        impersonation = [f"{acting[h]}={v}" for h, v in self._impersonation.items()]
        return [kubectl, "--kubeconfig", self.kubeconfig, *context, "--cache-dir",
                self._cache_dir, *impersonation]

    def kubectl_environment(self) -> dict[str, str]:
        """The environment kubectl runs in: no KUBECONFIG, a HOME of the run's own."""
        return {**{k: v for k, v in os.environ.items() if k != "KUBECONFIG"},
                "HOME": self._cache_dir}

    def kubectl(self, *args: str, stdin: str | None = None,
                timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run kubectl against the target and wait for it."""
        return subprocess.run(
            [*self.kubectl_command(), *args], input=stdin, capture_output=True, text=True,
            timeout=timeout, check=False, env=self.kubectl_environment())

    # -- acting as another user ------------------------------------------------------
    def as_user(self, name: str, group: str | None = None) -> Target:
        """This target seen by user ``name`` (in ``group`` too, and in
        system:authenticated): the same credentials with impersonation headers, which
        the admin (system:masters) may send on any cluster. Its raw requests, official
        client and kubectl act as that user; it owns nothing (close it never)."""
        view = copy.copy(self)
        view._client = None
        view._impersonation = {"Impersonate-User": name,
                               **({"Impersonate-Group": group} if group else {})}
        return view

    def restricted(self) -> Target:
        """This target seen by user ``restricted`` through a bearer token of its own (no
        groups but system:authenticated, nothing granted): for what impersonation cannot
        show, such as the checks on an impersonator. Skips where the target has no such
        token. Its raw requests and official client act as that user."""
        if self.restricted_token is None:
            pytest.skip(f"the {self.name} target has no token of a restricted user")
        view = copy.copy(self)
        view._client = None
        view._impersonation = {}
        view.configuration = copy.copy(self.configuration)
        view.configuration.api_key = {"authorization": self.restricted_token}
        return view

    # -- names ---------------------------------------------------------------------
    def namespace(self, hint: str) -> str:
        """A new namespace for this run (created now, deleted at the end of the run)."""
        name = self.run_name(hint[:16].strip("-"), separator="-").lower()  # 63 at most
        self.api("CoreV1Api").create_namespace({"metadata": {"name": name,
                                                             "labels": self.run_labels()}})
        self._namespaces.append(name)
        return name

    def cluster_name(self, hint: str, api_path: str) -> str:
        """A name for a cluster-scoped object at ``api_path`` (its collection's path),
        deleted at the end of the run."""
        name = self.run_name(hint, separator="-").lower()
        self._cluster_objects.append((api_path, name))
        return name

    def api_group(self, hint: str, *plurals: str) -> str:
        """A new API group for this run's CustomResourceDefinitions,
        ``<run name>.example.com``; the definitions of ``plurals`` in it are deleted at
        the end of the run (and carry :meth:`run_labels` for the janitor)."""
        group = self.run_name(hint[:16].strip("-"), separator="-").lower() + ".example.com"
        self._cluster_objects.extend((CRD_PATH, f"{plural}.{group}") for plural in plurals)
        return group

    def definition_name(self, plural: str, group: str) -> str:
        """``<plural>.<group>``: one more CustomResourceDefinition of a group from
        :meth:`api_group`, deleted at the end of the run."""
        self._cluster_objects.append((CRD_PATH, f"{plural}.{group}"))
        return f"{plural}.{group}"

    def run_labels(self) -> dict[str, str]:
        """The labels that mark an object as this run's, with its expiry."""
        expires = (datetime.now(timezone.utc) + _EXPIRY).strftime(_STAMP)
        return {RUN_LABEL: self.run_id, EXPIRES_LABEL: expires}

    # -- what only some targets can do ---------------------------------------------
    def advance_clock(self, seconds: float) -> None:
        self.require("virtual_clock")
        raise NotImplementedError  # pragma: no cover - targets with the flag override it

    def inject(self, fault: Any, **rule: Any) -> None:
        self.require("fault_injection")
        raise NotImplementedError  # pragma: no cover

    def clear_faults(self) -> None:
        """Remove injected faults (nothing to do where none can be injected)."""

    def set_pod_log(self, namespace: str, pod: str, text: str,
                    container: str | None = None) -> None:
        self.require("pod_logs")
        raise NotImplementedError  # pragma: no cover

    def changes_since(self, seq: int) -> list[Any]:
        self.require("journal")
        raise NotImplementedError  # pragma: no cover

    def scheduling(self) -> contextlib.AbstractContextManager[None]:
        """A scheduler binds Pods without a node while the context lasts."""
        self.require("scheduler")
        raise NotImplementedError  # pragma: no cover

    def stages(self, text: str) -> contextlib.AbstractContextManager[list[str]]:
        """More kwok stages (YAML) run while the context lasts; their names."""
        self.require("stages")
        raise NotImplementedError  # pragma: no cover

    @contextlib.contextmanager
    def kwok_stages(self, text: str) -> Iterator[None]:
        """kwok's stages in ``text`` run the target's managed Nodes and their Pods while
        the context lasts. A real cluster's node agent is what it is (on real-local,
        kwok with its default stages): nothing changes."""
        yield

    def version(self) -> str | None:
        """The server's ``gitVersion`` from ``GET /version`` (after the fakes' own)."""
        served = str(self.http("GET", "/version", timeout=10).json()["gitVersion"])
        own = super().version()
        return f"{own}, serving {served}" if own else served

    # -- lifecycle -----------------------------------------------------------------
    def close(self) -> None:
        """Delete every namespace and cluster-scoped object the run created."""
        self.budget = None  # teardown is not counted: it must run whatever was spent
        try:
            for api_path, name in self._cluster_objects:
                with contextlib.suppress(requests.RequestException):
                    self.http("DELETE", f"{api_path}/{name}", timeout=10)
            for name in self._namespaces:
                with contextlib.suppress(requests.RequestException):
                    self.http("DELETE", f"/api/v1/namespaces/{name}", timeout=10)
        finally:
            if self._client is not None:
                self._client.close()
            shutil.rmtree(self._cache_dir, ignore_errors=True)


def _counted(request: Callable[..., T], budget: RequestBudget) -> Callable[..., T]:
    """``request`` (the client's one way out), counting each call against ``budget``."""
    def counted(*args: Any, **kwargs: Any) -> T:
        budget.spend()
        return request(*args, **kwargs)

    return counted


def _configuration(host: str, token: str, ca_file: str) -> Any:
    from kubernetes import client

    configuration = client.Configuration()
    configuration.host = host
    configuration.api_key = {"authorization": token}
    configuration.api_key_prefix = {"authorization": "Bearer"}
    configuration.ssl_ca_cert = ca_file
    configuration.retries = False
    return configuration


class FakeTarget(Target):
    name: ClassVar[str] = "fake"
    # What the fake answers must fit the published schemas (a real server's answers
    # are the reference, not checked).
    validates_schemas: ClassVar[bool] = True

    def __init__(self) -> None:
        from fakes.kubernetes import FakeCluster

        restricted = secrets.token_hex(16)
        self.fake = FakeCluster(users={restricted: "restricted"}).start()
        # real-local runs no kube-scheduler: neither does this target, but when a
        # test asks for one (scheduling()).
        self.fake.controllers.disable("scheduler")
        super().__init__(FAKE, self.fake.api_client().configuration, self.fake.kubeconfig)
        self.restricted_token = restricted

    def dynamic(self) -> Any:
        return self.fake.dynamic_client()

    def seed(self, manifest: str) -> list[dict[str, Any]]:
        return self.fake.apply(manifest)

    def read(self, kind: str, name: str, namespace: str | None = None) -> dict[str, Any]:
        return self.fake.get(kind, name, namespace)

    def names(self, kind: str, namespace: str | None, label_selector: str) -> list[str]:
        return [o["metadata"]["name"] for o in self.fake.list(
            kind, namespace, label_selector=label_selector or None)]

    def remove(self, kind: str, name: str, namespace: str | None = None) -> None:
        self.fake.delete(kind, name, namespace)

    def reset(self) -> None:
        self.fake.reset()

    def advance_clock(self, seconds: float) -> None:
        self.fake.clock.advance(seconds)

    def inject(self, fault: Any, **rule: Any) -> None:
        self.fake.faults.add(fault, **rule)

    def clear_faults(self) -> None:
        self.fake.faults.clear()

    def set_pod_log(self, namespace: str, pod: str, text: str,
                    container: str | None = None) -> None:
        self.fake.set_pod_log(namespace, pod, text, container=container)

    def changes_since(self, seq: int) -> list[Any]:
        return self.fake.journal.since(seq)

    @contextlib.contextmanager
    def stages(self, text: str) -> Iterator[list[str]]:
        loaded = self.fake.stages.load(text)
        try:
            yield loaded
        finally:
            self.fake.stages.remove(*loaded)

    @contextlib.contextmanager
    def kwok_stages(self, text: str) -> Iterator[None]:
        stages = self.fake.stages
        built_in = [stages.stage(name) for name in stages.names]
        loaded = stages.load(text)  # kwok's replace the kubelet's of the same name
        try:
            yield
        finally:
            stages.remove(*loaded)
            stages.add(*built_in)

    @contextlib.contextmanager
    def scheduling(self) -> Iterator[None]:
        self.fake.controllers.enable("scheduler")
        try:
            yield
        finally:
            self.fake.controllers.disable("scheduler")

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.fake.stop()


class RealTarget(Target):
    name: ClassVar[str] = "real"

    def __init__(self, configuration: Any, kubeconfig: str, context: str | None,
                 stop: Callable[[], None] | None = None,
                 budget: RequestBudget | None = None,
                 capabilities: Capabilities = REAL) -> None:
        super().__init__(capabilities, configuration, kubeconfig, context)
        self._stop = stop
        self.budget = budget

    def description(self) -> str:
        if self._stop is not None:
            return "kube-apiserver started on loopback (real-local)"
        return "Kubernetes cluster" + (" on loopback" if on_loopback(self.configuration.host)
                                       else "")

    def namespace(self, hint: str) -> str:
        """A new namespace, once it is ready for Pods: the ServiceAccount admission
        plugin refuses a Pod (403) until the namespace's ``default`` ServiceAccount,
        made by a controller a moment later, exists."""
        name = super().namespace(hint)
        if not self.capabilities.controllers:
            return name  # no controller makes the account; no Pod is started either
        core = self.api("CoreV1Api")

        def has_default_account() -> None:
            names = [a.metadata.name for a in core.list_namespaced_service_account(name).items]
            assert "default" in names

        eventually(has_default_account)
        return name

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> RealTarget:
        """``FAKES_KUBERNETES_TARGET``: ``real-local``, or a kubeconfig path (with
        ``FAKES_KUBERNETES_CONTEXT`` naming a context in it); ``FAKES_KUBERNETES_PROFILE``
        (a kubeconfig only): ``real`` (the default) or ``api-only`` (see :data:`PROFILES`)."""
        env = os.environ if environ is None else environ
        profile = env.get("FAKES_KUBERNETES_PROFILE") or "real"
        if profile not in PROFILES:
            raise pytest.UsageError(f"FAKES_KUBERNETES_PROFILE is one of "
                                    f"{', '.join(PROFILES)}, not {profile!r}")
        budget = RequestBudget(RequestBudget.limit_from_environment(env),
                               target="the real cluster")
        target = env["FAKES_KUBERNETES_TARGET"]
        if target == "real-local":
            from fakes.conformance.kubernetes.control_plane import ControlPlane

            plane = ControlPlane().start()
            assert plane.kubeconfig is not None and plane.ca_file is not None
            target = cls(_configuration(plane.url, plane.admin_token, str(plane.ca_file)),
                         str(plane.kubeconfig), None, plane.stop, budget)
            target.restricted_token = plane.restricted_token
            return target
        from kubernetes import client, config

        context = env.get("FAKES_KUBERNETES_CONTEXT") or None
        configuration = client.Configuration()
        config.load_kube_config(config_file=target, context=context,
                                client_configuration=configuration, persist_config=False)
        configuration.retries = False
        return cls(configuration, target, context, budget=budget,
                   capabilities=PROFILES[profile])

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self._stop is not None:
                self._stop()

