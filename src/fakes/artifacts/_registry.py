"""``FakeRegistry``: the artifact store fake users start."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from fakes._clock import Clock
from fakes._fake import Fake, Snapshot
from fakes.artifacts._api import RegistryAdapter
from fakes.artifacts._auth import Account, TokenService
from fakes.artifacts._model import Manifest, Registry, digest_of

SEED = "seed"


class FakeRegistry(Fake[Registry]):
    """An in-memory OCI Distribution registry on loopback.

    Modelled: repositories, content-addressed blobs (sha256, sha512) with
    chunked, monolithic and mounted uploads, manifests (OCI image manifest and
    index, Docker schema 2 manifest and list) with Accept negotiation, tags
    with pagination, referrers (OCI 1.1), deletion, per-repository tag
    immutability (ECR's rules) and deletion policy, bearer-token auth with
    pull/push/delete scopes, and a manifest size limit.

    Divergences from real registries are listed in ``docs/artifacts.md``;
    anything not modelled answers ``501 UNSUPPORTED`` naming the operation.

    Seeding writes go through the same model as the wire, journaled with
    actor ``"seed"`` (or the one you pass), so a test can stage "another
    pipeline pushed this" before the code under test runs.
    """

    def __init__(
        self,
        *,
        accounts: Iterable[Account] = (),
        anonymous_pull: bool = True,
        max_manifest_bytes: int = 4 * 1024 * 1024,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock | None = None,
        allow_non_loopback: bool = False,
        seed: int = 0,
        control_api: bool = False,
    ) -> None:
        self._accounts = tuple(accounts)
        self._anonymous_pull = anonymous_pull
        self._max_manifest_bytes = max_manifest_bytes
        super().__init__(host=host, port=port, clock=clock,
                         allow_non_loopback=allow_non_loopback, seed=seed,
                         control_api=control_api)

    def _make_store(self) -> Registry:
        return Registry(self.journal)

    def _make_adapter(self) -> RegistryAdapter:
        self.tokens = TokenService(self._accounts, self._anonymous_pull, self.clock)
        return RegistryAdapter(self.store, self.faults, self.tokens, self._max_manifest_bytes)

    def reset(self, to: Snapshot[Registry] | None = None) -> None:
        super().reset(to)
        self.tokens.reset()

    @property
    def host(self) -> str:
        """``host:port``, the form image references and oras use."""
        return self.url.removeprefix("http://")

    # -- seeding and inspection, in domain terms ---------------------------------------------

    def configure_repository(
        self, name: str, *, immutable_tags: bool = False, deletion_enabled: bool = True
    ) -> None:
        """Create ``name`` if needed and set its tag and deletion policies."""
        self.store.configure_repository(name, immutable_tags=immutable_tags,
                                        deletion_enabled=deletion_enabled, actor=SEED)

    def push_blob(self, repository: str, data: bytes, *, actor: str = SEED) -> str:
        """Store a blob in ``repository``; returns its digest."""
        return self.store.push_blob(repository, data, None, actor)

    def push_manifest(
        self, repository: str, manifest: Mapping[str, Any] | bytes, *,
        tag: str | None = None, media_type: str | None = None, actor: str = SEED,
    ) -> str:
        """Store a manifest (a dict is serialised as JSON), tag it if asked; returns its digest.

        ``media_type`` defaults to the manifest's own ``mediaType`` field.
        """
        content = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
        if media_type is None:
            media_type = str(json.loads(content).get("mediaType", ""))
        pushed = self.store.push_manifest(repository, tag or digest_of(content), content,
                                          media_type, actor)
        return pushed.manifest.digest

    def repositories(self) -> list[str]:
        return self.store.repositories()

    def tags(self, repository: str) -> list[str]:
        return self.store.tags(repository)[0]

    def manifest(self, repository: str, reference: str) -> Manifest:
        return self.store.manifest(repository, reference)

    def blob(self, repository: str, digest: str) -> bytes:
        return bytes(self.store.blob(repository, digest))

