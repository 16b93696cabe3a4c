"""The machine's ``git`` in a temporary directory whose configuration is its own: the
user's ``~/.gitconfig``, the system's ``/etc/gitconfig`` and ``GIT_*`` variables of the
calling process play no part, so a test behaves the same on every machine."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from types import TracebackType

import attrs

__all__ = ["GitError", "GitWorkdir"]


@attrs.frozen
class GitError(Exception):
    """A git command that exited non-zero: its arguments, exit code and output."""

    args_: tuple[str, ...]
    returncode: int
    output: str

    def __str__(self) -> str:
        return f"git {' '.join(self.args_)} exited {self.returncode}:\n{self.output}"


class GitWorkdir:
    """A temporary directory where ``git`` runs with an isolated configuration (``HOME``
    is the directory, ``GIT_CONFIG_NOSYSTEM`` set, no prompts) and ``name``/``email``
    as author and committer. Remove it with :meth:`close`, or use it as a context
    manager. ``url_of(repo, token)`` gives :meth:`clone` its URLs."""

    def __init__(self, *, name: str = "Conformance", email: str = "conformance@example.com",
                 url_of: Callable[[str, str | None], str] | None = None) -> None:
        self.path = tempfile.mkdtemp(prefix="vf-git-")
        self._url_of = url_of
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
            "HOME": self.path, "XDG_CONFIG_HOME": self.path, "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "",
            "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email, "LC_ALL": "C",
        }

    def git(self, *args: str, cwd: str | None = None, check: bool = True,
            env: Mapping[str, str] | None = None) -> str:
        """Run git in ``cwd`` (relative to the directory); the combined output, or
        :class:`GitError` when ``check`` and it fails."""
        done = subprocess.run(["git", "-c", "init.defaultBranch=main", *args],
                              cwd=os.path.join(self.path, cwd) if cwd else self.path,
                              env={**self.env, **(env or {})}, capture_output=True,
                              text=True, timeout=120, check=False)
        output = done.stdout + done.stderr
        if check and done.returncode != 0:
            raise GitError(tuple(args), done.returncode, output)
        return output

    def fails(self, *args: str, cwd: str | None = None) -> str:
        """Run git expecting it to fail; its output."""
        done = subprocess.run(["git", *args], cwd=os.path.join(self.path, cwd) if cwd
                              else self.path, env=self.env, capture_output=True, text=True,
                              timeout=120, check=False)
        assert done.returncode != 0, done.stdout + done.stderr
        return done.stdout + done.stderr

    def clone(self, repo: str, token: str | None = None, into: str | None = None) -> str:
        """Clone ``owner/name`` into ``into`` (default: the repository's name); returns
        that directory, for ``cwd=``."""
        if self._url_of is None:
            raise TypeError("this workdir knows no server: pass url_of")
        into = into or repo.partition("/")[2]
        self.git("clone", "-q", self._url_of(repo, token), into)
        return into

    def commit(self, clone: str, files: Mapping[str, str | bytes | None],
               message: str) -> str:
        """A commit in the clone ``clone`` writing ``files`` (None deletes one); its sha."""
        for path, content in files.items():
            full = os.path.join(self.path, clone, path)
            if content is None:
                os.remove(full)
                continue
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "wb") as f:
                f.write(content.encode() if isinstance(content, str) else content)
        self.git("add", "-A", cwd=clone)
        self.git("commit", "-q", "-m", message, cwd=clone)
        return self.git("rev-parse", "HEAD", cwd=clone).strip()

    def close(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self) -> GitWorkdir:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
