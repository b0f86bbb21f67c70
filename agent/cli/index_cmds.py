"""`dial index`, `dial map`, `dial symbols`: build the index, show the ranked map, find a symbol."""

from __future__ import annotations

import json
from pathlib import Path

import click

from agent.config_paths import config_sources_exist
from agent.errors import DialError

REPO_OPTION = click.option("--repo", "repo", default=".", show_default=True, help="Repository root.")
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")


def _open(repo: str):  # -> RepoIndex (imported lazily to keep `dial --help` fast)
    from agent.index import RepoIndex

    path = Path(repo)
    if not path.exists():
        raise DialError(f"{repo} does not exist", "pass an existing repository directory with --repo")
    if not path.is_dir():
        raise DialError(f"{repo} is not a directory", "pass the repository's root directory with --repo")
    settings = None
    if config_sources_exist(path):
        from agent.config import load_config

        settings = load_config(path).index
    idx = RepoIndex.open(path, settings)
    for message in idx.messages:
        click.echo(f"dial: {message}", err=True)
    return idx


@click.command("index")
@REPO_OPTION
@JSON_OPTION
def index_cmd(repo: str, as_json: bool) -> None:
    """Build or update the symbol index of a repository (.dial/index.sqlite)."""
    idx = _open(repo)
    try:
        stats = idx.update()
    finally:
        idx.close()
    if as_json:
        click.echo(json.dumps(stats.as_dict()))
        return
    langs = ", ".join(f"{k} {v}" for k, v in stats.languages.items()) or "none"
    skipped = ", ".join(f"{k} {v}" for k, v in stats.skipped.items()) or "none"
    click.echo(f"files       {stats.files}")
    click.echo(f"symbols     {stats.symbols}")
    click.echo(f"references  {stats.references}")
    click.echo(f"edges       {stats.edges}")
    click.echo(f"languages   {langs}")
    click.echo(f"re-parsed   {stats.reparsed}")
    click.echo(f"skipped     {skipped}")
    click.echo(f"seconds     {stats.seconds:.2f}")


@click.command("map")
@REPO_OPTION
@click.option("--query", "query", default=None, help="Task text: identifiers, paths, a traceback.")
@click.option("--query-file", "query_file", default=None, help="Read the task text from this file.")
@click.option("--tokens", "tokens", default=1024, show_default=True, type=int, help="Token budget of the map.")
@click.option("--diff", "use_diff", is_flag=True, help="Also seed with the files changed against HEAD (git diff).")
@JSON_OPTION
def map_cmd(repo: str, query: str | None, query_file: str | None, tokens: int, use_diff: bool, as_json: bool) -> None:
    """Show the repo map: the symbols most relevant to a query, within a token budget."""
    from agent.index import Seeds
    from agent.index.seeds import changed_files

    if query is not None and query_file is not None:
        raise DialError("--query and --query-file were both given", "pass only one of them")
    if tokens <= 0:
        raise DialError(f"--tokens must be positive, got {tokens}", "pass a budget such as --tokens 1024")
    text = query or ""
    if query_file is not None:
        try:
            text = Path(query_file).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise DialError(f"cannot read {query_file}: {exc.strerror}", "pass a readable file to --query-file") from exc
    idx = _open(repo)
    try:
        idx.update(meanwhile=_load_ranking)
        diff = changed_files(idx.repo) if use_diff else []
        repo_map = idx.repo_map(tokens=tokens, seeds=Seeds.from_task(text, failures=text, diff_paths=diff))
    finally:
        idx.close()
    if as_json:
        click.echo(json.dumps(repo_map.as_dict()))
    else:
        click.echo(repo_map.text, nl=False)


def _load_ranking() -> None:
    """Import the ranking (numpy, ~0.09 s) while git lists the files, instead of after."""
    import agent.index.ranking  # noqa: F401


@click.command("symbols")
@click.argument("name")
@REPO_OPTION
@JSON_OPTION
def symbols_cmd(name: str, repo: str, as_json: bool) -> None:
    """Definitions and references of NAME (simple, qualified, or a dotted suffix like text.slugify)."""
    idx = _open(repo)
    try:
        idx.update()
        defs = idx.definitions(name)
        refs = idx.references(name)
    finally:
        idx.close()
    if as_json:
        click.echo(json.dumps({
            "name": name,
            "definitions": [
                {"name": d.name, "qualname": d.qualname, "kind": d.kind, "path": d.path, "line": d.start_line,
                 "end_line": d.end_line, "signature": d.signature}
                for d in defs
            ],
            "references": [{"name": r.name, "path": r.path, "line": r.line, "kind": r.kind} for r in refs],
        }))
        return
    if not defs and not refs:
        raise DialError(f"no definition or reference of '{name}' in {repo}", "check the spelling, or run `dial index` first")
    click.echo(f"definitions ({len(defs)}):")
    for d in defs:
        click.echo(f"  {d.path}:{d.start_line}  {d.kind} {d.qualname}")
    click.echo(f"references ({len(refs)}):")
    for r in refs:
        click.echo(f"  {r.path}:{r.line}  {r.kind} {r.name}")
