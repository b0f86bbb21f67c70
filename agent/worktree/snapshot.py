"""Finding the repository and freezing what the user sees into one commit, without touching it.

The snapshot is HEAD plus tracked modifications, staged changes and untracked-not-ignored files.
It is built in a copy of the user's index (GIT_INDEX_FILE), so their index, stash and checkout stay
byte-identical. A directory that is not a git repo gets a shadow repository at `<dir>/.dial/shadow`
whose work tree is the directory itself: the same plumbing then works unchanged.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from agent.errors import DialError
from agent.worktree.git import Git, copy_index

IN_PROGRESS = {
    "MERGE_HEAD": ("a merge", "git merge --continue (or git commit)", "git merge --abort"),
    "rebase-merge": ("a rebase", "git rebase --continue", "git rebase --abort"),
    "rebase-apply": ("a rebase or git am", "git rebase --continue", "git rebase --abort"),
    "CHERRY_PICK_HEAD": ("a cherry-pick", "git cherry-pick --continue", "git cherry-pick --abort"),
    "REVERT_HEAD": ("a revert", "git revert --continue", "git revert --abort"),
}


@dataclass
class RepoInfo:
    root: Path  # the user's directory: the checkout's top level, or the plain directory
    git: Git  # git for the user's checkout (or the shadow repo whose work tree is `root`)
    shadow: bool

    @property
    def dial_dir(self) -> Path:
        return self.root / ".dial"


def locate(repo: Path) -> RepoInfo:
    """The repository `repo` belongs to; a shadow repo for a plain directory."""
    repo = Path(repo).expanduser().resolve()
    if not repo.is_dir():
        raise DialError(f"{repo} is not a directory", "pass --repo with the path of your project")
    probe = Git(repo).run("rev-parse", "--show-toplevel", check=False)
    if probe.returncode == 0 and probe.stdout.strip():
        root = Path(probe.stdout.decode().strip()).resolve()
        return RepoInfo(root, Git(root), shadow=False)
    if Git(repo).run("rev-parse", "--git-dir", check=False).returncode == 0:
        raise DialError(f"{repo} is inside a git directory, not a work tree", "run dial in a checkout")
    shadow_dir = repo / ".dial" / "shadow"
    git_dir = shadow_dir / ".git"
    if not git_dir.is_dir():
        shadow_dir.mkdir(parents=True, exist_ok=True)
        Git(shadow_dir).run("init", "-q")
    return RepoInfo(repo, Git(repo, git_dir=git_dir.resolve()), shadow=True)


def refuse_in_progress(info: RepoInfo) -> None:
    for marker, (what, cont, abort) in IN_PROGRESS.items():
        path = Path(info.git.out("rev-parse", "--git-path", marker))
        if not path.is_absolute():
            path = info.root / path
        if path.exists():
            raise DialError(
                f"{what} is in progress in {info.root}",
                f"finish it ({cont}) or abort it ({abort}), then run dial again",
            )


def exclude_dial_dir(info: RepoInfo) -> None:
    """Adds `.dial/` to .git/info/exclude so dial's own files never show up in the user's status."""
    common = Path(info.git.out("rev-parse", "--git-common-dir"))
    if not common.is_absolute():
        common = info.root / common
    exclude = common / "info" / "exclude"
    exclude.parent.mkdir(parents=True, exist_ok=True)
    text = exclude.read_text() if exclude.exists() else ""
    if ".dial/" not in text.split():
        exclude.write_text(text + ("" if text.endswith("\n") or not text else "\n") + ".dial/\n")


def head_commit(git: Git) -> str | None:
    done = git.run("rev-parse", "--verify", "-q", "HEAD^{commit}", check=False)
    return done.stdout.decode().strip() if done.returncode == 0 else None


def snapshot(info: RepoInfo) -> str:
    """A commit holding exactly what the user's directory holds now (HEAD itself when nothing changed)."""
    head = head_commit(info.git)
    with tempfile.TemporaryDirectory(prefix="dial-index-") as tmp:
        index = Path(tmp) / "index"
        real_index = Path(info.git.out("rev-parse", "--git-path", "index"))
        if not real_index.is_absolute():
            real_index = info.root / real_index
        if real_index.exists():
            copy_index(real_index, index)  # keeps staged changes and stat data (fast add)
        elif head is not None:
            info.git.run("read-tree", head, index=index)
        info.git.run("add", "-A", "--", ".", index=index)
        tree = info.git.out("write-tree", index=index)
    if head is not None and info.git.out("rev-parse", f"{head}^{{tree}}") == tree:
        return head
    parents = ["-p", head] if head else []
    message = "dial snapshot: the working directory as dial found it"
    return info.git.out("commit-tree", tree, *parents, "-m", message, identity=True)
