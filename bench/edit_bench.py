"""Edit robustness benchmark: do misquoted `str_replace` edits land, get refused, or land wrong?

From real code (the Django sdist the index benchmark shares in bench/.corpora), it makes edit requests
(append a comment, insert a comment line, rename an identifier), perturbs the model's old/new text the
ways models do (whitespace drift, re-indentation, CRLF, tabs, partial first/last line, typographic
quotes, stale context), applies them through dial's real editor tool on a real file, and compares the
file's bytes with the expected result. Side by side: an exact-match-only baseline (Claude Code, SWE-agent).

    /work/venv/bin/python bench/edit_bench.py [--cases 150] [--seed 7] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import difflib
import keyword
import random
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.editor import EditorTool  # noqa: E402
from tools.paths import ToolError  # noqa: E402
from tools.textmatch import _key, typo  # noqa: E402
from tools.workspace import Workspace  # noqa: E402

CORPORA = Path(__file__).resolve().parent / ".corpora"
PERTURBATIONS = [
    "none", "trailing_ws", "dedent", "indent_more", "crlf_file", "crlf_model", "tabs_file", "tabs_model",
    "partial_lines", "typographic", "stale_context", "dedent+tabs_file", "crlf_file+trailing_ws",
]
_IDENT = re.compile(r"\b[a-z_][a-z0-9_]{3,}\b")


def find_corpus(explicit: str | None) -> Path:
    """Django 5.1.4's source, shared with the index benchmark; downloaded once with pip if missing."""
    if explicit:
        return Path(explicit)
    pinned = CORPORA / "src" / "django-5.1.4"
    if (pinned / "django").is_dir():
        return pinned
    dest = CORPORA / "sdists"
    dest.mkdir(parents=True, exist_ok=True)
    tar = next(iter(sorted(dest.glob("[Dd]jango-5.1.4.tar.gz"))), None)
    if tar is None:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "django==5.1.4",
                        "-d", str(dest)], check=True)
        tar = next(dest.glob("[Dd]jango-5.1.4.tar.gz"))
    pinned.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tar) as tf:
        members = [m for m in tf.getmembers() if "/django/" in m.name and m.name.endswith(".py")]
        for m in members:
            m.name = m.name.split("/", 1)[1]
        tf.extractall(pinned, members=members, filter="data")
    return pinned


# -- edit requests ---------------------------------------------------------------------------------
def make_case(rng: random.Random, lines: list[str]) -> tuple[int, int, list[str]] | None:
    """Pick a region [a, b) and return it with the intended new lines (a real, syntax-safe change)."""
    size = rng.randint(4, 10)
    a = rng.randint(0, max(0, len(lines) - size - 1))
    b = a + size
    region = lines[a:b]
    if sum(1 for ln in region if ln.strip()) < 3 or any(ln.rstrip().endswith("\\") for ln in lines[max(0, a - 1) : b]):
        return None
    if any(ln != ln.rstrip() or "\t" in ln for ln in region):
        return None  # keep the ground truth unambiguous: the corpus has no trailing ws / tabs here
    k = rng.randint(1, size - 2)  # changed line never first or last: those are context
    if not region[k].strip():
        return None
    kind = rng.choice(["append_comment", "insert_comment", "rename"])
    new = list(region)
    indent = region[k][: len(region[k]) - len(region[k].lstrip())]
    if kind == "append_comment":
        if '"""' in region[k] or "'''" in region[k] or "#" in region[k]:
            return None
        new[k] = region[k] + "  # dial: checked"
    elif kind == "insert_comment":
        new.insert(k, indent + "# dial: note added by the benchmark")
    else:
        words = [m for m in _IDENT.finditer(region[k]) if not keyword.iskeyword(m.group(0)) and m.group(0) not in ("self", "super")]
        if not words:
            return None
        w = rng.choice(words)
        new[k] = region[k][: w.start()] + w.group(0) + "_v2" + region[k][w.end() :]
    return a, b, new


def unique_region(lines: list[str], a: int, b: int, kind: str) -> bool:
    """Is there one right answer? Shifting perturbations erase indentation, the others keep it."""
    shifting = "dedent" in kind or "indent_more" in kind
    keys = [_key(ln, True) if shifting else typo(ln.rstrip().expandtabs(4)) for ln in lines]
    while b - a > 1 and not lines[a].strip():
        a += 1
    while b - a > 1 and not lines[b - 1].strip():
        b -= 1
    target = keys[a:b]
    n = b - a
    return sum(1 for s in range(len(keys) - n + 1) if keys[s : s + n] == target) == 1


