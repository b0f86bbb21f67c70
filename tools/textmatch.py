"""Find where a model's `old_str` belongs in a file, tolerating the ways models misquote code.

Tiers, most exact first, each required to find exactly one place:
1. exact substring;
2. line-tolerant: trailing whitespace, uniformly shifted indentation, tabs vs spaces, partial first and
   last lines (then, one level looser, typographic quotes/dashes and runs of inner whitespace);
3. fuzzy: line-aligned similarity above a threshold, unique, and merged three-way so context lines the
   model remembered wrong (stale context) keep the file's current text.
Unchanged context lines are always copied from the file, so tabs, quotes and spacing the model did not
mean to touch stay as they were. Ambiguity or no match raises `NoMatch` with the closest candidates.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

_TYPO = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u00a0": " ", "\u202f": " ",
}
_TYPO_TABLE = str.maketrans(_TYPO)
_VARIANTS: dict[str, str] = {}
for _k, _v in _TYPO.items():
    _VARIANTS[_v] = _VARIANTS.get(_v, _v) + _k
_WS = re.compile(r"\s+")
FUZZY_THRESHOLD = 0.75
FUZZY_MIN_LINES = 3


class NoMatch(Exception):
    """`old_str` was not found exactly once; the message lists candidates with line numbers."""


@dataclass
class Replacement:
    """Replace LF-text characters [start, end) with `text`; `tier` says which matcher found it."""

    start: int
    end: int
    text: str
    tier: str
    first_line: int  # 1-based line where the replaced region starts


def typo(s: str) -> str:
    return s.translate(_TYPO_TABLE)


def _key(line: str, loose: bool) -> str:
    if loose:
        return _WS.sub(" ", typo(line)).strip()
    return line.strip()


def _width(ws: str, tab: int) -> int:
    return len(ws.expandtabs(tab))


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _pattern(content: str, loose: bool) -> str:
    """A regex for `content` that also accepts the file's typographic/whitespace variants."""
    out = []
    for ch in content:
        if loose and ch == " ":
            out.append(r"\s+")
        elif loose and ch in _VARIANTS:
            out.append("[" + re.escape(_VARIANTS[ch]) + "]")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def find_replacement(text: str, old: str, new: str, *, threshold: float = FUZZY_THRESHOLD) -> Replacement:
    """Locate `old` in `text` (both LF) and return what to replace, or raise NoMatch."""
    old = old.replace("\r\n", "\n").replace("\r", "\n")
    new = new.replace("\r\n", "\n").replace("\r", "\n")
    if not old:
        raise NoMatch("old_str is empty; to add text use the `insert` command or give surrounding lines.")
    starts = _all_occurrences(text, old)
    if len(starts) > 1 and old[:1] in (" ", "\t"):
        # "    x" also occurs inside "        x"; an occurrence that starts a line is the one quoted.
        anchored = [s for s in starts if s == 0 or text[s - 1] == "\n"]
        if len(anchored) == 1:
            starts = anchored
    if len(starts) == 1:
        return Replacement(starts[0], starts[0] + len(old), new, "exact", text.count("\n", 0, starts[0]) + 1)
    if len(starts) > 1:
        lines = sorted({text.count("\n", 0, s) + 1 for s in starts})
        raise NoMatch(
            f"old_str occurs {len(starts)} times (starting at lines {', '.join(map(str, lines[:10]))}); "
            "include more surrounding lines so it matches exactly once."
        )
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    line_starts = [0]
    for ln in lines:
        line_starts.append(line_starts[-1] + len(ln) + 1)
    whole_last = old.endswith("\n")
    o_lines, n_lines = _trim_blank_edges(old, new)
    if not any(ln.strip() for ln in o_lines):
        raise NoMatch("old_str is only whitespace and was not found exactly; give the lines around the change.")
    for loose in (False, True):
        matches = _line_matches(lines, o_lines, loose, whole_last)
        if len(matches) > 1:
            # Same lines at several indentations: the one the model quoted at its own indentation wins.
            unshifted = [m for m in matches if m.delta == 0]
            if len(unshifted) == 1:
                matches = unshifted
        if len(matches) == 1:
            m = matches[0]
            new_region = _merge(lines, m, o_lines, n_lines)
            return _region(lines, line_starts, m.start, m.end, new_region, "normalized" if loose else "whitespace")
        if len(matches) > 1:
            where = ", ".join(f"{m.start + 1}-{m.end}" for m in matches[:10])
            raise NoMatch(
                f"old_str matches {len(matches)} places when whitespace is ignored (lines {where}); "
                "include more surrounding lines so it matches exactly once."
            )
    cands = _fuzzy_candidates(lines, o_lines)
    good = [c for c in cands if c.score >= threshold]
    nonblank = sum(1 for ln in o_lines if ln.strip())
    if len(good) == 1 and nonblank >= FUZZY_MIN_LINES:
        m = good[0]
        try:
            new_region = _merge(lines, m, o_lines, n_lines)
        except NoMatch as exc:
            raise NoMatch(str(exc) + _describe(lines, cands[:1])) from None
        return _region(lines, line_starts, m.start, m.end, new_region, "fuzzy")
    if len(good) > 1:
        raise NoMatch("old_str is similar to several places; include more surrounding lines." + _describe(lines, good[:3]))
    if not cands:
        cands = _nearest_by_first_line(lines, o_lines)
    raise NoMatch("old_str was not found in the file." + _describe(lines, cands[:3]))


