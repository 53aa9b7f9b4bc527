"""Which part of a document the viewer shows: a window of at most ``VIEWER_WINDOW_CHARS``
characters around the cited span, and the pieces of that window (boilerplate or not, highlighted
or not). Pure functions over a ``Document``; ``qa.app.render`` turns them into escaped HTML.

A 50 MB document sent whole to the browser took 23.5 s to open; a window of a few tens of
thousands of characters opens at once, and the links before and after it load the next windows.
"""

from __future__ import annotations

import bisect

from qa.config import VIEWER_WINDOW_CHARS
from qa.types import Document

#: How far a window edge may move to fall on a line boundary instead of inside a line.
_SNAP = 2000


def document_window(text: str, highlight: tuple[int, int] | None, view: int | None = None,
                    size: int = VIEWER_WINDOW_CHARS) -> tuple[int, int]:
    """The (start, end) of ``text`` to show: the whole text when it fits in ``size`` characters;
    else ``size`` characters from ``view`` (the window asked for by a "show earlier/later text"
    link), or around ``highlight`` (starting a quarter of a window before it), or from the start.
    Edges fall on line boundaries when one is near."""
    n = len(text)
    if n <= size:
        return 0, n
    if view is not None:
        start = min(max(0, view), n)
    elif highlight is not None:
        start = max(0, highlight[0] - size // 4)
    else:
        start = 0
    start = min(start, max(0, n - size))
    if start > 0:
        line = text.rfind("\n", max(0, start - _SNAP), start)
        if line >= 0:
            start = line + 1
    end = min(n, start + size)
    if end < n:
        line = text.find("\n", end, min(n, end + _SNAP))
        if line >= 0:
            end = line + 1
    return start, end


def document_pieces(doc: Document, start: int, end: int, highlight: tuple[int, int] | None
                    ) -> list[tuple[int, int, str | None, bool]]:
    """``doc.text[start:end]`` cut into consecutive (a, b, reason, marked) pieces: ``reason`` is
    why the piece was left out of the index ("code" for a kept line of code, shown as code; None
    for indexed prose and gaps), ``marked`` whether it lies inside ``highlight``. Only the
    segments that meet the window are read."""
    segments = doc.segments
    first = max(0, bisect.bisect_right([s.end for s in segments], start) - 1) if segments else 0
    boiler = []
    for seg in segments[first:]:
        if seg.start >= end:
            break
        if (not seg.kept or seg.kind == "code") and seg.end > start:
            boiler.append((max(seg.start, start), min(seg.end, end), seg.reason if not seg.kept else "code"))
    points = {start, end}
    for a, b, _ in boiler:
        points.update((a, b))
    if highlight:
        points.update(p for p in highlight if start <= p <= end)
    cuts = sorted(points)
    out, k = [], 0
    for a, b in zip(cuts, cuts[1:]):
        while k < len(boiler) and boiler[k][1] <= a:
            k += 1
        reason = boiler[k][2] if k < len(boiler) and boiler[k][0] <= a and b <= boiler[k][1] else None
        marked = bool(highlight) and highlight[0] <= a and b <= highlight[1]
        out.append((a, b, reason, marked))
    return out
