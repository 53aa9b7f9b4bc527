"""`make bench` rewrites the top of docs/benchmarks.md and keeps what other benchmarks wrote below it."""

from bench.run import _kept_tail

DOC = """# Benchmarks

Measured ...

| Measure | Baseline |
|---|---|

## Notes

- **Export**: took 6 s.
- **Memory**: VmRSS.

<!-- encoders:begin -->
## int8 index encoder: quality
text
<!-- encoders:end -->

## Concurrency (HTTP API)

Measured by `bench/load.py`.
"""


def test_the_sections_below_the_notes_are_kept():
    tail = _kept_tail(DOC)
    assert tail.startswith("<!-- encoders:begin -->")
    assert "## Concurrency (HTTP API)" in tail and "Export" not in tail


def test_a_doc_without_notes_or_sections_keeps_nothing():
    assert _kept_tail("# Benchmarks\n\nno notes\n") == ""
    assert _kept_tail("# Benchmarks\n\n## Notes\n\n- one\n") == ""
