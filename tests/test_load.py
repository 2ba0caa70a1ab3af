"""Readers: every format on small fixtures written for the tests, malformed records included."""

from __future__ import annotations

import gzip
import io
import sys
from pathlib import Path

import pytest

from kg.load import (
    InputError,
    arxiv_id_from,
    detect_format,
    iter_papers,
    merge_papers,
    normalise_date,
    paper_key,
)
from kg.model import ReadProblem


def read(path, **kwargs):
    problems: list[ReadProblem] = []
    papers = list(iter_papers([path], on_problem=problems.append, **kwargs))
    return papers, problems


def test_listing_layout_a_reads_metadata(data_dir):
    papers, problems = read(data_dir / "listing_a.txt")
    assert [p.title for p in papers] == ["Sparse Widgets: Efficient Widget Learning", "Another Paper With Upvotes",
                                         "Organisation Paper"]
    first, second, third = papers
    assert first.author_count == 7 and first.date == "2022-11-25" and first.upvotes is None
    assert first.abstract.startswith("We study widgets.")
    # A date without a year stays a month-day; the trailing number is the upvote count.
    assert second.date == "--07-22" and second.upvotes == 4 and second.author_count == 3
    assert third.organisation == "Microsoft" and third.date == "--09-25" and third.upvotes == 2
    assert problems == []


def test_listing_layout_b_and_merge_across_layouts(data_dir):
    papers, problems = read(data_dir / "listing_b.txt")
    assert [p.title for p in papers] == ["Sparse Widgets: Efficient Widget Learning", "A Layout B Paper"]
    assert problems == []
    a, _ = read(data_dir / "listing_a.txt")
    merged = merge_papers(a + papers)
    assert len(merged) == 4
    widget = next(p for p in merged.values() if p.title.startswith("Sparse"))
    assert widget.author_count == 7 and widget.date == "2022-11-25"  # the richest metadata wins
    assert len(widget.sources) == 2


def test_jsonl_reports_bad_lines_and_keeps_good_ones(data_dir):
    papers, problems = read(data_dir / "papers.jsonl")
    assert [p.key for p in papers] == ["arxiv:2401.00001", "arxiv:2401.00002", "arxiv:2401.00004"]
    assert papers[0].input_id == "2401.00001v2" and papers[0].date == "2024-01-02"
    assert papers[0].categories == ("cs.CL", "cs.AI")
    assert papers[1].abstract == "We use MMLU." and papers[1].authors == ("Ada Lovelace", "Alan Turing")
    assert papers[2].authors == ("A. One", "B. Two", "C. Three") and papers[2].categories == ("cs.LG", "stat.ML")
    places = [(Path(p.path).name, p.location) for p in problems]
    assert places == [("papers.jsonl", "line 3"), ("papers.jsonl", "line 4"), ("papers.jsonl", "line 5")]
    assert "invalid JSON" in problems[0].message and "no title" in problems[1].message


def test_json_list(data_dir):
    papers, problems = read(data_dir / "papers.json")
    assert [p.id for p in papers] == ["d000", "d001"]
    assert papers[0].key.startswith("title:")
    assert papers[1].key == "doi:10.1234/abc.5"
    assert [p.location for p in problems] == ["record 3"]


