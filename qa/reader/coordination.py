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
from typing import Sequence

#: Words of a question that asks how two things relate: the parts asked alone lose the question.
_RELATION = re.compile(
    r"\b(?:between|both|together|each other|one another|compar\w*|differ\w*|versus|vs|relat\w*|"
    r"partner\w*|joint\w*|same|common|similar\w*|unlike|alike|than|more|less|fewer|better|worse|"
    r"merge\w*|collaborat\w*|agree\w*|disagree\w*|compet\w*|rival\w*|which of)\b", re.I)
_JOIN = re.compile(r"\s*,?\s+(?:and|&)\s+")


def _name_runs(question: str, names: Sequence[str]) -> list[tuple[int, int, str]]:
    """Each run of words of ``question`` that are all among ``names`` (one word each, as
    ``asked_names`` gives them): "Kai-Fu Lee", "Acme Robotics". (start, end, possessive ending)."""
    known = {n.casefold() for n in names}
    runs: list[list] = []
    for m in re.finditer(r"\S+", question):
        word = m.group(0).rstrip("?!,;:\"”)")
        if word.endswith(".") and word[:-1].casefold() in known:
            word = word[:-1]
        possessive = re.search(r"['’]s?$", word)
        core = word[:possessive.start()] if possessive else word
        if not core or core.casefold() not in known:
            continue
        end = m.start() + len(core)
        ending = possessive.group(0) if possessive else ""
        if runs and not runs[-1][2] and question[runs[-1][1]:m.start()].isspace():
            runs[-1][1:] = [end, ending]
        else:
            runs.append([m.start(), end, ending])
    return [(a, b, e) for a, b, e in runs]


def coordinated(question: str, names: Sequence[str]) -> tuple[str, str, str, str] | None:
    """``(first, second, question about first, question about second)`` when ``question`` joins
    two of its names with "and" or "&" and asks the same of each; else None. ``names`` are the
    question's name words (``qa.reader.names.asked_names``); a name is a run of them ("Kai-Fu
    Lee"). A possessive carries over ("01.AI's and AIsphere's founders" -> "01.AI's founders"); a
    list of three or more ("A, B and C") is left whole."""
    if _RELATION.search(question):
        return None
    runs = _name_runs(question, names)
    for (a0, a1, pa), (b0, b1, pb) in zip(runs, runs[1:]):
        between = question[a1 + len(pa):b0]
        if not _JOIN.fullmatch(between):
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
