"""An immutable artifact store that speaks the OCI Distribution protocol.

``FakeRegistry`` serves it on loopback for ``requests``, oras, skopeo and any
other registry client; see ``docs/artifacts.md`` for what is modelled.
"""

from fakes.artifacts._auth import Account
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

__all__ = [
    "DOCKER_LIST",
    "DOCKER_MANIFEST",
    "OCI_INDEX",
    "OCI_MANIFEST",
    "Account",
    "Descriptor",
    "FakeRegistry",
    "Manifest",
    "digest_of",
]