def _all_occurrences(text: str, sub: str) -> list[int]:
    out: list[int] = []
    i = text.find(sub)
    while i != -1 and len(out) < 50:
        out.append(i)
        i = text.find(sub, i + 1)
    return out


def _trim_blank_edges(old: str, new: str) -> tuple[list[str], list[str]]:
    o, n = old, new
    if o.endswith("\n") and n.endswith("\n"):
        o, n = o[:-1], n[:-1]
    ol, nl = o.split("\n"), n.split("\n") if n else []
    while len(ol) > 1 and not ol[0].strip() and nl and not nl[0].strip():
        ol.pop(0); nl.pop(0)
    while len(ol) > 1 and not ol[-1].strip() and nl and not nl[-1].strip():
        ol.pop(); nl.pop()
    return ol, nl


@dataclass
class _Match:
    start: int  # first file line (0-based)
    end: int  # exclusive
    score: float = 1.0
    prefix: str = ""  # file text before a partial first line
    suffix: str = ""  # file text after a partial last line
    tab: int = 4
    delta: int = 0
    typo: bool = False
    pairs: list[tuple[int, int]] | None = None  # fuzzy alignment (old index, file index)


def _line_matches(lines: list[str], o_lines: list[str], loose: bool, whole_last: bool = False) -> list[_Match]:
    m = len(o_lines)
    keys = [_key(ln, loose) for ln in o_lines]
    file_keys = [_key(ln, loose) for ln in lines]
    first_re = re.compile("(?:" + _pattern(keys[0], loose) + r")\s*$") if keys[0] else None
    last_re = re.compile(r"^\s*(?:" + _pattern(keys[-1], loose) + ")") if keys[-1] and not whole_last else None
    single_re = re.compile(_pattern(keys[0], loose)) if m == 1 and keys[0] and not whole_last else None
    out: list[_Match] = []
    for s in range(0, len(lines) - m + 1):
        if m > 2 and file_keys[s + 1] != keys[1]:
            continue
        prefix = suffix = ""
        ok = True
        for k in range(m):
            f = lines[s + k]
            if file_keys[s + k] == keys[k]:
                continue
            if m == 1 and single_re is not None:
                hit = single_re.search(f)
                if hit and _boundary(f, hit.start()) and _boundary(f, hit.end()):
                    prefix, suffix = f[: hit.start()], f[hit.end() :]
                    continue
            elif k == 0 and first_re is not None:
                hit = first_re.search(f)
                if hit and _boundary(f, hit.start()):
                    prefix = f[: hit.start()]
                    continue
            elif k == m - 1 and last_re is not None:
                hit = last_re.match(f)
                if hit and _boundary(f, hit.end()):
                    suffix = f[hit.end() :]
                    continue
            ok = False
            break
        if not ok:
            continue
        first = lines[s]
        if not prefix and m > 1 and not _indent(o_lines[0]) and _indent(first) and o_lines[0].strip():
            prefix = _indent(first)  # models often start old_str at the first non-blank character
        match = _Match(s, s + m, prefix=prefix, suffix=suffix)
        if _fit_indent(match, lines, o_lines, strict=not loose):
            match.typo = loose and typo("".join(o_lines)) != "".join(o_lines)
            out.append(match)
    return out


def _boundary(line: str, pos: int) -> bool:
    """A partial line must start/end between tokens, not inside an identifier."""
    if pos <= 0 or pos >= len(line):
        return True
    return not (_is_word(line[pos - 1]) and _is_word(line[pos]))


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _fit_indent(match: _Match, lines: list[str], o_lines: list[str], strict: bool, pairs=None) -> bool:
    """Find tab width and uniform indentation shift; loose matching settles for the most common shift."""
    pairs = pairs if pairs is not None else [(k, match.start + k) for k in range(len(o_lines))]
    usable = [
        (o_lines[k], lines[f])
        for k, f in pairs
        if o_lines[k].strip() and not (k == 0 and match.prefix)
    ]
    if not usable:
        return True
    best: tuple[int, int, int] | None = None  # (agreeing, tab, delta)
    for tab in (4, 8, 2):
        deltas = Counter(_width(_indent(f), tab) - _width(_indent(o), tab) for o, f in usable)
        delta, agree = deltas.most_common(1)[0]
        if agree == len(usable):
            match.tab, match.delta = tab, delta
            return True
        if best is None or agree > best[0]:
            best = (agree, tab, delta)
    if strict or best is None:
        return False
    match.tab, match.delta = best[1], best[2]
    return True


