"""Extractive, cited question answering over a document corpus.

``from qa import answer``: every answer is a verbatim passage of the corpus with exact character
offsets, or an honest abstention. Importing this package loads no model, no index and no FAISS.
"""

from __future__ import annotations

# Binding the function after the submodule import makes ``qa.answer`` the function, as promised.
from qa.answer import Answer, answer
from qa.errors import QAError
from qa.reader.extract import Citation

__version__ = "0.1.0"
__all__ = ["answer", "Answer", "Citation", "QAError"]