# -- perturbations ---------------------------------------------------------------------------------
def tabify(line: str) -> str:
    stripped = line.lstrip(" ")
    n = len(line) - len(stripped)
    return "\t" * (n // 4) + " " * (n % 4) + stripped


def spacify(line: str) -> str:
    stripped = line.lstrip("\t")
    return "    " * (len(line) - len(stripped)) + stripped


def drift(rng: random.Random, lines: list[str]) -> list[str]:
    out = []
    for ln in lines:
        r = rng.random()
        out.append(ln + " " * rng.randint(1, 3) if r < 0.4 else (ln + "\t" if r < 0.5 else ln))
    return out


def curly(text: str) -> str:
    out, single, double = [], False, False
    for ch in text:
        if ch == "'":
            out.append("\u2019" if single else "\u2018"); single = not single
        elif ch == '"':
            out.append("\u201d" if double else "\u201c"); double = not double
        else:
            out.append(ch)
    return "".join(out).replace(" - ", " \u2013 ")


def build(rng: random.Random, kind: str, lines: list[str], a: int, b: int, new_region: list[str]):
    """Return (file_text, old, new, expected_text) for perturbation `kind`, or None if not applicable."""
    file_lines = list(lines)
    old_l, new_l = list(lines[a:b]), list(new_region)
    expected_lines = lines[:a] + new_region + lines[b:]
    nl_file = nl_model = "\n"
    parts = kind.split("+")
    for part in parts:
        if part == "trailing_ws":
            drifted = drift(rng, old_l)
            same = dict(zip(old_l, drifted))  # the model copies its own misquote into new_str
            old_l, new_l = drifted, [same.get(ln, ln) for ln in new_l]
        elif part in ("dedent", "indent_more"):
            ind = min((len(ln) - len(ln.lstrip()) for ln in old_l if ln.strip()), default=0)
            if part == "dedent":
                if ind == 0:
                    return None
                old_l = [ln[ind:] if ln.strip() else "" for ln in old_l]
                new_l = [ln[ind:] if ln[:ind].strip() == "" else ln.lstrip() for ln in new_l]
            else:
                old_l = ["    " + ln if ln.strip() else ln for ln in old_l]
                new_l = ["    " + ln if ln.strip() else ln for ln in new_l]
        elif part == "crlf_file":
            nl_file = "\r\n"
        elif part == "crlf_model":
            nl_model = "\r\n"
        elif part == "tabs_file":
            file_lines = [tabify(ln) for ln in file_lines]
            expected_lines = [tabify(ln) for ln in expected_lines]
        elif part == "tabs_model":
            old_l, new_l = [tabify(ln) for ln in old_l], [tabify(ln) for ln in new_l]
        elif part == "partial_lines":
            first, last = old_l[0], old_l[-1]
            content = first.lstrip()
            cut = content.find(" ")
            if cut <= 0 or not last.strip() or len(last.rstrip()) < 8:
                return None
            drop = len(first) - len(content) + cut + 1
            cuts = [m.start() for m in re.finditer(r"\W", last.rstrip()) if m.start() > len(last) - len(last.lstrip()) + 3]
            if not cuts:
                return None
            keep_last = rng.choice(cuts) + 1  # models stop quoting between tokens
            old_l = [first[drop:]] + old_l[1:-1] + [last[:keep_last]]
            new_l = [new_l[0][drop:]] + new_l[1:-1] + [new_l[-1][:keep_last]]
            drifted = drift(rng, old_l)  # partial lines alone would still match exactly
            same = dict(zip(old_l, drifted))
            old_l, new_l = drifted, [same.get(ln, ln) for ln in new_l]
        elif part == "typographic":
            if not any(q in "".join(old_l) for q in "'\"") or any(ord(c) > 127 for c in "".join(old_l)):
                return None
            old_l, new_l = [curly(ln) for ln in old_l], [curly(ln) for ln in new_l]
        elif part == "stale_context":
            changed = {i for i, (x, y) in enumerate(zip(lines[a:b], new_region)) if x != y} | {len(new_region) - 1}
            choices = [i for i in range(1, b - a - 1) if i not in changed and lines[a + i].strip() and "#" not in lines[a + i]
                       and not lines[a + i].rstrip().endswith(("'''", '"""'))]
            if not choices or len(new_region) != b - a:
                return None
            j = rng.choice(choices)
            file_lines[a + j] = lines[a + j] + "  # updated since the model looked"
            expected_lines[a + j] = file_lines[a + j]
    text = nl_file.join(file_lines) + nl_file
    expected = nl_file.join(expected_lines) + nl_file
    end = "" if "partial_lines" in parts else nl_model  # a cut-off last line has no newline after it
    return text, nl_model.join(old_l) + end, nl_model.join(new_l) + end, expected


# -- appliers --------------------------------------------------------------------------------------
def apply_dial(tmp: Path, text: str, old: str, new: str) -> tuple[str, str]:
    path = tmp / "target.py"
    path.write_bytes(text.encode("utf-8"))
    ws = Workspace(tmp)
    try:
        EditorTool(ws).execute({"command": "str_replace", "path": "target.py", "old_str": old, "new_str": new})
    except ToolError as exc:
        msg = str(exc)
        return "refused", ("syntax" if "syntax error" in msg else "candidates" if "lines " in msg or "line " in msg else "plain")
    return "applied", path.read_bytes().decode("utf-8")


def apply_exact(text: str, old: str, new: str) -> tuple[str, str]:
    if text.count(old) != 1:
        return "refused", "plain"
    return "applied", text.replace(old, new)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=150, help="edit requests per perturbation")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--corpus")
    ap.add_argument("--show-wrong", action="store_true", help="print a diff for each wrong application")
    args = ap.parse_args()
    corpus = find_corpus(args.corpus)
    files = sorted(p for p in corpus.rglob("*.py") if "/migrations/" not in str(p) and 2_000 < p.stat().st_size < 150_000)
    rng = random.Random(args.seed)
    stats: dict[str, Counter] = defaultdict(Counter)
    wrong_examples: list[str] = []
    started = time.time()
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        for kind in PERTURBATIONS:
            made = 0
            attempts = 0
            while made < args.cases and attempts < args.cases * 50:
                attempts += 1
                path = rng.choice(files)
                try:
                    lines = path.read_text(encoding="utf-8").split("\n")
                except UnicodeDecodeError:
                    continue
                if lines and lines[-1] == "":
                    lines.pop()
                if any("\t" in ln or "\r" in ln for ln in lines):
                    continue
                case = make_case(rng, lines)
                if case is None:
                    continue
                a, b, new_region = case
                built = build(rng, kind, lines, a, b, new_region)
                if built is None:
                    continue
                text, old, new, expected = built
                made += 1
                s = stats[kind]
                s["cases"] += 1
                unique = unique_region(lines, a, b, kind)
                if kind == "stale_context" and text.count(old):
                    unique = False  # the model's stale quote now matches some other place verbatim
                s["unique"] += unique
                for name, (status, result) in (("dial", apply_dial(tmp, text, old, new)), ("exact", apply_exact(text, old, new))):
                    if status == "refused":
                        s[f"{name}_refused"] += 1
                        s[f"{name}_refused_{result}"] += 1
                    elif result == expected:
                        s[f"{name}_correct"] += 1
                        s[f"{name}_correct_unique"] += unique
                    elif not unique:
                        s[f"{name}_wrong_nonunique"] += 1
                    else:
                        s[f"{name}_wrong"] += 1
                        if name == "dial" and len(wrong_examples) < 5:
                            wrong_examples.append(f"{kind} {path.relative_to(corpus)}:{a + 1}-{b}")
                            if args.show_wrong:
                                diff = difflib.unified_diff(expected.splitlines(True), result.splitlines(True), "expected", "got", n=2)
                                print(f"--- wrong: {kind}\nold_str={old!r}\nnew_str={new!r}\n" + "".join(diff))
    print(f"corpus: {corpus.name}, {len(files)} files, seed {args.seed}, {time.time() - started:.1f}s\n")
    print("| perturbation | cases | unique | dial correct | dial refused | dial wrong | exact-only correct | exact-only refused | exact-only wrong |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    total: Counter = Counter()
    for kind in PERTURBATIONS:
        s = stats[kind]
        total.update(s)
        print(f"| {kind} | {s['cases']} | {s['unique']} | {s['dial_correct']} | {s['dial_refused']} | {s['dial_wrong']} | "
              f"{s['exact_correct']} | {s['exact_refused']} | {s['exact_wrong']} |")
    print(f"| **all** | {total['cases']} | {total['unique']} | {total['dial_correct']} | {total['dial_refused']} | "
          f"{total['dial_wrong']} | {total['exact_correct']} | {total['exact_refused']} | {total['exact_wrong']} |")
    uniq = max(1, total["unique"])
    print(f"\ndial: {100 * total['dial_correct_unique'] / uniq:.1f}% applied correctly where a unique answer exists, "
          f"{total['dial_wrong']} wrong; exact-only: {100 * total['exact_correct_unique'] / uniq:.1f}%, {total['exact_wrong']} wrong.")
    print(f"cases without a unique answer applied elsewhere (not counted as wrong above): dial "
          f"{total['dial_wrong_nonunique']}, exact-only {total['exact_wrong_nonunique']}.")
    print(f"dial refusals: {total['dial_refused_candidates']} with candidates, {total['dial_refused_syntax']} by the syntax check, "
          f"{total['dial_refused_plain']} other.")
    if wrong_examples:
        print("wrong:", "; ".join(wrong_examples))


if __name__ == "__main__":
    main()
