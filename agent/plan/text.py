"""Words out of code and prose, for lexical matching of a task against symbols.

Identifiers are split on snake_case and camelCase so "parse_http_date" and "parseHttpDate" both match
"http date"; the whole identifier is kept too, so an exact mention still scores higher than its parts.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Iterable

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")

# Common English and Python words that match everything and so rank nothing.
STOPWORDS = frozenset(
    """a an and are as at be been but by can could did do does doing for from had has have how i if in into is it
    its me my no not of on or our should so such than that the their them then there these this those to too
    us was we were what when where which while who why will with would you your self cls none true false def
    return import class pass raise also just like get set use used using one two new see some any all only
    when want instead way still make makes made would here now there thing things example e g eg ie etc""".split()
)


def split_identifier(name: str) -> list[str]:
    """'parse_HTTPDate2' -> ['parse', 'http', 'date', '2']; lowercase parts of snake and camel case."""
    parts: list[str] = []
    for chunk in name.split("_"):
        if chunk:
            parts.extend(p.lower() for p in _CAMEL.findall(chunk))
    return parts


def tokenize(text: str, keep_whole: bool = True) -> list[str]:
    """Words of `text` for BM25: identifier parts, plus whole identifiers that had parts, minus stopwords."""
    out: list[str] = []
    words = _word_tokens if keep_whole else _part_tokens
    for word in _WORD.findall(text):
        out.extend(words(word))
    return out


@lru_cache(maxsize=1 << 18)
def _part_tokens(word: str) -> tuple[str, ...]:
    """One identifier's BM25 words. Cached: code repeats its identifiers, and planning on a large repo
    tokenises every file and every symbol body (splitting each occurrence anew was most of `dial plan`)."""
    return tuple(p for p in split_identifier(word) if len(p) > 1 and p not in STOPWORDS and not p.isdigit())


@lru_cache(maxsize=1 << 18)
def _word_tokens(word: str) -> tuple[str, ...]:
    """`_part_tokens` plus the whole identifier when it had parts."""
    parts = _part_tokens(word)
    whole = word.lower().strip("_")
    if len(split_identifier(word)) > 1 and whole not in STOPWORDS:
        return parts + (whole,)
    return parts


def path_words(path: str) -> list[str]:
    """Words of a file path without the extension: 'django/utils/http.py' -> ['django', 'utils', 'http']."""
    stem = re.sub(r"\.[A-Za-z0-9]+$", "", path)
    return tokenize(stem.replace("/", " ").replace("\\", " ").replace("-", "_"))


def mentioned_identifiers(text: str) -> set[str]:
    """Identifiers written in the text that look like code: dotted, snake/camel case or in backticks/code."""
    found: set[str] = set()
    for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*", text):
        for piece in word.split("."):
            if len(piece) < 3 or piece.lower() in STOPWORDS:
                continue
            if "_" in piece.strip("_") or re.search(r"[a-z][A-Z]", piece) or re.match(r"[A-Z][a-z]+[A-Z]", piece):
                found.add(piece)
            elif "." in word and len(piece) >= 4:
                found.add(piece)
    for code in re.findall(r"`([^`\n]+)`", text):
        for piece in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", code):
            if len(piece) >= 3 and piece.lower() not in STOPWORDS:
                found.add(piece)
    for call in re.findall(r"([A-Za-z_][A-Za-z0-9_]{2,})\(", text):
        if call.lower() not in STOPWORDS:
            found.add(call)
    return found


def dotted_paths(text: str) -> set[str]:
    """Module-like dotted names ('django.utils.http', 'core.validators') as slash paths without extension."""
    out: set[str] = set()
    for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+", text):
        parts = word.split(".")
        if parts[-1] in {"py", "txt", "rst", "html", "cfg", "toml", "json"}:
            parts = parts[:-1]
        for end in range(2, len(parts) + 1):  # 'core.validators.URLValidator' names the module core/validators
            out.add("/".join(parts[:end]))
    for path in re.findall(r"[A-Za-z0-9_./-]+\.py\b", text):
        out.add(path.removesuffix(".py").lstrip("./"))
    return out


def dotted_names(text: str) -> set[str]:
    """'Model.save', 'django.db.models.Model.save' as written: matched against the end of qualified names."""
    out: set[str] = set()
    for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+", text):
        parts = word.split(".")
        for start in range(len(parts) - 1):
            out.add(".".join(parts[start:]))
    return out


_CODE_LINE = re.compile(r'\s*(File "|Traceback \(|[A-Za-z_][\w.]*(Error|Exception|Warning):)')


def title_of(text: str) -> str:
    """The first non-empty line: an issue's title, or the sentence a request starts with, states the problem."""
    for line in text.splitlines():
        if line.strip():
            return line.strip().lstrip("#").strip()
    return ""


def prose_of(text: str) -> str:
    """The prose of an issue: code fences, indented or `>>>` lines and traceback lines removed.

    An issue's example code (a model definition, a reproducer) names what the reporter used, not where the bug
    is; the sentences around it say what is wrong.
    """
    kept: list[str] = []
    fence = False
    for line in text.splitlines():
        if line.strip().startswith("```"):
            fence = not fence
            continue
        if fence or line.startswith(("    ", "\t", ">>> ", "... ")) or _CODE_LINE.match(line):
            continue
        kept.append(line)
    return "\n".join(kept)


def stem_mentions(text: str, files: Iterable[str]) -> dict[str, float]:
    """Files whose base name ('autodetector' for db/migrations/autodetector.py) is a word of the text.

    1 / (1 + log2 #files sharing that base name): `inspectdb` names one file, `models` names dozens. Stems
    shorter than 4 characters, stopwords and `__init__` are skipped.
    """
    words = set(_WORD.findall(text.lower()))
    by_stem: dict[str, list[str]] = {}
    for path in files:
        name = path.rsplit("/", 1)[-1]
        if name.endswith(".py"):
            by_stem.setdefault(name[:-3].lower(), []).append(path)
    out: dict[str, float] = {}
    for stem, paths in by_stem.items():
        if stem in words and len(stem) >= 4 and stem not in STOPWORDS and stem != "__init__":
            for path in paths:
                out[path] = 1.0 / (1.0 + math.log2(len(paths)))
    return out
