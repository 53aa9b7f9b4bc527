"""Comparing values two sources give for the same fact (normalised text, quantities and their
units, years) and reading a date as ISO.
"""

from __future__ import annotations

import re

from qa.lexicon.en import MONTH_NUMBERS
from qa.reader.highlight import YEAR, value_spans


def normalize_value(text: str) -> str:
    """A comparable form of a value: lower-case, digits without separators, single spaces."""
    text = re.sub(r"^(?:us|usd|eur|rmb)?\s*[$€£¥]\s*", "", text.lower().replace(",", ""))
    return " ".join(re.findall(r"[\w.]+", text)).strip(".")

def values_disagree(a: str, b: str, kind: str) -> bool:
    """True when two sentences that state the same fact give different values of ``kind``.

    Both must contain at least one value of that kind, and no value of one may equal or contain
    a value of the other ("late 2022" agrees with "2022"; "2019" disagrees with "2021"); dates
    differ when both name years and share none.
    """
    va = {normalize_value(a[s:e]) for s, e in value_spans(a, kind)}
    vb = {normalize_value(b[s:e]) for s, e in value_spans(b, kind)}
    if not va or not vb:
        return False
    if kind == "date":
        # Dates are compared by their years ("late 2022" and "November 2022" agree); a date without
        # one ("last year", "in November") cannot be told to differ.
        ya, yb = ({y for v in vs for y in YEAR.findall(v)} for vs in (va, vb))
        return bool(ya and yb) and not ya & yb
    return not any(x in y or y in x for x in va for y in vb)

def quantities_disagree(a: str, b: str) -> bool:
    """True when two texts give a quantity of the same unit differently ("six months" and "eight
    months") and agree on none of that unit. Quantities of different units ("90,790 tonnes", "over
    half") and bare numbers are not compared: they are seldom the same fact."""
    def by_unit(text: str) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for s, e in value_spans(text, "number"):
            *amount, unit = normalize_value(text[s:e]).split() or [""]
            if amount:
                out.setdefault(unit, set()).add(" ".join(amount))
        return out

    ua, ub = by_unit(a), by_unit(b)
    shared = ua.keys() & ub.keys()
    return bool(shared) and not any(ua[u] & ub[u] for u in shared)

def iso_date(text: str | None) -> str | None:
    """A date written as "2024-07-27", "07/27/2024", "July 27, 2024", "27 July 2024" (or
    datetime-like "2024-07-27T10:00") as "YYYY-MM-DD"; a lone year as "YYYY"; else None."""
    if not text:
        return None
    text = text.strip()
    m = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if m:
        return f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}"
    m = re.match(r"(\d{1,2})/(\d{1,2})/(\d{4})$", text)
    if m:  # US order, as the news sites of the shipped corpus write it
        return f"{int(m[3]):04d}-{int(m[1]):02d}-{int(m[2]):02d}"
    m = re.match(r"([A-Za-z]{3})[a-z]*\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})$", text)
    if m and m[1].lower() in MONTH_NUMBERS:
        return f"{int(m[3]):04d}-{MONTH_NUMBERS[m[1].lower()]:02d}-{int(m[2]):02d}"
    m = re.match(r"(\d{1,2}) ([A-Za-z]{3})[a-z]*\.? (\d{4})$", text)
    if m and m[2].lower() in MONTH_NUMBERS:
        return f"{int(m[3]):04d}-{MONTH_NUMBERS[m[2].lower()]:02d}-{int(m[1]):02d}"
    m = re.match(r"(\d{4})$", text)
    return m[1] if m else None