def test_truncated_json_list_keeps_complete_records(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text('[{"title": "One", "abstract": "a"}, {"title": "Two", "abs')
    papers, problems = read(path)
    assert [p.title for p in papers] == ["One"]
    assert problems and problems[0].location == "record 2"


def test_json_wrapper_object(tmp_path):
    path = tmp_path / "wrapped.json"
    path.write_text('{"papers": [{"title": "Wrapped", "abstract": "x"}]}')
    papers, _ = read(path)
    assert [p.title for p in papers] == ["Wrapped"]


def test_csv_ragged_rows_reported(data_dir):
    papers, problems = read(data_dir / "papers.csv", columns={"title": "Title", "abstract": "Summary", "id": "Identifier",
                                                             "date": "Published"})
    assert [p.title for p in papers] == ['Quoted "Title"']
    assert papers[0].key == "arxiv:2402.00002" and papers[0].date == "2024-02-02"
    assert len(problems) == 1 and "ragged" in problems[0].message and problems[0].location == "line 2"


def test_tsv_with_bad_row(data_dir):
    papers, problems = read(data_dir / "papers.tsv")
    assert [p.title for p in papers] == ["Tab Paper", "Good After"]
    assert [p.location for p in problems] == ["line 3"]


def test_csv_without_title_column(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("name,text\nA,B\n")
    papers, problems = read(path)
    assert papers == [] and "no 'title' column" in problems[0].message and problems[0].location == "line 1"


def test_atom(data_dir):
    papers, problems = read(data_dir / "arxiv.atom")
    assert problems == []
    first = papers[0]
    assert first.key == "arxiv:2301.07041" and first.title == "Atom Paper On Two Lines"
    assert first.abstract == "We present AtomNet, evaluated on ImageNet."
    assert first.authors == ("Jane Doe", "John Roe") and first.doi == "10.1000/xyz123"
    assert first.date == "2023-01-17" and first.categories == ("cs.LG", "cs.AI")
    assert papers[1].key == "arxiv:2301.00002"


def test_invalid_xml_keeps_earlier_entries(tmp_path, data_dir):
    text = (data_dir / "arxiv.atom").read_text()
    cut = text[: text.index("<entry>", text.index("</entry>"))] + "<entry><title>broken</tit"
    path = tmp_path / "bad.xml"
    path.write_text(cut + "\n</feed>\n")
    papers, problems = read(path)
    assert [p.key for p in papers] == ["arxiv:2301.07041"]
    assert "invalid XML" in problems[0].message and problems[0].location.startswith("line ")


def test_gzip_and_directory_expand(tmp_path, data_dir):
    (tmp_path / "sub").mkdir()
    with gzip.open(tmp_path / "sub" / "p.jsonl.gz", "wt") as handle:
        handle.write((data_dir / "papers.jsonl").read_text())
    (tmp_path / ".hidden.jsonl").write_text('{"title": "Hidden"}\n')
    papers, _ = read(tmp_path)
    assert [p.key for p in papers] == ["arxiv:2401.00001", "arxiv:2401.00002", "arxiv:2401.00004"]


def test_truncated_gzip_keeps_what_came_before(tmp_path):
    lines = "".join(f'{{"id": "2401.{i:05d}", "title": "Paper {i}", "abstract": "text {i}"}}\n' for i in range(3000))
    blob = gzip.compress(lines.encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(blob[: len(blob) // 2])
    papers, problems = read(path)
    assert 0 < len(papers) < 3000
    assert [p.title for p in papers] == [f"Paper {i}" for i in range(len(papers))]
    assert "truncated" in problems[-1].message


def test_format_forced_and_detected(tmp_path, data_dir):
    path = tmp_path / "noext"
    path.write_text((data_dir / "papers.jsonl").read_text())
    assert len(read(path)[0]) == 3
    assert len(read(path, fmt="jsonl")[0]) == 3
    assert detect_format("x.atom", b"") == "atom"
    assert detect_format("x", b"<?xml") == "atom"
    assert detect_format("x", b"[{") == "json"
    assert detect_format("x", b"title,abstract\n") == "csv"
    assert detect_format("x.jsonl.gz", b"") == "jsonl"


def test_stdin(monkeypatch, data_dir):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((data_dir / "papers.jsonl").read_bytes())))
    papers, _ = read("-")
    assert len(papers) == 3


def test_unreadable_inputs_raise_one_line_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        list(iter_papers([tmp_path / "missing.json"]))
    binary = tmp_path / "image.json"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    with pytest.raises(InputError, match="binary") as info:
        list(iter_papers([binary]))
    assert "\n" not in str(info.value) and str(binary) in str(info.value)
    with pytest.raises(InputError, match="unknown format"):
        list(iter_papers([binary], fmt="pdf"))


def test_encodings(tmp_path):
    record = '{"title": "Caf\u00e9 \u2014 na\u00efve", "abstract": "r\u00e9sum\u00e9"}\n'
    (tmp_path / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + record.encode("utf-8"))
    (tmp_path / "utf16.jsonl").write_bytes(record.encode("utf-16"))
    (tmp_path / "latin1.jsonl").write_bytes('{"title": "Caf\u00e9", "abstract": "x"}\n'.encode("latin-1"))
    for name in ("bom.jsonl", "utf16.jsonl"):
        papers, problems = read(tmp_path / name)
        assert papers[0].title == "Caf\u00e9 \u2014 na\u00efve" and problems == []
    papers, problems = read(tmp_path / "latin1.jsonl")
    assert papers[0].title == "Caf\u00e9"
    assert "Windows-1252" in problems[0].message and problems[0].location == "line 1"


def test_empty_file_is_reported(tmp_path):
    (tmp_path / "empty.jsonl").write_text("")
    papers, problems = read(tmp_path / "empty.jsonl")
    assert papers == [] and "empty" in problems[0].message


def test_control_characters_removed(tmp_path):
    (tmp_path / "c.jsonl").write_text('{"title": "A\\u0000B\\u0007 C", "abstract": "x\\ny"}\n')
    papers, _ = read(tmp_path / "c.jsonl")
    assert papers[0].title == "AB C" and papers[0].abstract == "x y"


@pytest.mark.parametrize(
    ("raw", "iso"),
    [("Nov 25, 2022", "2022-11-25"), ("Jul 22", "--07-22"), ("2023-06-01T17:59:59Z", "2023-06-01"),
     ("2023-06", "2023-06"), ("2021", "2021"), ("Feb 29", "--02-29"), ("Feb 30", None), ("yesterday", None),
     ("2023-13-01", None)],
)
def test_dates(raw, iso):
    assert normalise_date(raw) == iso


def test_identity_prefers_arxiv_then_doi_then_title():
    assert paper_key("2401.00001", "10.1/x", "T") == "arxiv:2401.00001"
    assert paper_key(None, "10.1/x", "T") == "doi:10.1/x"
    assert paper_key(None, None, "Attention is all you need") == paper_key(None, None, "Attention Is All You Need!")
    assert arxiv_id_from("arXiv:1706.03762v7") == "1706.03762"


def test_unidentified_listing_joins_identified_record_in_any_order(tmp_path):
    a = tmp_path / "a.jsonl"
    a.write_text('{"id": "2401.00001", "title": "Shared Title", "abstract": "short"}\n')
    b = tmp_path / "b.json"
    b.write_text('[{"title": "Shared  title", "abstract": "a much longer abstract"}]')
    for order in ([a, b], [b, a]):
        merged = merge_papers(iter_papers(order))
        assert list(merged) == ["arxiv:2401.00001"]
        assert merged["arxiv:2401.00001"].abstract == "a much longer abstract"


def test_seeds_hold_247_unique_papers(seeds):
    problems: list[ReadProblem] = []
    records = list(iter_papers([seeds], on_problem=problems.append))
    assert len(records) == 260
    assert len(merge_papers(records)) == 247
    assert problems == []
    assert all(len(p.abstract) > 150 for p in records)
    # Page boilerplate never becomes a paper.
    assert not any(p.title.lower().startswith(("get trending", "subscribe", "daily papers")) for p in records)


def test_dates_from_listing_file_or_arxiv_id(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(
        '{"id": "2503.11731", "title": "Listed", "abstract": "a", "source_file": "2025-03-18.jsonl"}\n'
        '{"id": "2406.00001v2", "title": "Only an id", "abstract": "a"}\n'
        '{"id": "d7", "title": "Nothing", "abstract": "a"}\n'
    )
    papers, _ = read(path)
    assert [p.date for p in papers] == ["2025-03-18", "2024-06", None]


def test_merge_keeps_every_record_when_an_untitled_orphan_joins_a_known_paper():
    from kg.model import Paper

    records = [
        Paper("arxiv:2401.00001", "Old Title", "First abstract.", sources=("a.jsonl:1",)),
        Paper("title:0123456789abcdef", "New Title", "Second abstract, a longer one.", sources=("b.jsonl:1",)),
        Paper("arxiv:2401.00001", "New Title", "First abstract.", sources=("c.jsonl:1",)),
    ]
    merged = merge_papers(records)
    assert list(merged) == ["arxiv:2401.00001"]
    assert merged["arxiv:2401.00001"].sources == ("a.jsonl:1", "b.jsonl:1", "c.jsonl:1")


def test_csv_column_mapping_naming_an_absent_column_is_reported(data_dir):
    papers, problems = read(data_dir / "papers.csv", columns={"abstract": "Sumary"})
    assert [p.title for p in papers] == ['Quoted "Title"']  # the file is still read
    absent = [p for p in problems if "'Sumary'" in p.message]
    assert len(absent) == 1 and absent[0].location == "line 1" and "abstract=Sumary" in absent[0].message


def test_listing_short_abstract_followed_by_metadata_stays_the_abstract(tmp_path):
    page = tmp_path / "listing.txt"
    page.write_text(
        "Daily Papers\n\nTiny Paper\n\nWe fine-tune GPT-4 on GSM8K. Short, but an abstract.\n\n  • 2 authors\n·\n"
        "Nov 25, 2022\n\nLong Paper\n\n" + "A long abstract about models and data. " * 6 + "\n\n  • 3 authors\n·\nJul 22 4\n\n"
        "Title Only Paper\n\nNext Title Without Metadata\n\n" + "Its abstract is long enough to be read as one. " * 4 + "\n",
        encoding="utf-8")
    papers, problems = read(page)
    assert [p.title for p in papers] == ["Tiny Paper", "Long Paper", "Title Only Paper", "Next Title Without Metadata"]
    tiny = papers[0]
    assert tiny.abstract == "We fine-tune GPT-4 on GSM8K. Short, but an abstract." and tiny.author_count == 2
    assert tiny.date == "2022-11-25"
    # without metadata after it, a short line after a title is the next title (layout B)
    assert papers[2].abstract == "" and papers[3].abstract.startswith("Its abstract")
    assert [p.message for p in problems] == ["title 'Title Only Paper' has no abstract; kept without one"]


def test_listing_title_only_papers_with_metadata_stay_two_papers(tmp_path):
    page = tmp_path / "listing.txt"
    page.write_text("Daily Papers\n\nPaper One About Things\n\n• 3 authors\n·\nJan 5 12\n\n"
                    "Paper Two About Other Things\n\n• 2 authors\n·\nJan 6 7\n", encoding="utf-8")
    papers, problems = read(page)
    assert [(p.title, p.abstract, p.author_count, p.date, p.upvotes) for p in papers] == [
        ("Paper One About Things", "", 3, "--01-05", 12), ("Paper Two About Other Things", "", 2, "--01-06", 7)]
    assert len(problems) == 2  # each: a title without an abstract, kept


def test_listing_short_abstract_before_an_organisation_line(tmp_path):
    page = tmp_path / "listing.txt"
    page.write_text("Daily Papers\n\nTiny Paper\n\nWe fine-tune GPT-4 on GSM8K, briefly.\n\nstanfordnlp Stanford NLP\n"
                    "·\nNov 25, 2022 5\n", encoding="utf-8")
    papers, problems = read(page)
    assert [(p.title, p.abstract, p.organisation, p.date, p.upvotes) for p in papers] == [
        ("Tiny Paper", "We fine-tune GPT-4 on GSM8K, briefly.", "Stanford NLP", "2022-11-25", 5)]
    assert problems == []
