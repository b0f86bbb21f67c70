"""The planner's BM25 models, kept in `.dial/plan-bm25.npz` between runs.

Fitting the four models (symbols, files, file texts, symbol bodies) tokenises every file and symbol of the
repo: seconds on a large repo, on every `dial plan` and every run. The fitted arrays are saved once and loaded
by the next process whose index holds the same files (path and content hash) and the same symbols. The key
is a digest of exactly that, so any edit, a rebuilt index or a new dial version (FORMAT) fits them afresh.
Stored as plain arrays (`allow_pickle=False`): a file a repo ships under `.dial/` cannot run code.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from agent.plan.lexical import SparseBm25

FORMAT = "2"  # bump when a model's documents change (lexical.py, text.py)
MODELS = ("symbol", "file", "text", "body")
FILE_NAME = "plan-bm25.npz"


def cache_key(index: Any, symbols: Sequence[Any]) -> str:
    """Digest of the index's files (path, content hash, skip) and of every symbol the documents are made of."""
    digest = hashlib.sha1(f"dial-bm25 {FORMAT}\n".encode())
    for path, content, skip in index.con.execute("SELECT path, hash, skip FROM files ORDER BY path"):
        digest.update(f"{path}\0{content}\0{skip}\n".encode())
    for s in symbols:
        digest.update(f"{s.id}\0{s.path}\0{s.name}\0{s.qualname}\0{s.kind}\0{s.start_line}\0{s.end_line}\0"
                      f"{s.signature}\0{s.doc}\n".encode())
    return digest.hexdigest()


def load(path: Path, key: str) -> dict[str, SparseBm25] | None:
    """The models saved under `key`, or None (no file, another key, an unreadable or foreign file)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["key"]) != key:
                return None
            return {name: SparseBm25.from_state({k.split("/", 1)[1]: data[k] for k in data.files
                                            if k.startswith(name + "/")}) for name in MODELS}
    except (OSError, KeyError, ValueError, IndexError, zipfile.BadZipFile):
        return None


def save(path: Path, key: str, models: dict[str, SparseBm25]) -> bool:
    """Write the models atomically (temp file, then rename); False when the directory is not writable."""
    arrays: dict[str, Any] = {"key": np.array(key)}
    for name in MODELS:
        for part, value in models[name].state().items():
            arrays[f"{name}/{part}"] = value
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp.npz")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
        return True
    except OSError:
        tmp.unlink(missing_ok=True)
        return False
