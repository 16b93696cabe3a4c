"""git over HTTP in the conformance suite: the machine's ``git`` as the client, and the
servers the same scenarios run against.

- :class:`TargetRemote`: the repositories of a GitHub target (the fake, or github.com
  when opted into), cloned over HTTPS with the run's token as the Basic password;
- :class:`HttpBackend`: git's own server, ``git http-backend`` (from the machine's git),
  behind a tiny CGI bridge on loopback over bare repositories in a temporary directory:
  the reference for what git defines (gitprotocol-http, gitprotocol-pack), served as
  the suite's ``real-local`` target.

A scenario takes a :class:`GitRemote` and checks only what git defines; what GitHub adds
(its auth answers, protected branches) is checked against GitHub targets alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import urlsplit

from fakes.github._workdir import GitError, GitWorkdir

__all__ = ["GitError", "GitRemote", "HttpBackend", "TargetRemote", "Workdir", "git_exec_path",
           "ls_remote"]

GIT_HTTP = "https://git-scm.com/docs/gitprotocol-http"
GIT_PACK = "https://git-scm.com/docs/gitprotocol-pack"
GIT_V2 = "https://git-scm.com/docs/gitprotocol-v2"
GIT_PUSH = "https://git-scm.com/docs/git-push"
GIT_CLONE = "https://git-scm.com/docs/git-clone"


def git_exec_path() -> str | None:
    """Where the machine's git keeps its helpers (None: no git)."""
    if shutil.which("git") is None:
        return None
    found = subprocess.run(["git", "--exec-path"], capture_output=True, text=True,
                           check=False)
    return found.stdout.strip() or None


#: git in a temporary directory with an isolated configuration (the fake's own helper:
#: it runs only the machine's git, against whichever server a test names).
Workdir = GitWorkdir


class GitRemote(Protocol):
    """A server of git repositories the scenarios clone from and push to."""

    #: What the server is, for messages.
    name: str

    def new_repo(self, hint: str, *, empty: bool = False) -> str:
        """A repository with one commit on ``main`` holding ``README.md`` (none when
        ``empty``); its name."""
        ...

    def url(self, repo: str) -> str:
        """The clone URL of ``repo``, with credentials that may push."""
        ...


def ls_remote(work: Workdir, url: str) -> dict[str, str]:
    """ref → sha as the server advertises them."""
    refs = {}
    for line in work.git("ls-remote", url).splitlines():
        sha, _, name = line.partition("\t")
        refs[name] = sha
    return refs


# -- git http-backend, behind a CGI bridge --------------------------------------------------


class _CgiBridge(BaseHTTPRequestHandler):
    """One request to ``git http-backend`` as a CGI script (RFC 3875)."""

    server: _BridgeServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._run()

    def do_POST(self) -> None:
        self._run()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(data)
                data.extend(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _run(self) -> None:
        parts = urlsplit(self.path)
        body = self._body()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": self.server.root, "GIT_HTTP_EXPORT_ALL": "1",
            "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_PROTOCOL": "HTTP/1.1",
            "REQUEST_METHOD": self.command, "PATH_INFO": parts.path,
            "QUERY_STRING": parts.query, "REMOTE_ADDR": "127.0.0.1",
            "REMOTE_USER": "conformance",  # receive-pack is served to authenticated users
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)), "HOME": self.server.root,
            "GIT_CONFIG_NOSYSTEM": "1",
        }
        for name in ("Content-Encoding", "Git-Protocol"):
            value = self.headers.get(name)
            if value is not None:
                key = "GIT_PROTOCOL" if name == "Git-Protocol" else "HTTP_CONTENT_ENCODING"
                env[key] = value
        done = subprocess.run([self.server.backend], input=body, env=env,
                              capture_output=True, timeout=120, check=False)
        head, _, payload = done.stdout.partition(b"\r\n\r\n")
        if not _:
            head, _, payload = done.stdout.partition(b"\n\n")
        status, headers = 200, []
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _BridgeServer(ThreadingHTTPServer):
    daemon_threads = True
    root: str
    backend: str


class HttpBackend:
    """``git http-backend`` on loopback over bare repositories in a temporary directory."""

    name = "git http-backend"

    def __init__(self) -> None:
        exec_path = git_exec_path()
        if exec_path is None or not os.path.exists(os.path.join(exec_path, "git-http-backend")):
            raise RuntimeError("git http-backend is not installed")
        self.root = tempfile.mkdtemp(prefix="vf-http-backend-")
        self.work = Workdir()
        self._server = _BridgeServer(("127.0.0.1", 0), _CgiBridge)
        self._server.root = self.root
        self._server.backend = os.path.join(exec_path, "git-http-backend")
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self._count = 0
        self._lock = threading.Lock()

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def new_repo(self, hint: str, *, empty: bool = False) -> str:
        with self._lock:
            self._count += 1
            name = f"{hint}-{self._count}.git"
        bare = os.path.join(self.root, name)
        self.work.git("init", "-q", "--bare", bare)
        if empty:
            return name
        seed = f"seed-{name}"
        self.work.git("init", "-q", seed)
        self.work.commit(seed, {"README.md": f"# {hint}\n"}, "Initial commit")
        self.work.git("push", "-q", bare, "HEAD:refs/heads/main", cwd=seed)
        return name

    def configure(self, repo: str, key: str, value: str) -> None:
        """``git config`` in the bare repository (receive.denyNonFastForwards …)."""
        self.work.git("--git-dir", os.path.join(self.root, repo), "config", key, value)

    def url(self, repo: str) -> str:
        return f"{self.base}/{repo}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.work.close()
        shutil.rmtree(self.root, ignore_errors=True)


class TargetRemote:
    """The repositories of a GitHub target over HTTPS: ``<origin>/<owner>/<repo>.git``
    with ``x-access-token:<token>`` as Basic credentials."""

    def __init__(self, target: Any) -> None:
        self.target = target
        self.name = str(target.name)

    @property
    def origin(self) -> str:
        api = str(self.target.api_url).rstrip("/")
        if api == "https://api.github.com":
            return "https://github.com"
        return api.removesuffix("/api/v3")

    def new_repo(self, hint: str, *, private: bool = False, empty: bool = False) -> str:
        return str(self.target.new_repo(hint, private=private, auto_init=not empty))

    def url(self, repo: str, token: str | None = "default") -> str:
        """``token`` None: anonymous; ``"default"``: the run's token."""
        scheme, _, rest = self.origin.partition("://")
        if token is None:
            return f"{scheme}://{rest}/{repo}.git"
        token = self.target.token if token == "default" else token
        return f"{scheme}://x-access-token:{token}@{rest}/{repo}.git"
