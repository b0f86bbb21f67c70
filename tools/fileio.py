"""Read and write a text file without disturbing what the model did not touch.

A file is kept as lines plus each line's own ending, the encoding (and BOM) it was read with,
and whether it ended with a newline, so an edit changes only the edited lines' bytes.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path

from tools.paths import ToolError

MAX_EDIT_BYTES = 8 * 1024 * 1024


@dataclass
class TextFile:
    lines: list[str]  # without line endings
    endings: list[str]  # one per line: "\n", "\r\n", "\r" or "" (last line without newline)
    encoding: str = "utf-8"
    bom: bytes = b""
    newline: str = "\n"  # the dominant ending, used for lines the model adds
    indent_tabs: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The content with every ending as LF: what matching works on."""
        return "".join(line + ("\n" if end else "") for line, end in zip(self.lines, self.endings))

    def to_bytes(self) -> bytes:
        raw = "".join(line + end for line, end in zip(self.lines, self.endings))
        try:
            return self.bom + raw.encode(self.encoding)
        except UnicodeEncodeError as exc:
            bad = raw[exc.start : exc.end]
            raise ToolError(
                f"the new text contains {bad!r}, which the file's encoding ({self.encoding}) cannot hold; "
                "use characters that encoding supports."
            ) from None

    def replace_lines(self, start: int, end: int, new_lines: list[str]) -> None:
        """Replace lines[start:end]; new lines get the dominant ending, the last keeps the old last ending."""
        if end > start:
            last_end = self.endings[end - 1]
        elif start < len(self.lines):
            last_end = self.newline
        else:  # appending after the last line
            if self.lines and self.endings[-1] == "":
                self.endings[-1] = self.newline
            last_end = self.newline if self.extra.get("final_newline", True) else ""
        ends = [self.newline] * len(new_lines)
        if new_lines:
            ends[-1] = last_end
        self.lines[start:end] = new_lines
        self.endings[start:end] = ends


def decode(data: bytes) -> tuple[str, str, bytes]:
    """Returns (text, encoding, bom). latin-1 is the last resort because it round-trips any bytes."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom) :].decode(enc, errors="strict"), enc, bom
    if b"\x00" in data[:8192]:
        raise ToolError("this looks like a binary file; dial's editor only handles text.")
    try:
        return data.decode("utf-8"), "utf-8", b""
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1", b""


def parse(data: bytes) -> TextFile:
    text, encoding, bom = decode(data)
    # splitlines also splits on \x0b, \x0c, \u2028...; keep those inside lines.
    lines, endings = _split_on_newlines(text) if text else ([], [])
    counts = {e: endings.count(e) for e in ("\n", "\r\n", "\r")}
    newline = max(counts, key=lambda e: counts[e]) if any(counts.values()) else "\n"
    indented = [ln for ln in lines if ln[:1] in (" ", "\t")]
    tabs = sum(1 for ln in indented if ln[:1] == "\t")
    tf = TextFile(lines, endings, encoding, bom, newline, indent_tabs=tabs > len(indented) / 2)
    tf.extra["final_newline"] = not lines or endings[-1] != ""
    return tf


def _split_on_newlines(text: str) -> tuple[list[str], list[str]]:
    parts = _NEWLINE.split(text)
    lines = parts[0::2]
    endings = parts[1::2]
    if lines and lines[-1] == "":
        lines.pop()
    else:
        endings.append("")
    return lines, endings


_NEWLINE = re.compile(r"(\r\n|\r|\n)")


def read_text_file(path: Path) -> TextFile:
    data = path.read_bytes()
    if len(data) > MAX_EDIT_BYTES:
        raise ToolError(f"{path.name} is {len(data)} bytes; dial edits text files up to {MAX_EDIT_BYTES} bytes.")
    return parse(data)


def write_text_file(path: Path, tf: TextFile) -> None:
    path.write_bytes(tf.to_bytes())
