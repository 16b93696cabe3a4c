"""MkDocs hook of the documentation site (see mkdocs.yml).

The docstrings in src/ use Sphinx roles (:class:`Clock`, :meth:`reset`).
mkdocstrings renders docstrings as Markdown, where a role would show as the
literal text ":class:" before the name: this hook drops the role and keeps
the name as code.
"""

from __future__ import annotations

import re
from typing import Any

_ROLE = re.compile(r":(?:class|meth|func|attr|mod|data|exc|obj):(<code>)")


def on_page_content(html: str, **_: Any) -> str:
    return _ROLE.sub(r"\1", html)
