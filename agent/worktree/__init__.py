"""dial's own git worktree and branch per run, applying a run's result, and pruning old runs."""

from agent.worktree.runs import apply_run, clean_runs, list_runs
from agent.worktree.workspace import Workspace

__all__ = ["Workspace", "apply_run", "clean_runs", "list_runs"]
