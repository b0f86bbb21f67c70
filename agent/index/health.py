"""A read-only look at the index for `dial doctor`: never builds, never repairs, never raises."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from agent.index import store


def health(repo: Path) -> dict[str, object]:
    """{"exists", "schema_ok", "files", "symbols", "path", "message"} for the index of `repo`."""
    path = store.db_path(Path(repo))
    out: dict[str, object] = {"exists": path.is_file(), "schema_ok": False, "files": 0, "symbols": 0,
                              "path": str(path), "message": ""}
    if not out["exists"]:
        out["message"] = "no index yet; `dial index` builds it"
        return out
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            problem = store.schema_problem(con)
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
        out["message"] = f"the index cannot be read ({exc}); `dial index` rebuilds it"
    return out
