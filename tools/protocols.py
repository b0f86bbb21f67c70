"""The shapes of the index and the sandbox that the tools need.

Structural protocols so `tools` never imports `agent`: the real index and sandbox satisfy them,
and tests hand in small local implementations through the constructors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Protocol, Sequence


class IndexLike(Protocol):
    def definitions(self, name: str) -> list[Any]: ...  # .name .qualname .kind .path .start_line .end_line .signature

    def references(self, name: str) -> list[Any]: ...  # .name .path .line .kind

    def repo_map(self, query: str = "", tokens: int = 1024) -> Any: ...  # has .text

    def update_files(self, paths: list[str]) -> None: ...

    def tests_for_symbols(self, symbol_ids: Any) -> list[str]: ...

    def symbol_at(self, path: str, line: int) -> Any | None: ...  # has .id


class SandboxLike(Protocol):
    name: str

    def run(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        limits: Any = None,
        network: bool = False,
        env: Mapping[str, str] | None = None,
    ) -> Any: ...  # .exit_code .timed_out .killed .output .output_bytes .backend
