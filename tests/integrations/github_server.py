"""A loopback server standing in for the GitHub REST API: serves a scripted repo and records every request.

It checks what GitHub checks where a mistake would pass silently otherwise: review comments must sit on lines
inside the PR's diff hunks (GitHub answers 422), and every call must carry the token.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any



@dataclass
class Recorded:
    method: str
    path: str
    query: str
    body: Any
    headers: dict[str, str]


@dataclass
class GitHubState:
    repository: str = "octo/app"
    default_branch: str = "main"
    token: str = "ghs_test_token_123"
    pulls: dict[int, dict] = field(default_factory=dict)
    pull_files: dict[int, list[dict]] = field(default_factory=dict)
    permissions: dict[str, str] = field(default_factory=dict)
    comments: dict[int, list[dict]] = field(default_factory=dict)
    reviews: dict[int, list[dict]] = field(default_factory=dict)
    created_pulls: list[dict] = field(default_factory=list)
    faults: list[tuple[str, int, dict[str, str]]] = field(default_factory=list)  # (path regex, status, headers)
    requests: list[Recorded] = field(default_factory=list)
    next_id: int = 1000

    def calls(self, method: str, pattern: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and re.search(pattern, r.path)]


class FakeGitHub:
    """Start with `with FakeGitHub(state, prefix="/api/v3") as gh:`; `gh.url` is the API base URL."""

    def __init__(self, state: GitHubState, prefix: str = "") -> None:
        self.state = state
        self.prefix = prefix
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{self.prefix}"

    def __enter__(self) -> "FakeGitHub":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                path, _, query = self.path.partition("?")
                with fake.lock:
                    fake.state.requests.append(Recorded(method, path, query, body, dict(self.headers)))
                    status, payload, headers = fake._route(method, path, query, body, dict(self.headers))
                data = json.dumps(payload).encode()
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def do_PATCH(self) -> None:
                self._serve("PATCH")

        return Handler

    def _route(self, method: str, path: str, query: str, body: Any, headers: dict) -> tuple[int, Any, dict]:
        s = self.state
        for i, (pattern, status, extra) in enumerate(s.faults):
            if re.search(pattern, path):
                s.faults.pop(i)
                return status, {"message": "injected fault"}, extra
        if not path.startswith(self.prefix):
            return 404, {"message": "Not Found (wrong API base URL)"}, {}
        if headers.get("Authorization") != f"Bearer {s.token}":
            return 401, {"message": "Bad credentials"}, {}
        path = path[len(self.prefix):]
        repo = f"/repos/{s.repository}"
        if not path.startswith(repo):
            return 404, {"message": "Not Found"}, {}
        rest = path[len(repo):]
        page = int(dict(p.split("=", 1) for p in query.split("&") if "=" in p).get("page", "1"))
        if method == "GET" and rest == "":
            return 200, {"full_name": s.repository, "default_branch": s.default_branch}, {}
        if m := re.fullmatch(r"/pulls/(\d+)", rest):
            pull = s.pulls.get(int(m[1]))
            return (200, pull, {}) if pull else (404, {"message": "Not Found"}, {})
        if m := re.fullmatch(r"/pulls/(\d+)/files", rest):
            files = s.pull_files.get(int(m[1]), [])
            return 200, files[(page - 1) * 100 : page * 100], {}
        if m := re.fullmatch(r"/collaborators/([^/]+)/permission", rest):
            perm = s.permissions.get(m[1])
            if perm is None:
                return 404, {"message": "Not a collaborator"}, {}
            legacy = {"maintain": "write", "triage": "read"}.get(perm, perm)
            return 200, {"permission": legacy, "role_name": perm, "user": {"login": m[1]}}, {}
        if m := re.fullmatch(r"/issues/(\d+)/comments", rest):
            comments = s.comments.setdefault(int(m[1]), [])
            if method == "GET":
                return 200, comments[(page - 1) * 100 : page * 100], {}
            s.next_id += 1
            comment = {"id": s.next_id, "body": body["body"], "user": {"login": "github-actions[bot]", "type": "Bot"}}
            comments.append(comment)
            return 201, comment, {}
        if (m := re.fullmatch(r"/issues/comments/(\d+)", rest)) and method == "PATCH":
            for comments in s.comments.values():
                for comment in comments:
                    if comment["id"] == int(m[1]):
                        comment["body"] = body["body"]
                        return 200, comment, {}
            return 404, {"message": "Not Found"}, {}
        if (m := re.fullmatch(r"/pulls/(\d+)/reviews", rest)) and method == "POST":
            number = int(m[1])
            problem = self._check_review(number, body)
            if problem:
                return 422, {"message": problem}, {}
            s.reviews.setdefault(number, []).append(body)
            return 200, {"id": 1, "state": "COMMENTED"}, {}
        if rest == "/pulls" and method == "POST":
            pull = {**body, "number": 100 + len(s.created_pulls), "html_url": f"https://github.test/pull/{len(s.created_pulls)}"}
            s.created_pulls.append(pull)
            return 201, pull, {}
        return 404, {"message": f"no route for {method} {path}"}, {}

    def _check_review(self, number: int, body: dict) -> str:
        pull = self.state.pulls.get(number)
        if pull is None:
            return "pull request not found"
        if body.get("commit_id") != pull["head"]["sha"]:
            return "commit_id is not the PR head"
        files = {f["filename"]: _right_side_hunks(f.get("patch") or "") for f in self.state.pull_files.get(number, [])}
        for comment in body.get("comments") or []:
            start, end = comment.get("start_line", comment["line"]), comment["line"]
            hunks = files.get(comment["path"])
            if hunks is None or not any(set(range(start, end + 1)) <= h for h in hunks):
                return "Pull request review thread line must be part of the diff"
        return ""


def _right_side_hunks(patch: str) -> list[set[int]]:
    """Per hunk, the new-file lines shown in the diff (written apart from dial's parser on purpose)."""
    hunks: list[set[int]] = []
    line_no = 0
    for line in patch.split("\n"):
        header = re.match(r"@@ -\d+(?:,\d+)? \+(\d+)", line)
        if header:
            hunks.append(set())
            line_no = int(header[1])
        elif hunks and (line.startswith(" ") or line.startswith("+")):
            hunks[-1].add(line_no)
            line_no += 1
    return hunks