def _transform(line: str, match: _Match, use_tabs: bool) -> str:
    line = line.rstrip()
    if match.typo:
        line = typo(line)
    if not line.strip():
        return ""
    ws = _indent(line)
    width = max(0, _width(ws, match.tab) + match.delta)
    lead = "\t" * (width // match.tab) + " " * (width % match.tab) if use_tabs else " " * width
    return lead + line[len(ws) :]


def _merge(lines: list[str], m: _Match, o_lines: list[str], n_lines: list[str]) -> list[str]:
    """Apply the model's change (old -> new) onto the file's own lines (a three-way merge)."""
    region = lines[m.start : m.end]
    use_tabs = any(ln.startswith("\t") for ln in region)
    o_lines, n_lines = list(o_lines), list(n_lines)
    native: set[int] = set()  # new-line indices already in the file's own indentation
    if m.prefix or m.suffix:
        o_lines[0] = m.prefix + o_lines[0].lstrip() if m.prefix else o_lines[0]
        o_lines[-1] = o_lines[-1].rstrip() + m.suffix
        if n_lines:
            if m.prefix:
                n_lines[0] = m.prefix + n_lines[0].lstrip()
                native.add(0)
            n_lines[-1] = n_lines[-1].rstrip() + m.suffix
        elif (m.prefix + m.suffix).strip():
            n_lines = [m.prefix + m.suffix]
            native.add(0)
    pairs = m.pairs if m.pairs is not None else [(k, m.start + k) for k in range(len(o_lines))]
    base_to_file = dict(pairs)
    file_changes: list[tuple[int, int, list[str]]] = []
    if m.pairs is not None:
        fk = [_key(ln, True) for ln in region]
        ok = [_key(ln, True) for ln in o_lines]
        for tag, i1, i2, j1, j2 in SequenceMatcher(None, ok, fk, autojunk=False).get_opcodes():
            if tag != "equal":
                file_changes.append((i1, i2, region[j1:j2]))
    o_cmp = [ln.rstrip() for ln in o_lines]
    n_cmp = [ln.rstrip() for ln in n_lines]
    ops = SequenceMatcher(None, o_cmp, n_cmp, autojunk=False).get_opcodes()
    model_changes = [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in ops if tag != "equal"]
    for a1, a2, _, _ in model_changes:
        for b1, b2, _ in file_changes:
            if (a1 < b2 and b1 < a2) or a1 == b1 or (a1 == a2 and b1 < a1 < b2) or (b1 == b2 and a1 < b1 < a2):
                raise NoMatch(
                    f"the lines you changed differ from the file's current text near line {m.start + b1 + 1}; "
                    "view the file again and quote it as it is now."
                )
    n_old = len(o_lines)
    out: list[str] = []
    i = 0
    while True:
        for b1, b2, flines in file_changes:
            if b1 == b2 == i:
                out.extend(flines)
        step = None
        for a1, a2, j1, j2 in model_changes:
            if a1 == i:
                out.extend(n_lines[j].rstrip() if j in native else _transform(n_lines[j], m, use_tabs) for j in range(j1, j2))
                step = a2
                break
        if step is not None and step > i:
            i = step
            continue
        if i >= n_old:
            break
        for b1, b2, flines in file_changes:
            if b1 == i and b2 > b1:
                out.extend(flines)
                step = b2
                break
        if step is not None and step > i:
            i = step
            continue
        out.append(lines[base_to_file[i]])
        i += 1
    return out


def _region(lines: list[str], line_starts: list[int], a: int, b: int, new_lines: list[str], tier: str) -> Replacement:
    start = line_starts[a]
    end = line_starts[b] - 1 if b > a else start
    text = "\n".join(new_lines)
    if not new_lines and b > a:
        end = line_starts[b]  # drop the lines together with their newline
    elif not new_lines:
        text = ""
    elif b == a:
        text += "\n"
    return Replacement(start, end, text, tier, a + 1)


def _fuzzy_candidates(lines: list[str], o_lines: list[str]) -> list[_Match]:
    """Windows of the file that line up with old_str, scored by character similarity, best first."""
    ok = [_key(ln, True) for ln in o_lines]
    fk = [_key(ln, True) for ln in lines]
    counts = Counter(fk)
    position: dict[str, list[int]] = {}
    for k, key in enumerate(ok):
        if key and counts.get(key, 0) <= 20:
            position.setdefault(key, []).append(k)
    votes: Counter[int] = Counter()
    for i, key in enumerate(fk):
        for k in position.get(key, ()):
            votes[i - k] += 1
    m = len(o_lines)
    seen: list[_Match] = []
    for start, _ in votes.most_common(12):
        lo, hi = max(0, start - 3), min(len(lines), start + m + 3)
        sm = SequenceMatcher(None, ok, fk[lo:hi], autojunk=False)
        blocks = [b for b in sm.get_matching_blocks() if b.size]
        if not blocks:
            continue
        f_first = lo + blocks[0].b - blocks[0].a
        last = blocks[-1]
        f_last = lo + last.b + last.size + (m - last.a - last.size)
        f_first, f_last = max(0, f_first), min(len(lines), f_last)
        if any(c.start == f_first and c.end == f_last for c in seen):
            continue
        sm2 = SequenceMatcher(None, ok, fk[f_first:f_last], autojunk=False)
        pairs = [(b.a + t, f_first + b.b + t) for b in sm2.get_matching_blocks() for t in range(b.size)]
        score = _line_score(ok, fk[f_first:f_last], sm2)
        if _anchored(ok, pairs) is False:
            score = min(score, 0.5)
        cand = _Match(f_first, f_last, score=score, pairs=pairs)
        _fit_indent(cand, lines, o_lines, strict=False, pairs=pairs)
        cand.typo = typo("".join(o_lines)) != "".join(o_lines) and typo("".join(lines[f_first:f_last])) == "".join(lines[f_first:f_last])
        seen.append(cand)
    seen.sort(key=lambda c: -c.score)
    distinct: list[_Match] = []
    for c in seen:
        if all(c.end <= d.start or c.start >= d.end for d in distinct):
            distinct.append(c)
    return distinct


def _line_score(ok: list[str], fk: list[str], sm: SequenceMatcher) -> float:
    """Similarity per old line weighted by its length: a rewritten `)` costs little, a rewritten call a lot."""
    weights = 0.0
    total = 0.0
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        for k in range(i1, i2):
            if not ok[k]:
                continue
            w = float(len(ok[k]))
            weights += w
            if tag == "equal":
                total += w
            elif tag == "replace" and j1 + (k - i1) < j2:
                total += w * SequenceMatcher(None, ok[k], fk[j1 + k - i1], autojunk=False).ratio()
        if tag in ("insert", "replace") and (j2 - j1) > (i2 - i1):
            weights += sum(len(key) for key in fk[j1 + (i2 - i1) : j2])  # file lines old_str lacks
    return total / weights if weights else 0.0


def _anchored(ok: list[str], pairs: list[tuple[int, int]]) -> bool:
    """Most of old_str (by length) must match lines exactly, so a fuzzy match rests on real anchors."""
    total = sum(len(key) for key in ok)
    exact = sum(len(ok[k]) for k, _ in pairs)
    lines_exact = sum(1 for k, _ in pairs if ok[k])
    nonblank = sum(1 for key in ok if key)
    return lines_exact >= 2 and lines_exact * 2 >= nonblank and exact * 10 >= total * 4


def _nearest_by_first_line(lines: list[str], o_lines: list[str]) -> list[_Match]:
    target = next((_key(ln, True) for ln in o_lines if ln.strip()), "")
    scored = []
    for i, ln in enumerate(lines):
        key = _key(ln, True)
        if not key:
            continue
        sm = SequenceMatcher(None, target, key, autojunk=False)
        if sm.real_quick_ratio() < 0.5 or sm.quick_ratio() < 0.5:
            continue
        scored.append((sm.ratio(), i))
    scored.sort(reverse=True)
    return [_Match(i, min(len(lines), i + max(1, len(o_lines))), score=s) for s, i in scored[:3]]


def _describe(lines: list[str], cands: list[_Match]) -> str:
    if not cands:
        return " Nothing similar was found: view the file to check its current contents."
    parts = ["\nClosest candidates (line numbers are 1-based):"]
    for c in cands:
        parts.append(f"--- lines {c.start + 1}-{c.end} (similarity {c.score:.2f})")
        shown = lines[c.start : min(c.end, c.start + 12)]
        parts.extend(f"{c.start + 1 + k:6}\t{ln}" for k, ln in enumerate(shown))
        if c.end - c.start > len(shown):
            parts.append(f"       ... {c.end - c.start - len(shown)} more lines")
    return "\n".join(parts)
