"""A read-only look at the index for `dial doctor`: never builds, never repairs, never raises."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from agent.index import store

BUSY = "another dial process is writing the index (a build in progress); check again when it finishes"


def _busy(error: str) -> bool:
    """A writer holds the file (a cold build keeps it until it commits): not a broken index."""
    return "locked" in error or "busy" in error


def health(repo: Path, wait_s: float = 5.0) -> dict[str, object]:
    """{"exists", "schema_ok", "files", "symbols", "path", "message"} for the index of `repo`; waits at most
    `wait_s` for a writer (a cold build holds the file until it commits)."""
    path = store.db_path(Path(repo))
    out: dict[str, object] = {"exists": path.is_file(), "schema_ok": False, "files": 0, "symbols": 0,
                              "path": str(path), "message": ""}
    if not out["exists"]:
        out["message"] = "no index yet; `dial index` builds it"
        return out
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=wait_s)
        try:
            problem = store.schema_problem(con)
            if problem and _busy(problem):
                out["message"] = BUSY
                return out
            if problem:
                out["message"] = f"the index will be rebuilt on next use: {problem}"
                return out
            out["schema_ok"] = True
            out["files"] = con.execute("SELECT COUNT(*) FROM files WHERE skip IS NULL").fetchone()[0]
            out["symbols"] = con.execute("SELECT COUNT(*) FROM symbols").fetchone()[0]
            out["message"] = f"{out['files']} files, {out['symbols']} symbols indexed"
        finally:
            con.close()
    except sqlite3.Error as exc:
        if _busy(str(exc)):
            out["message"] = BUSY
        else:
            out["message"] = f"the index cannot be read ({exc}); `dial index` rebuilds it"
    return out
