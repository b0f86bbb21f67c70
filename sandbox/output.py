"""Bounded capture of a command's output: a head, a tail and the true byte count.

A test that prints a gigabyte must not make dial use a gigabyte, so the pipe is read in chunks and
only the first `head` and last `tail` bytes are kept; everything between is counted, then dropped.
"""

from __future__ import annotations


class OutputCapture:
    """Keeps the first `head` and the last `tail` bytes fed to it; memory stays O(head + tail)."""

    def __init__(self, head: int, tail: int) -> None:
        self.head_limit = max(0, head)
        self.tail_limit = max(0, tail)
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.head_limit - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if not chunk or self.tail_limit == 0:
            return
        if len(chunk) >= self.tail_limit:
            self.tail = bytearray(chunk[-self.tail_limit :])
            return
        self.tail += chunk
        # trim lazily (at twice the limit) so a stream of small chunks is not quadratic
        if len(self.tail) > 2 * self.tail_limit:
            del self.tail[: len(self.tail) - self.tail_limit]

    def text(self) -> str:
        """Head and tail decoded, with a marker saying how many bytes were cut when some were."""
        tail = bytes(self.tail[-self.tail_limit :]) if self.tail_limit else b""
        kept = len(self.head) + len(tail)
        head_text = self.head.decode("utf-8", errors="replace")
        if kept >= self.total:
            return head_text + tail.decode("utf-8", errors="replace")
        cut = self.total - kept
        marker = (
            f"\n[... {cut} bytes cut: the command wrote {self.total} bytes; "
            f"showing the first {len(self.head)} and the last {len(tail)} ...]\n"
        )
        return head_text + marker + tail.decode("utf-8", errors="replace")
