"""Helpers the GitHub behaviours share."""

from __future__ import annotations

import base64
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

from fakes.conformance.github.targets import Target


def b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


def assert_error(response: requests.Response, status: int, message: str | None = None
                 ) -> dict[str, Any]:
    """GitHub's error body: ``message`` and ``documentation_url`` (and the status)."""
    assert response.status_code == status, (response.status_code, response.text)
    body: dict[str, Any] = response.json()
    assert isinstance(body.get("message"), str), body
    assert "documentation_url" in body, body
    if message is not None:
        assert body["message"] == message, body
    return body


def head_of(target: Target, repo: str, branch: str = "main") -> str:
    response = target.http("GET", f"/repos/{repo}/git/ref/heads/{branch}")
    assert response.status_code == 200, response.text
    return str(response.json()["object"]["sha"])


def put_file(target: Target, repo: str, path: str, content: str, *, sha: str | None = None,
             branch: str | None = None, message: str = "write") -> requests.Response:
    body: dict[str, Any] = {"message": message, "content": b64(content)}
    if sha is not None:
        body["sha"] = sha
    if branch is not None:
        body["branch"] = branch
    return target.http("PUT", f"/repos/{repo}/contents/{path}", json=body)


def commit_on(target: Target, repo: str, parent: str, files: dict[str, str],
              message: str) -> str:
    """A commit with ``files`` over ``parent``'s tree, through the Git database API."""
    parent_tree = target.http("GET", f"/repos/{repo}/git/commits/{parent}").json()["tree"]["sha"]
    tree = target.http("POST", f"/repos/{repo}/git/trees", json={
        "base_tree": parent_tree,
        "tree": [{"path": p, "mode": "100644", "type": "blob", "content": c}
                 for p, c in files.items()]})
    assert tree.status_code == 201, tree.text
    commit = target.http("POST", f"/repos/{repo}/git/commits", json={
        "message": message, "tree": tree.json()["sha"], "parents": [parent]})
    assert commit.status_code == 201, commit.text
    return str(commit.json()["sha"])


class Receiver:
    """An HTTP endpoint on loopback that records what it is sent."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        received, owner = self.received, self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(owner.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self, count: int, timeout: float = 10.0) -> list[tuple[dict[str, str], bytes]]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return list(self.received)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
