"""`dial github`: one Actions event in, one dial run, and its result back on GitHub.

The order matters for safety: the event is parsed (ignored unless it asks for dial), the requester's
permission is checked before anything runs, the setup command and the dial child get an environment without
the GitHub token, and only this process (outside any sandbox) talks to GitHub or pushes.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any, Callable, Mapping

from agent.errors import DialError
from agent.integrations import summary
from agent.integrations.events import ActionsEnv, Ignored, Trigger, frame_task, load_payload, parse_event, read_env
from agent.integrations.git_ops import Git, GitError
from agent.integrations.github_api import GitHubClient, permission_allows
from agent.integrations.runner import RunRequest, Runner, SubprocessRunner, child_env, error_result
from agent.integrations.suggestions import plan_review, review_body

Log = Callable[[str], None]


def run_github(
    env: Mapping[str, str],
    *,
    client: GitHubClient | None = None,
    runner: Runner | None = None,
    log: Log = print,
) -> int:
    """Handle the event described by `env` (the Actions variables); returns the exit code."""
    cfg = read_env(env)
    trigger = parse_event(cfg.event_name, load_payload(cfg.event_path))
    if isinstance(trigger, Ignored):
        log(f"dial: nothing to do: {trigger.reason}")
        _write_outputs(cfg, {"status": "ignored"})
        return 0
    own_client = client is None
    client = client or GitHubClient(cfg.api_url, cfg.token, cfg.repository)
    try:
        action = GitHubAction(cfg, trigger, client, runner or SubprocessRunner(env), env, log)
        return action.run()
    finally:
        if own_client:
            client.close()


class GitHubAction:
    """One triggered run: permission check, dial, then review/commit/draft PR and the summary comment."""

    def __init__(self, cfg: ActionsEnv, trigger: Trigger, client: GitHubClient, runner: Runner,
                 env: Mapping[str, str], log: Log) -> None:
        self.cfg, self.trigger, self.client, self.runner, self.env, self.log = cfg, trigger, client, runner, env, log
        self.git = Git(cfg.workspace, cfg.token)
        self.notes: list[str] = []

    def run(self) -> int:
        t, inputs = self.trigger, self.cfg.inputs
        permission = self.client.permission(t.actor)
        if not permission_allows(permission, inputs.allowed_permission):
            self.client.create_issue_comment(
                t.number,
                f"@{t.actor} dial runs only for people with `{inputs.allowed_permission}` permission or higher on "
                f"this repository (yours: `{permission}`), so nothing was run. A maintainer can ask instead.",
            )
            self.log(f"dial: ignored: @{t.actor} has '{permission}', needs '{inputs.allowed_permission}'")
            _write_outputs(self.cfg, {"status": "ignored"})
            return 0
        if self.git.persisted_credentials():
            self.notes.append("Warning: the checkout stored the token in `.git/config`, where the repository's "
                              "tests could read it. Check out with `persist-credentials: false`.")
        try:
            result = self._pull_request() if t.on_pull_request else self._issue()
        except DialError as err:
            self._report_crash(err)
            raise
        status = str(result.get("status"))
        self.log(f"dial: {status}")
        _write_outputs(self.cfg, {"status": status, "trajectory": str(self._trajectory(result))})
        return 0 if status == "passed" else 1

    # -- pull requests -------------------------------------------------------------------------------------
    def _pull_request(self) -> dict[str, Any]:
        t, inputs = self.trigger, self.cfg.inputs
        pr = self.client.get_pull(t.number)
        head_sha, head_ref = pr["head"]["sha"], pr["head"]["ref"]
        head_repo = ((pr["head"].get("repo") or {}).get("full_name")) or ""
        fork = head_repo.lower() != self.cfg.repository.lower()
        mode = inputs.mode
        if mode == "commit" and fork:
            mode = "suggest"
            self.notes.append(f"This pull request comes from the fork `{head_repo or 'deleted'}`; the workflow's "
                              "token cannot push there, so dial suggests the change instead of committing it.")
        what = "make the failing tests pass" if t.fix_tests else f"the request of @{t.actor}"
        headline = f"{what} on #{t.number}"
        summary.upsert(self.client, t.number, summary.render(headline=f"working on {headline}", result=None,
                                                             notes=[], run_url=self.cfg.run_url))
        try:
            self.git.checkout_pr_head(t.number, head_sha)
            self._setup()
        except DialError as err:
            return self._finish(t.number, headline, error_result(err.render()), mode)
        task = None if t.fix_tests else frame_task(t, self.cfg.repository)
        result = self.runner(self._request(task, apply=(mode == "commit")))
        diff = str(result.get("diff") or "")
        if mode == "commit" and diff:
            mode = self._commit_to_pr(result, head_ref)
        if mode == "suggest" and diff:
            files = self.client.list_pull_files(t.number)
            plan = plan_review(diff, files, lambda path: self.git.show(head_sha, path))
            self.client.create_review(t.number, head_sha, review_body(plan, diff), plan.comments)
            extra = f", and a patch ({plan.reason})" if plan.patch_needed else ""
            self.notes.append(f"Posted a review with {len(plan.comments)} suggested change(s){extra}.")
        if not diff:
            self.notes.append("dial made no change.")
        return self._finish(t.number, headline, result, mode)

    def _commit_to_pr(self, result: dict[str, Any], head_ref: str) -> str:
        """Push the fix to the PR branch; the mode to continue in (`suggest` when it could not)."""
        if result.get("status") != "passed":
            self.notes.append("The tests do not pass with this change, so dial suggests it instead of pushing it.")
            return "suggest"
        try:
            if not result.get("applied"):
                self.git.apply(str(result["diff"]))
            sha = self.git.commit_all(f"dial: {self._commit_title()}")
            if sha is None:
                self.notes.append("The change was already on the branch; nothing to push.")
                return "comment"
            self.git.push(head_ref)
        except GitError as err:
            self.log(f"dial: push failed: {err.output.strip()[-300:]}")
            self.notes.append(f"Pushing to `{head_ref}` failed: {_git_reason(err.output)}. dial suggests the change "
                              "instead (pushing needs `contents: write` and a branch that accepts the push).")
            return "suggest"
        self.notes.append(f"Pushed commit {sha[:12]} to `{head_ref}`.")
        return "commit"

    # -- issues --------------------------------------------------------------------------------------------
    def _issue(self) -> dict[str, Any]:
        t = self.trigger
        headline = f"fix for issue #{t.number}"
        summary.upsert(self.client, t.number, summary.render(headline=f"working on a {headline}", result=None,
                                                             notes=[], run_url=self.cfg.run_url))
        base = str(self.client.get_repo().get("default_branch") or "main")
        try:
            self._setup()
        except DialError as err:
            return self._finish(t.number, headline, error_result(err.render()), "comment")
        result = self.runner(self._request(frame_task(t, self.cfg.repository), apply=True))
        diff = str(result.get("diff") or "")
        if not diff:
            self.notes.append("dial made no change, so no pull request was opened.")
            return self._finish(t.number, headline, result, "comment")
        branch = f"dial/issue-{t.number}-{self.cfg.run_id or int(time.time())}"
        try:
            if not result.get("applied"):
                self.git.apply(diff)
            self.git.new_branch(branch)
            if self.git.commit_all(f"dial: {self._commit_title()} (#{t.number})") is None:
                raise GitError(["commit"], "nothing to commit after applying the diff")
            self.git.push(branch)
        except GitError as err:
            self.notes.append(f"Could not push the branch `{branch}` (the token needs `contents: write`): "
                              f"{_git_reason(err.output)}")
            return self._finish(t.number, headline, result, "comment")
        status = str(result.get("status"))
        body = summary.render(headline=f"fix for #{t.number}", result=result, notes=[], run_url=self.cfg.run_url)
        body = body.replace(summary.MARKER + "\n", "", 1) + f"\nRequested in #{t.number} by @{t.actor}.\n"
        title = f"dial: {t.title or f'issue #{t.number}'}" + ("" if status == "passed" else f" ({status})")
        created = self.client.create_pull(head=branch, base=base, title=title[:250], body=body, draft=True)
        self.notes.append(f"Opened draft pull request #{created.get('number')} from `{branch}`.")
        return self._finish(t.number, headline, result, "comment")

    # -- shared --------------------------------------------------------------------------------------------
    def _request(self, task: str | None, apply: bool) -> RunRequest:
        i = self.cfg.inputs
        return RunRequest(repo=self.cfg.workspace, task=task, model=i.model, budget=i.budget, max_cost=i.max_cost,
                          test_cmd=i.test_cmd, apply=apply)

    def _setup(self) -> None:
        """Run setup-cmd: the PR's code with the network on, so in the sandbox (own pid namespace, private
        home, only the workspace writable, no token or model key) when there is one; plain otherwise."""
        command = self.cfg.inputs.setup_cmd
        if not command:
            return
        self.log(f"dial: setup: {command}")
        try:
            from sandbox import Limits, get_sandbox

            box = get_sandbox(writable=[self.cfg.workspace])
        except DialError as err:
            box = None
            self.notes.append(f"setup-cmd ran without a sandbox ({err.problem}).")
        if box is not None:
            limits = Limits(timeout_s=3600, cpu_s=None, memory_mb=None, file_size_mb=None)
            result = box.run(["bash", "-c", command], cwd=self.cfg.workspace, limits=limits, network=True)
            code, output = (0 if result.ok else (result.exit_code or 1)), result.output
            if result.timed_out:
                output += "\n(setup-cmd timed out)"
        else:
            proc = subprocess.run(["bash", "-c", command], cwd=self.cfg.workspace, capture_output=True, text=True,
                                  env=child_env(self.env, keep_model_keys=False), timeout=3600)
            code, output = proc.returncode, proc.stdout + proc.stderr
        self.log(output[-4000:])
        if code != 0:
            raise DialError(f"setup-cmd exited with code {code}: {output[-800:]}",
                            "fix the setup-cmd input (it installs the repository's dependencies)")

    def _commit_title(self) -> str:
        t = self.trigger
        if t.fix_tests:
            return "make the failing tests pass"
        first = t.request.strip().splitlines()[0] if t.request.strip() else t.title
        return first[:60]

    def _finish(self, number: int, headline: str, result: dict[str, Any], mode: str) -> dict[str, Any]:
        body = summary.render(headline=headline, result=result, notes=self.notes, run_url=self.cfg.run_url,
                              diff_in_comment=(mode == "comment"))
        summary.upsert(self.client, number, body)
        if self.cfg.step_summary_path is not None:
            with self.cfg.step_summary_path.open("a", encoding="utf-8") as fh:
                fh.write(body.replace(summary.MARKER + "\n", "", 1))
        return result

    def _report_crash(self, err: DialError) -> None:
        """Leave a useful summary when a GitHub or git step failed, rather than a stale 'working on it'."""
        try:
            body = summary.render(headline=f"stopped on #{self.trigger.number}", result=error_result(err.render()),
                                  notes=self.notes, run_url=self.cfg.run_url)
            summary.upsert(self.client, self.trigger.number, body)
        except DialError as second:
            self.log(f"dial: could not update the summary comment either: {second.problem}")

    def _trajectory(self, result: dict[str, Any]) -> Path:
        runs = self.cfg.workspace / ".dial" / "runs"
        run_dir = runs / str(result.get("run_id") or "")
        return run_dir if result.get("run_id") and run_dir.exists() else runs


def _write_outputs(cfg: ActionsEnv, values: dict[str, str]) -> None:
    """Step outputs for the composite action (the artifact step reads `trajectory`)."""
    if cfg.output_path is None:
        return
    with cfg.output_path.open("a", encoding="utf-8") as fh:
        for key, value in values.items():
            fh.write(f"{key}={value}\n")


def _git_reason(text: str) -> str:
    """The lines of git's output that say why (the remote's words, the rejection), not its generic last line."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip() and not line.startswith("hint:")]
    telling = [line for line in lines if line.startswith(("remote:", "fatal:", "!")) or "rejected" in line]
    return "; ".join(telling[:3] or lines[-1:] or ["no output"])[:300]
