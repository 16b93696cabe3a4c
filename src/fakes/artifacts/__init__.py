"""An immutable artifact store that speaks the OCI Distribution protocol.

``FakeRegistry`` serves it on loopback for ``requests``, oras, skopeo and any
other registry client; see ``docs/artifacts.md`` for what is modelled.

The names below are imported on first use, so that reading the provider's
descriptor (``fakes.artifacts._provider``) at pytest start-up costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fakes._lazy import lazy_exports

if TYPE_CHECKING:
    from fakes.artifacts._auth import Account
    from fakes.artifacts._errors import RegistryError
    from fakes.artifacts._model import (
        DOCKER_LIST,
        DOCKER_MANIFEST,
        OCI_INDEX,
        OCI_MANIFEST,
        Descriptor,
        Manifest,
        digest_of,
    )
    from fakes.artifacts._registry import FakeRegistry

_EXPORTS = {
    "DOCKER_LIST": "fakes.artifacts._model",
    "DOCKER_MANIFEST": "fakes.artifacts._model",
    "OCI_INDEX": "fakes.artifacts._model",
    "OCI_MANIFEST": "fakes.artifacts._model",
    "Account": "fakes.artifacts._auth",
    "Descriptor": "fakes.artifacts._model",
    "FakeRegistry": "fakes.artifacts._registry",
    "Manifest": "fakes.artifacts._model",
    "RegistryError": "fakes.artifacts._errors",
    "digest_of": "fakes.artifacts._model",
}

__all__ = [
    "DOCKER_LIST",
    "DOCKER_MANIFEST",
    "OCI_INDEX",
    "OCI_MANIFEST",
    "Account",
    "Descriptor",
    "FakeRegistry",
    "Manifest",
    "RegistryError",
    "digest_of",
]


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
