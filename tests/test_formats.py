"""Bring your own corpus: markdown, HTML, PDF and JSON-lines files are read, indexed and cited.

Every sample file is made here (the PDF with fpdf2), in temporary folders. For each format, a
question is answered from an index built with the fake embedder, and every citation must quote the
extracted text the index stores at its offsets, from the right document.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import make_corpus

from qa.answer import answer
from qa.embed import HashEmbedder
from qa.index.build import build_index, index_is_current
from qa.index.cache import get_index
from qa.ingest.corpus import list_corpus_files, make_document, read_corpus
from qa.ingest.formats import (
    parse_front_matter,
    read_html,
    read_jsonl,
    read_markdown,
    read_pdf,
    reflow_page,
)

EMBEDDER = HashEmbedder()

# A distractor in every corpus, so that "the answer comes from the right document" means something.
DISTRACTOR = ("Weather notes for the harbour town\n"
              "The harbour town had a dry spring this year. Farmers in the valley planted maize early.\n")

ARTICLE_HTML = """<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Otters of the Pacific | Nature Weekly</title>
<meta property="og:title" content="Otters of the Pacific">
<meta property="og:url" content="https://example.org/otters">
<meta property="og:site_name" content="Nature Weekly">
<meta name="date" content="2024-03-05">
</head><body>
<header><nav><ul>
<li><a href="/">Home</a></li><li><a href="/world">World News Section</a></li>
<li><a href="/sport">Sport and Leisure Pages</a></li></ul></nav></header>
<div class="advertisement" id="ad-top">Buy cheap flights to Paris now with SuperJet discount deals</div>
<main><article>
<h1>Otters of the Pacific</h1>
<p>Sea otters hold hands while they sleep so that they do not drift apart on the current.</p>
<p>A group of resting otters is called a raft, and a raft can hold more than a hundred animals.</p>
<p>Researchers in Monterey counted 2,938 sea otters along the California coast in 2023.</p>
</article></main>
<aside class="sidebar"><h3>Sponsored</h3><a href="/promo">Win a luxury cruise to the Bahamas today</a></aside>
<footer><p>Copyright 2024 Nature Weekly Media Group.</p>
<a href="/privacy">Privacy policy and cookie settings</a></footer>
</body></html>
"""

MARKDOWN = """---
title: "Field Notes: Honey Bees"
date: 2022-08-14
url: https://example.org/bees
source: Apiary Journal
tags:
  - insects
---
# The waggle dance

