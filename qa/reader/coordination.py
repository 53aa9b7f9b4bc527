"""A question about two named things at once ("Who founded 01.AI and AIsphere?", "What did Kai-Fu
Lee and Robin Li say about open source?"). The corpus may state each in a sentence of its own, and
no single sentence then answers: ``answer()`` asks each part on its own (``coordinated``) and cites
both answers together when both are answered.

A question that asks how the two relate ("How do Kling and Sora differ?", "Which is bigger, Kling
and Sora together or ...", "What do Baidu and Alibaba have in common?") is not split: its answer
must speak of both at once.
"""

from __future__ import annotations

import re

from qa.reader.asking import name_runs

#: Words of a question that asks how two things relate: the parts asked alone lose the question.
_RELATION = re.compile(
    r"\b(?:between|both|together|each other|one another|compar\w*|differ\w*|versus|vs|relat\w*|"
    r"partner\w*|joint\w*|same|common|similar\w*|unlike|alike|than|more|less|fewer|better|worse|"
    r"merge\w*|collaborat\w*|agree\w*|disagree\w*|compet\w*|rival\w*|which of)\b", re.I)
_JOIN = re.compile(r"\s*,?\s+(?:and|&)\s+")
_POSSESSIVE = re.compile(r"['’]s?(?![\w])")


def coordinated(question: str) -> tuple[str, str, str, str] | None:
    """``(first, second, question about first, question about second)`` when ``question`` joins
    two of its names (``qa.reader.asking.name_runs``: "Kai-Fu Lee", "University of Washington")
    with "and" or "&" and asks the same of each; else None. A possessive carries over ("01.AI's
    and AIsphere's founders" -> "01.AI's founders"); a list of three or more ("A, B and C") is
    left whole."""
    if _RELATION.search(question):
        return None
    runs = name_runs(question)
    for (a0, a1), (b0, b1) in zip(runs, runs[1:]):
        pa = m.group(0) if (m := _POSSESSIVE.match(question, a1)) else ""
        pb = m.group(0) if (m := _POSSESSIVE.match(question, b1)) else ""
        if not _JOIN.fullmatch(question[a1 + len(pa):b0]):
            continue
        before, after = question[:a0], question[b1 + len(pb):]
        if re.search(r",\s*$", before) or re.match(r"\s*,\s*\S", after) and _JOIN.search(after[:40]):
            continue  # "A, B and C" / "A and B, C"
        first, second = question[a0:a1], question[b0:b1]
        if first.casefold() == second.casefold():
            continue
        possessive = pb or pa
        return first, second, f"{before}{first}{possessive}{after}", f"{before}{second}{possessive}{after}"
    return None
