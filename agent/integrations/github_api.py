"""A small GitHub REST client over httpx: only the calls the Action needs, with retries.

Why our own: the Action must work on GitHub Enterprise Server (base URL from `GITHUB_API_URL`), retry rate
limits and 5xx the way GitHub documents (`Retry-After`, `X-RateLimit-Reset`), and be testable against a
loopback server; a transport can be injected for that.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import httpx

from agent.errors import DialError

API_VERSION = "2022-11-28"
PERMISSION_RANK = {"none": -1, "read": 0, "triage": 1, "write": 2, "maintain": 3, "admin": 4}


class GitHubAPIError(DialError):
    """A GitHub call that failed after retries; carries the status for callers that branch on it."""

    def __init__(self, method: str, path: str, status: int, message: str) -> None:
        super().__init__(
            f"GitHub API {method} {path} failed with HTTP {status}: {message}",
            "check the workflow's `permissions:` block and that GITHUB_TOKEN may do this",
        )
        self.status = status


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait; a test passes a tiny `max_wait_s`."""

    max_retries: int = 4
    base_delay_s: float = 1.0
    max_wait_s: float = 60.0


def _is_rate_limited(response: httpx.Response) -> bool:
    if response.status_code == 429:
        return True
    if response.status_code == 403:
        if response.headers.get("x-ratelimit-remaining") == "0" or "retry-after" in response.headers:
            return True
        return "rate limit" in response.text.lower()
    return False


def _wait_seconds(response: httpx.Response, attempt: int, policy: RetryPolicy) -> float:
    header = response.headers.get("retry-after")
    if header is not None:
        try:
            return min(float(header), policy.max_wait_s)
        except ValueError:
            pass
    reset = response.headers.get("x-ratelimit-reset")
    if reset is not None and response.headers.get("x-ratelimit-remaining") == "0":
        try:
            return min(max(float(reset) - time.time(), 0.0) + 1.0, policy.max_wait_s)
        except ValueError:
            pass
    return min(policy.base_delay_s * (2**attempt), policy.max_wait_s)


class GitHubClient:
    """Speaks to one repository (`owner/name`) of one GitHub (or GHES) instance."""

    def __init__(
        self,
        api_url: str,
        token: str,
        repository: str,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        timeout_s: float = 30.0,
    ) -> None:
        if "/" not in repository:
            raise DialError(f"GITHUB_REPOSITORY is '{repository}', not owner/name", "set GITHUB_REPOSITORY=owner/name")
        self.repository = repository
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "dial-agent",
        }
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(
            base_url=api_url.rstrip("/"), headers=headers, transport=transport, timeout=timeout_s
        )

    def close(self) -> None:
        self._http.close()

    # -- transport -------------------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, json: Any = None, params: dict | None = None) -> httpx.Response:
        """One call with retries on rate limits, 5xx and dropped connections."""
        last_error = ""
        for attempt in range(self.retry.max_retries + 1):
            try:
                response = self._http.request(method, path, json=json, params=params)
            except httpx.TransportError as exc:
                last_error = f"{type(exc).__name__}: {exc}"
                if attempt == self.retry.max_retries:
                    break
                self._sleep(min(self.retry.base_delay_s * (2**attempt), self.retry.max_wait_s))
                continue
            retryable = response.status_code >= 500 or _is_rate_limited(response)
            if response.status_code < 400:
                return response
            if not retryable or attempt == self.retry.max_retries:
                raise GitHubAPIError(method, path, response.status_code, _message(response))
            self._sleep(_wait_seconds(response, attempt, self.retry))
        raise DialError(
            f"cannot reach the GitHub API at {self._http.base_url}: {last_error}",
            "check GITHUB_API_URL (on GitHub Enterprise Server it ends in /api/v3)",
        )

    def _paged(self, path: str) -> Iterator[dict]:
        page = 1
        while True:
            items = self.request("GET", path, params={"per_page": 100, "page": page}).json()
            yield from items
            if len(items) < 100:
                return
            page += 1

    @property
    def _repo(self) -> str:
        return f"/repos/{self.repository}"

    # -- calls -----------------------------------------------------------------------------------------------
    def get_repo(self) -> dict:
        return self.request("GET", self._repo).json()

    def get_pull(self, number: int) -> dict:
        return self.request("GET", f"{self._repo}/pulls/{number}").json()

    def list_pull_files(self, number: int) -> list[dict]:
        return list(self._paged(f"{self._repo}/pulls/{number}/files"))

    def permission(self, user: str) -> str:
        """The user's role on the repo: admin, maintain, write, triage, read or none."""
        try:
            data = self.request("GET", f"{self._repo}/collaborators/{user}/permission").json()
        except GitHubAPIError as err:
            if err.status == 404:
                return "none"
            raise
        role = str(data.get("role_name") or "").lower()
        return role if role in PERMISSION_RANK else str(data.get("permission") or "none").lower()

    def list_issue_comments(self, number: int) -> list[dict]:
        return list(self._paged(f"{self._repo}/issues/{number}/comments"))

    def create_issue_comment(self, number: int, body: str) -> dict:
        return self.request("POST", f"{self._repo}/issues/{number}/comments", json={"body": body}).json()

    def update_issue_comment(self, comment_id: int, body: str) -> dict:
        return self.request("PATCH", f"{self._repo}/issues/comments/{comment_id}", json={"body": body}).json()

    def create_review(self, number: int, commit_id: str, body: str, comments: list[dict]) -> dict:
        payload = {"commit_id": commit_id, "body": body, "event": "COMMENT", "comments": comments}
        return self.request("POST", f"{self._repo}/pulls/{number}/reviews", json=payload).json()

    def create_pull(self, *, head: str, base: str, title: str, body: str, draft: bool = True) -> dict:
        payload = {"head": head, "base": base, "title": title, "body": body, "draft": draft}
        return self.request("POST", f"{self._repo}/pulls", json=payload).json()


def _message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(data, dict):
        return str(data.get("message", ""))[:300]
    return str(data)[:200]


def permission_allows(actual: str, required: str) -> bool:
    """True when `actual` is at least `required` on GitHub's role ladder."""
    if required not in PERMISSION_RANK:
        raise DialError(
            f"allowed-permission is '{required}'",
            f"use one of {', '.join(k for k in PERMISSION_RANK if k != 'none')}",
        )
    return PERMISSION_RANK.get(actual, -1) >= PERMISSION_RANK[required]