Honey bees **communicate** the direction of flowers with a *waggle dance*, as
[Karl von Frisch](https://en.wikipedia.org/wiki/Karl_von_Frisch "biography") showed.

![A worker bee on a lavender flower](images/bee.png)

## Colony size

- A healthy colony holds about 40,000 worker bees in summer.
- The queen lays up to 2,000 eggs per day.

> Bees visit roughly fifty flowers on a single collecting trip.
"""

JSONL_LINES = [
    {"id": "a1", "title": "Comet sighting", "text": "Astronomers in Chile spotted a bright comet passing close to Mars on Tuesday.",
     "url": "https://example.org/comet", "date": "2021-05-04", "source": "Sky Wire"},
    {"id": "a2", "text": "The city council approved a new tram line that will link the airport to the old town."},
    "{this line is not json",
    {"id": 3, "title": "Chess final", "text": "The chess final in Oslo ended in a draw after ninety-four moves."},
]


def make_pdf(pages: list[str], title: str | None = "Glacier Survey Report",
             author: str | None = "Ada Lovelace") -> bytes:
    """A real PDF (fpdf2) with one page per string; paragraphs wrap across several lines."""
    from fpdf import FPDF

    pdf = FPDF()
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    pdf.set_creation_date(datetime(2023, 6, 1, 12, 0, tzinfo=timezone.utc))
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


GLACIER_PAGES = [
    "Glacier Survey Report\n\nThe Aletsch glacier lost forty metres of thickness between 1980 and 2020, "
    "according to the survey team that measured it every summer with drones and stakes driven into the ice.",
    "Meltwater lakes on the glacier doubled in number during the last decade. The scientists expect "
    "the glacier to lose another third of its volume by 2050 if summers keep warming at this pace.",
]


def index_and_ask(corpus: Path, tmp: Path, question: str):
    """Build an index of ``corpus`` with the fake embedder, ask ``question``; check every citation.

    Returns (answer, the loaded index).
    """
    index_dir = tmp / "index"
    build_index(corpus, index_dir, embedder=EMBEDDER)
    result = answer(question, embedder=EMBEDDER, index_dir=index_dir)
    index = get_index(index_dir)
    assert not result.abstained, result.reason
    for c in result.citations + result.passages + result.alternatives:
        assert index.document(c.doc_id).text[c.start:c.end] == c.quote
    return result, index


# --- PDF -----------------------------------------------------------------------------------------

def test_pdf_is_read_page_by_page_and_a_citation_names_its_page(tmp_path):
    corpus = make_corpus(tmp_path / "c", {"weather.txt": DISTRACTOR, "glacier.pdf": make_pdf(GLACIER_PAGES)})
    doc = next(d for d in read_corpus(corpus).documents if d.path == "glacier.pdf")
    assert doc.doc_id == "glacier"
    assert (doc.title, doc.author, doc.date) == ("Glacier Survey Report", "Ada Lovelace", "2023-06-01")
    assert len(doc.pages) == 2 and doc.pages[0] == 0
    # Lines wrapped by the PDF layout are joined again: a sentence is one line of the text.
    assert "between 1980 and 2020, according to the survey team that measured it" in doc.text
    assert doc.text[doc.pages[1]:].startswith("Meltwater lakes on the glacier doubled")

    result, index = index_and_ask(corpus, tmp_path, "How many metres of thickness did the Aletsch glacier lose between 1980 and 2020?")
    cited = result.citations[0]
    assert cited.doc_id == "glacier" and "forty metres" in cited.quote
    assert doc.page_of(cited.start) == 1 and cited.page == 1
    assert index.document("glacier").pages == doc.pages  # page offsets survive the index
    assert index.document("glacier").text == doc.text  # the index stores the extracted text

    later = answer("What happened to the meltwater lakes on the glacier in the last decade?", embedder=EMBEDDER,
                   index_dir=tmp_path / "index")
    assert later.citations[0].doc_id == "glacier" and "Meltwater lakes" in later.citations[0].quote
    assert doc.page_of(later.citations[0].start) == 2 and later.citations[0].page == 2


def test_page_of_maps_offsets_to_pages_and_is_none_without_pages():
    doc = make_document("d", "Page one has words.\n\nPage two has words.\n\n", pages=(0, 21))
    assert [doc.page_of(o) for o in (0, 20, 21, len(doc.text))] == [1, 1, 2, 2]
    assert doc.page_of(-1) is None and doc.page_of(len(doc.text) + 1) is None
    assert make_document("t", "No pages in plain text.").page_of(0) is None


def test_reflow_joins_wrapped_lines_but_keeps_headings_and_short_paragraph_ends():
    page = ("Annual Report\n"
            "The committee met eleven times during the year and reviewed every\n"
            "proposal that members sent in before the deadline of the spring\n"
            "session, as the statutes require.\n"
            "Budget\n"
            "The budget was approved without changes by a large majority of the\n"
            "members present at the meeting.")
    assert reflow_page(page).split("\n") == [
        "Annual Report",
        "The committee met eleven times during the year and reviewed every proposal that members "
        "sent in before the deadline of the spring session, as the statutes require.",
        "Budget",
        "The budget was approved without changes by a large majority of the members present at the meeting.",
    ]


def test_pdf_is_not_rejected_as_binary_but_broken_pdfs_are_skipped_with_a_warning(tmp_path):
    good = make_pdf(GLACIER_PAGES)
    corpus = make_corpus(tmp_path / "c", {
        "good.pdf": good,
        "truncated.pdf": good[: len(good) // 3],
        "not-a-pdf.pdf": b"%PDF-1.7\n\x00\x01 this is not a real PDF at all",
        "empty.pdf": b"",
        "blank.pdf": make_pdf([""], title=None, author=None),
    })
    read = read_corpus(corpus)
    assert [d.doc_id for d in read.documents] == ["good"]
    messages = {w.path: w.message for w in read.warnings}
    assert messages["truncated.pdf"].startswith("skipped: not a readable PDF")
    assert messages["not-a-pdf.pdf"].startswith("skipped: not a readable PDF")
    assert messages["empty.pdf"].startswith("skipped: not a readable PDF")
    assert "no text layer" in messages["blank.pdf"]
    report = build_index(corpus, tmp_path / "index", embedder=EMBEDDER)
    assert report.documents == 1 and len(report.warnings) == 4
    # Skipped files are recorded: an unchanged broken file does not make the index stale.
    assert index_is_current(tmp_path / "index", corpus, EMBEDDER.name)[0]


def test_pdf_page_without_text_is_reported_and_keeps_the_page_numbers(tmp_path):
    data = make_pdf(["", GLACIER_PAGES[1]])
    content = read_pdf(data)
    (record,) = content.records
    assert content.problems == ("no text on page 1 (images only?)",)
    assert record.pages == (0, 2) and record.text[2:].startswith("Meltwater lakes")


def test_password_protected_pdf_is_skipped_but_one_without_user_password_is_read():
    from fpdf import FPDF

    def encrypted(user_password: str) -> bytes:
        pdf = FPDF()
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(0, 6, "The encrypted report says the bridge opens in May.")
        pdf.set_encryption(owner_password="owner", user_password=user_password)
        return bytes(pdf.output())

    locked = read_pdf(encrypted("secret"))
    assert (locked.records, locked.problems) == ((), ("skipped: the PDF is encrypted with a password",))
    (record,) = read_pdf(encrypted("")).records
    assert record.text.startswith("The encrypted report says the bridge opens in May.")


# --- HTML ----------------------------------------------------------------------------------------

def test_html_keeps_the_article_and_drops_navigation_ads_and_footer(tmp_path):
    corpus = make_corpus(tmp_path / "c", {"weather.txt": DISTRACTOR, "otters.html": ARTICLE_HTML})
    doc = next(d for d in read_corpus(corpus).documents if d.path == "otters.html")
    assert "Sea otters hold hands while they sleep" in doc.text
    assert "Researchers in Monterey counted 2,938 sea otters" in doc.text
    for junk in ("World News Section", "SuperJet", "luxury cruise", "Copyright 2024", "Privacy policy", "<p>"):
        assert junk not in doc.text, junk
    assert (doc.title, doc.url, doc.date, doc.source) == (
        "Otters of the Pacific", "https://example.org/otters", "2024-03-05", "Nature Weekly")

    result, _ = index_and_ask(corpus, tmp_path, "How many sea otters did researchers count in Monterey?")
    assert result.citations[0].doc_id == "otters"
    assert "2,938" in result.citations[0].quote


def test_a_copyright_year_is_not_a_publication_date():
    page = ("<html><head><title>Sea otters</title></head><body><article><h1>Sea otters</h1>"
            "<p>Sea otters live in kelp forests along the coast. They eat urchins and crabs, and use rocks "
            "as tools to open shells.</p><p>Their fur is the densest of any animal, which keeps them warm "
            "in cold water.</p></article><footer>Copyright 2024 Coastal Notes</footer></body></html>")
    assert read_html(page.encode()).records[0].date is None


def test_html_without_main_text_or_with_junk_bytes_is_skipped_with_a_warning(tmp_path):
    corpus = make_corpus(tmp_path / "c", {
        "good.htm": ARTICLE_HTML,
        "empty.html": "<html><head><title>Nothing</title></head><body><div></div></body></html>",
        "junk.html": b"\x00\x00\xff\xfe<<<>>>",
    })
    read = read_corpus(corpus)
    assert [d.doc_id for d in read.documents] == ["good"]
    messages = {w.path: w.message for w in read.warnings}
    assert messages["empty.html"].startswith("skipped: no main text found in the HTML page")
    assert messages["junk.html"] == "skipped: binary file"
    assert read_html(b"").records == ()


# --- markdown ------------------------------------------------------------------------------------

def test_markdown_is_rendered_to_plain_text_with_front_matter_metadata(tmp_path):
    corpus = make_corpus(tmp_path / "c", {"weather.txt": DISTRACTOR, "notes/bees.md": MARKDOWN})
    doc = next(d for d in read_corpus(corpus).documents if d.path == str(Path("notes/bees.md")))
    assert doc.doc_id == "notes/bees"
    for syntax in ("---", "#", "**", "*waggle", "](", "![", "https://", "> Bees", "- A healthy", "tags:"):
        assert syntax not in doc.text, syntax
    assert "Honey bees communicate the direction of flowers with a waggle dance, as Karl von Frisch showed." in doc.text
    assert "A worker bee on a lavender flower" in doc.text  # image alt text is kept
    assert (doc.title, doc.date, doc.url, doc.source) == (
        "Field Notes: Honey Bees", "2022-08-14", "https://example.org/bees", "Apiary Journal")

    result, _ = index_and_ask(corpus, tmp_path, "How many worker bees does a healthy colony hold?")
    assert result.citations[0].doc_id == "notes/bees"
    assert "40,000 worker bees" in result.citations[0].quote


def test_markdown_without_front_matter_takes_its_title_from_the_first_heading():
    (record,) = read_markdown(b"# Notes on the Rhine river\n\nThe Rhine flows into the North Sea.\n").records
    assert record.title is None  # no metadata: ingest picks the headline from the text
    doc = make_document("rhine", record.text)
    assert doc.title == "Notes on the Rhine river"
    assert parse_front_matter("No front matter here.\n---\ntitle: x\n---\n") == (
        {}, "No front matter here.\n---\ntitle: x\n---\n")


# --- JSON lines ----------------------------------------------------------------------------------

def jsonl_text(lines) -> str:
    return "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)


def test_jsonl_gives_one_document_per_line_and_reports_the_broken_line(tmp_path):
    corpus = make_corpus(tmp_path / "c", {"weather.txt": DISTRACTOR, "news.jsonl": jsonl_text(JSONL_LINES)})
    read = read_corpus(corpus)
    docs = {d.doc_id: d for d in read.documents if d.path == "news.jsonl"}
    assert sorted(docs) == ["news/3", "news/a1", "news/a2"]
    comet = docs["news/a1"]
    assert (comet.title, comet.url, comet.date, comet.source) == (
        "Comet sighting", "https://example.org/comet", "2021-05-04", "Sky Wire")
    assert comet.text == JSONL_LINES[0]["text"]
    assert docs["news/a2"].url is None
    assert [(w.path, w.message.split(":")[0]) for w in read.warnings] == [("news.jsonl", "line 3")]

    result, index = index_and_ask(corpus, tmp_path, "How many moves did the chess final in Oslo last?")
    assert result.citations[0].doc_id == "news/3"
    assert result.citations[0].quote == index.document("news/3").text
    tram = answer("Where will the new tram line go?", embedder=EMBEDDER, index_dir=tmp_path / "index")
    assert tram.citations[0].doc_id == "news/a2"
    # One file, several documents: the staleness check still sees the corpus as unchanged.
    assert index_is_current(tmp_path / "index", corpus, EMBEDDER.name)[0]
    (corpus / "news.jsonl").write_text(jsonl_text(JSONL_LINES[:2]), encoding="utf-8")
    ok, why = index_is_current(tmp_path / "index", corpus, EMBEDDER.name)
    assert not ok and "changed 1" in why


def test_jsonl_bad_records_are_skipped_line_by_line():
    lines = [
        {"id": "x", "text": "A first record about red kites nesting in Wales."},
        {"id": "x", "text": "The same id again, so this one is skipped."},
        {"text": "No id at all here."},
        {"id": "y", "text": ["not", "a", "string"]},
        [1, 2, 3],
        "",
        {"id": True, "text": "A boolean is not an id."},
        {"id": "z", "text": "Metadata of the wrong type is ignored.", "title": {"nested": 1}},
    ]
    content = read_jsonl(jsonl_text(lines).encode())
    assert [r.key for r in content.records] == ["x", "z"]
    assert [r.line for r in content.records] == [1, 8]
    assert content.records[1].title is None
    assert [p.split(": ", 1)[0] for p in content.problems] == ["line 2", "line 3", "line 4", "line 5", "line 7"]
    assert "already used on line 1" in content.problems[0]


def test_duplicate_text_and_colliding_ids_stay_unique_across_files(tmp_path):
    same = "Red kites were reintroduced to the Chilterns in 1989 and now number in thousands."
    corpus = make_corpus(tmp_path / "c", {
        "kites.txt": same + "\n",
        "kites.md": "# Red kites in England today\n\nThey nest in tall trees near open farmland.\n",
        "feed.jsonl": jsonl_text([{"id": "k", "text": same + "\n"},
                                  {"id": "m", "text": "Merlins are the smallest falcons of Britain."}]),
    })
    read = read_corpus(corpus)
    ids = [d.doc_id for d in read.documents]
    assert len(ids) == len(set(ids))
    assert ids == ["feed/k", "feed/m", "kites.md"]  # two files named kites: both keep their suffix
    assert [(w.path, w.message) for w in read.warnings] == [("kites.txt", "skipped: same text as feed/k")]


def test_corpus_files_are_listed_by_extension_whatever_their_case(tmp_path):
    corpus = make_corpus(tmp_path / "c", {
        "a.txt": "x", "b.MD": "x", "c.html": "x", "d.HTM": "x", "e.pdf": b"x", "f.jsonl": "x",
        "g.markdown": "x", "skip.csv": "x", "skip.docx": b"x", ".hidden.md": "x",
    })
    names = [p.name for p in list_corpus_files(corpus)]
    assert names == ["a.txt", "b.MD", "c.html", "d.HTM", "e.pdf", "f.jsonl", "g.markdown"]


@pytest.mark.parametrize("name,data", [
    ("broken.jsonl", b'{"id": 1, "text": "unterminated\n'),
    ("broken.html", b"<html><body><script>var x = 1;</script></body></html>"),
    ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF"),
    ("broken.md", b"---\ntitle: only front matter\n---\n"),
])
def test_a_broken_file_of_any_format_never_stops_the_build(tmp_path, name, data):
    corpus = make_corpus(tmp_path / "c", {"weather.txt": DISTRACTOR, name: data})
    report = build_index(corpus, tmp_path / "index", embedder=EMBEDDER)
    assert report.documents == 1
    assert [w.path for w in report.warnings] == [name]
    assert report.warnings[0].message.startswith(("skipped", "line 1: skipped"))


@pytest.mark.parametrize("text,encoding,note", [
    ("Le Café de Flore est un café parisien célèbre.\nIl a ouvert en 1887 et reste très fréquenté.\n",
     "latin-1", "not UTF-8 (invalid at byte 6): decoded as cp1252"),
    ("Кто основал компанию Kuaishou? Это известная китайская компания.\n", "cp1251",
     "not UTF-8 (invalid at byte 0): decoded as cp1251"),
    ("Text saved by Notepad as Unicode.\n", "utf-16", "decoded as UTF-16 (byte order mark)"),
    ("Plain UTF-8, café.\n", "utf-8", None),
])
def test_the_encoding_is_detected_and_said(text, encoding, note):
    """Accented words survive a legacy encoding ("célèbre", not "célčbre" as cp1250 would read it)."""
    from qa.ingest.encoding import decode_bytes

    assert decode_bytes(text.encode(encoding)) == (text, note)
