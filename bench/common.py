"""What the benchmark scripts share: an offline environment and the project's paths.

Imported first by each script; run them from the project folder as ``python -m bench.NAME``.
"""

from __future__ import annotations

import os
from pathlib import Path

for _name, _value in {"HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
                      "HF_HUB_DISABLE_PROGRESS_BARS": "1", "TRANSFORMERS_VERBOSITY": "error",
                      "GRADIO_ANALYTICS_ENABLED": "False"}.items():
    os.environ.setdefault(_name, _value)

ROOT = Path(__file__).resolve().parent.parent

INDEX_DIR = ROOT / "index"
CORPUS_DIR = ROOT / "corpus"
QUESTIONS_FILE = ROOT / "eval" / "corpus_qa.jsonl"
RESULTS = ROOT / "bench" / "results"
BENCH_DOC = ROOT / "docs" / "benchmarks.md"
#: Public data sets (never copied into the project): ``../shared/datasets`` or ``$QA_BENCH_DATA``.
DATA_DIR = Path(os.environ.get("QA_BENCH_DATA", ROOT.parent / "shared" / "datasets"))


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo ("" where there is none)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def replace_marked_section(doc: Path, begin: str, end: str, block: str, title: str,
                           lead: str = "\n\n") -> None:
    """Put ``block`` (which starts with ``begin`` and ends with ``end``) into ``doc``: in place of
    the marked section if there is one, else appended after ``lead``; a missing doc gets ``title``."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else f"{title}\n"
    if begin in text and end in text:
        text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + lead + block + "\n"
    doc.write_text(text, encoding="utf-8")
