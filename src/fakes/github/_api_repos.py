"""Routes of a repository's settings (update, topics), its tags (annotated tag objects,
the tag list) and the redirects a rename leaves, mixed into the REST adapter
(``GitHubAdapter``). The rules are in ``_settings`` and ``_tags``.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from fakes._adapter import Call, Route, route
from fakes._http import Request, Response
from fakes.github._api_base import RoutesBase
from fakes.github._errors import fail, validation_failed
from fakes.github._model import Repository
from fakes.github._settings import TOPICS_DOCS, RepositoryMoved, replace_topics, update_repository
from fakes.github._tags import TAGS_DOCS, create_tag

REPO = "/repos/{owner}/{repo}"
JSON_TYPE = "application/json; charset=utf-8"
_BY_ID = re.compile(r"/repositories/([0-9]+)(/.*)?\Z")


class RepoRoutes(RoutesBase):
    """Settings, topics, tags and rename redirects."""

    # -- redirects -----------------------------------------------------------------------

    def match(self, request: Request, path: str) -> tuple[Route, dict[str, str]] | None:
        """``/repositories/<id>/…`` is ``/repos/<owner>/<name>/…`` of the repository with
        that id: where the redirect of an old name points."""
        found = super().match(request, path)
        by_id = _BY_ID.match(path) if found is None else None
        if by_id is not None:
            repo = self.store.repository_by_id(int(by_id.group(1)))
            if repo is not None:
                found = super().match(request, f"/repos/{quote(repo.owner)}/"
                                      f"{quote(repo.name)}{by_id.group(2) or ''}")
        return found

    def moved_response(self, request: Request, moved: RepositoryMoved) -> Response:
        """301 for a GET, 307 for anything else, to ``/repositories/<id>`` with the rest
        of the path and the query; the body names the same URL."""
        prefix = request.base[len(request.origin):]
        inner = request.raw_path[len(prefix):] if prefix else request.raw_path
        rest = "/".join(inner.split("/")[4:])
        location = f"{request.base}/repositories/{moved.repository_id}" + (
            f"/{rest}" if rest else "")
        query = request.target.partition("?")[2]
        if query:
            location += "?" + query
        read = request.method == "GET"
        body = {"message": "Moved Permanently" if read else "Temporary Redirect",
                "url": location, "documentation_url": moved.documentation_url}
        return Response.json(301 if read else 307, body, [("Location", location)], JSON_TYPE)

    # -- settings ------------------------------------------------------------------------

    @route("PATCH", REPO, "repos/update")
    def repo_update(self, request: Request, call: Call) -> Response:
        """https://docs.github.com/rest/repos/repos#update-a-repository (admin)."""
        repo = self._repo(call, "admin", "administration")
        body = self._json(request)
        old = repo.full_name
        update_repository(call.store, repo, body, call.actor)
        if repo.full_name != old:
            self.renamed(old, repo.full_name)
        return Response.json(200, self._repo_json(request, call.store, repo, full=True), (),
                             JSON_TYPE)

    @route("GET", REPO + "/topics", "repos/get-all-topics")
    def topics_get(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "read", "metadata")
        return Response.json(200, {"names": list(repo.settings.topics)}, (), JSON_TYPE)

    @route("PUT", REPO + "/topics", "repos/replace-all-topics")
    def topics_put(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "admin", "administration")
        names = self._json(request).get("names")
        if not isinstance(names, list):
            raise validation_failed({"resource": "Repository", "field": "names",
                                     "code": "missing_field"}, docs=TOPICS_DOCS)
        topics = replace_topics(call.store, repo, names, call.actor)
        return Response.json(200, {"names": list(topics)}, (), JSON_TYPE)

    # -- tags ----------------------------------------------------------------------------

    def _tag_json(self, request: Request, repo: Repository, sha: str) -> dict[str, Any]:
        from fakes.github._api import _UNSIGNED, _iso, _node_id

        tag = repo.git.tag(sha)
        assert tag is not None
        api = f"{request.base}/repos/{repo.full_name}"
        kind, target = tag.object[0].type_name.decode(), tag.object[1].decode()
        shown: dict[str, Any] = {
            "node_id": _node_id("Tag", sha), "tag": tag.name.decode(errors="replace"),
            "sha": sha, "url": f"{api}/git/tags/{sha}",
            "message": tag.message.decode(errors="replace"),
            "object": {"sha": target, "type": kind, "url": f"{api}/git/{kind}s/{target}"},
            "verification": _UNSIGNED,
        }
        if tag.tagger:
            name, _, email = tag.tagger.decode(errors="replace").partition(" <")
            shown["tagger"] = {"name": name, "email": email.rstrip(">"), "date": _iso(
                datetime.fromtimestamp(tag.tag_time, timezone.utc))}
        return shown

    @route("POST", REPO + "/git/tags", "git/create-tag")
    def tag_create(self, request: Request, call: Call) -> Response:
        """https://docs.github.com/rest/git/tags#create-a-tag-object: ``tag``,
        ``message``, ``object`` and ``type`` required; ``tagger`` defaults to the user."""
        repo = self._repo(call, "write")
        body = self._json(request)
        fields = {name: body.get(name) for name in ("tag", "message", "object", "type")}
        for name, value in fields.items():
            if not isinstance(value, str):
                raise validation_failed({"resource": "Tag", "field": name,
                                         "code": "missing_field"},
                                        docs=f"{TAGS_DOCS}#create-a-tag-object")
        tagger = call.store.person(call.actor, body.get("tagger"))
        sha = create_tag(call.store, repo, str(fields["tag"]), str(fields["message"]),
                         str(fields["object"]), str(fields["type"]), tagger, call.actor)
        shown = self._tag_json(request, repo, sha)
        return Response.json(201, shown, [("Location", shown["url"])], JSON_TYPE)

    @route("GET", REPO + "/git/tags/{tag_sha}", "git/get-tag")
    def tag_get(self, request: Request, call: Call) -> Response:
        repo = self._repo(call)
        call.store.require_not_empty(repo)
        sha = call.params["tag_sha"].lower()
        if repo.git.tag(sha) is None:
            raise fail(404, "Not Found", f"{TAGS_DOCS}#get-a-tag")
        return Response.json(200, self._tag_json(request, repo, sha), (), JSON_TYPE)

    @route("GET", REPO + "/tags", "repos/list-tags")
    def tags_list(self, request: Request, call: Call) -> Response:
        """https://docs.github.com/rest/repos/repos#list-repository-tags: lightweight and
        annotated tags alike, each with the commit it names in the end. GitHub promises no
        order; the fake lists names in descending order."""
        from fakes.github._api import _node_id

        repo = self._repo(call)
        tags = sorted(((name.removeprefix("refs/tags/"), sha)
                       for name, sha in repo.git.refs().items()
                       if name.startswith("refs/tags/")), reverse=True)
        page, headers = self._page(request, tags)
        api = f"{request.base}/repos/{repo.full_name}"
        web = f"{request.origin}/{repo.full_name}"
        shown = []
        for name, sha in page:
            commit = repo.git.peel(sha)
            shown.append({
                "name": name, "commit": {"sha": commit, "url": f"{api}/commits/{commit}"},
                "zipball_url": f"{web}/zipball/refs/tags/{quote(name)}",
                "tarball_url": f"{web}/tarball/refs/tags/{quote(name)}",
                "node_id": _node_id("Ref", f"{repo.id}:refs/tags/{name}"),
            })
        return Response.json(200, shown, headers, JSON_TYPE)
