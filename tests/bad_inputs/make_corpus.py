"""The bad-input corpus: every file of this folder, how it is made, and what reading it must give.

Run ``python tests/bad_inputs/make_corpus.py`` to rewrite the files; ``tests/test_bad_input.py``
checks they are still what this script makes, then reads and builds each one.

Each :class:`Case` says how many records the readers must keep (every good record), which
places (``line 3``, ``record 2``, ``entry 1``, ``file``) the problems must name, and whether
the file is unreadable as a whole (an ``InputError``). Good records have titles starting
with ``Good`` unless the case is about the title itself. Cases whose files would be huge
(the 10 MB abstracts) are made at test time by ``test_bad_input.py``.
"""

from __future__ import annotations

import codecs
import gzip
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: Titles that stress escaping: Turtle string and IRI syntax, HTML, scripts, scripts of the world.
NASTY_TITLES = (
    'Quotes " and \'single\' and """triple""" in a title',
    "Back\\slash \\u0041 \\n and a trailing backslash \\",
    "Angle > brackets < and & ampersands; end with >",
    "<script>alert('xss')</script> Attention Is All You Need",
    '<img src=x onerror="alert(1)"> Scaling Laws',
    "Emoji 🤖🔥 and right-to-left مرحبا بالعالم עברית text",
    "Zero\u200bwidth and \u202eoverride\u202c marks",
)


@dataclass(frozen=True)
class Case:
    """One corpus file and what reading it must give."""

    name: str
    data: bytes
    kept: int  # records the readers must yield
    places: tuple[str, ...] = ()  # each must be the location of some problem
    error: bool = False  # the whole file is an InputError
    unique: int | None = None  # papers after merging (default: kept)
    titles: tuple[str, ...] = ()  # exact titles that must be kept (after cleaning)
    min_kept: int = 0  # with kept=-1: at least this many (truncated compressed listings)
    lost_in_broken_syntax: int = 0  # valid-looking records after a syntax break, reported not kept
    note: str = ""

    @property
    def papers(self) -> int:
        return self.kept if self.unique is None else self.unique


def abstract(i: int) -> str:
    return (f"We propose GoodNet-{i}, a transformer model for image classification. We train it on ImageNet "
            f"and evaluate on CIFAR-10, where it improves accuracy over ResNet-50 by two points.")


def rec(i: int, **fields) -> dict:
    base = {"id": f"2401.{i:05d}", "title": f"Good paper {i}", "abstract": abstract(i)}
    base.update(fields)
    return {k: v for k, v in base.items() if v is not ...}


def jsonl(*records: dict | str) -> bytes:
    return "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records).encode()


def json_list(*records: dict) -> bytes:
    return json.dumps(list(records), ensure_ascii=False, indent=1).encode()


def hf(*entries: tuple[str, str]) -> str:
    """A Hugging Face daily-papers page (layout A) with the given (title, abstract) entries."""
    page = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\nDec 11\n\n"
    for n, (title, text) in enumerate(entries, start=1):
        page += f"{title}\n\n{text}\n\n  • {n + 2} authors\n·\nNov {n}, 2023 {n * 3}\n\n"
    return page


def good_hf(*ids: int) -> list[tuple[str, str]]:
    return [(f"Good paper {i}", abstract(i)) for i in ids]


def atom(*entries: str, head: str = '<?xml version="1.0" encoding="UTF-8"?>\n') -> str:
    body = "".join(entries)
    return (f'{head}<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">\n'
            f"  <title>ArXiv Query</title>\n{body}</feed>\n")


def entry(i: int, title: str | None = None, summary: str | None = None) -> str:
    title = f"Good paper {i}" if title is None else title
    summary = abstract(i) if summary is None else summary
    return (f"  <entry>\n    <id>http://arxiv.org/abs/2401.{i:05d}v1</id>\n    <published>2024-01-02T00:00:00Z</published>\n"
            f"    <title>{title}</title>\n    <summary>{summary}</summary>\n"
            f"    <author><name>Ada Lovelace</name></author>\n  </entry>\n")


def csv_text(rows: list[list[str]], sep: str = ",") -> str:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, delimiter=sep, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def good_rows(*ids: int) -> list[list[str]]:
    return [[f"Good paper {i}", abstract(i), f"2401.{i:05d}"] for i in ids]


HEADER = ["title", "abstract", "id"]


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def _truncated_gzip(data: bytes, keep: float = 0.6) -> bytes:
    packed = _gzip(data)
    return packed[: int(len(packed) * keep)]


def _many(n: int, start: int = 1) -> bytes:
    return jsonl(*(rec(i) for i in range(start, start + n)))


def _cases() -> list[Case]:
    rng = random.Random(8)
    noise = bytes(rng.randrange(256) for _ in range(3000))
    nasty_recs = [rec(i, title=t, authors=[t, "Ada Lovelace"]) for i, t in enumerate(NASTY_TITLES, start=1)]
    cleaned_nasty = tuple(" ".join(t.replace("\u200b", "").split()) for t in NASTY_TITLES)
    cases = [
        # ---------------------------------------------------------------- listing text
        Case("hf_empty.txt", b"", 0, ("file",)),
        Case("hf_blank_lines.txt", b"\n  \n\t\n\r\n", 0, ("file",)),
        Case("hf_png_named_txt.txt", b"\x89PNG\r\n\x1a\n" + noise[:500], 0, error=True),
        Case("hf_cp1252.txt", hf(("Café naïve paper", abstract(1)), *good_hf(2)).encode("cp1252"), 2, ("line 11",),
             titles=("Café naïve paper", "Good paper 2")),
        Case("hf_utf16_bom.txt", hf(*good_hf(1, 2)).encode("utf-16"), 2),
        Case("hf_utf8_bom.txt", codecs.BOM_UTF8 + hf(*good_hf(1, 2)).encode(), 2),
        Case("hf_nul_control.txt", hf(("Good\x00 paper\x07 1\x1b", abstract(1)), *good_hf(2)).encode(), 2,
             titles=("Good paper 1", "Good paper 2")),
        Case("hf_title_without_abstract.txt", hf(*good_hf(1), ("Good lonely title without abstract", ""),
                                                    *good_hf(2)).replace("\n\n\n\n", "\n\n").encode(), 3, ("line 19",)),
        Case("hf_orphan_long_text.txt", ("x" * 400 + "\n\n" + hf(*good_hf(1, 2))).encode(), 2, ("line 1",)),
        Case("hf_truncated.txt", hf(*good_hf(1, 2, 3)).encode().rsplit(b"\nNov", 1)[0], 3,
             note="cut inside the last paper's metadata; a listing cut inside an abstract is indistinguishable "
                  "from a title (layout B): that record is kept as a title without abstract, reported"),
        Case("hf_nasty_titles.txt", hf(*((t, abstract(i)) for i, t in enumerate(NASTY_TITLES, 1))).encode(),
             len(NASTY_TITLES), titles=cleaned_nasty),
        Case("hf_crlf.txt", hf(*good_hf(1, 2)).replace("\n", "\r\n").encode(), 2),
        Case("hf_cr_only.txt", hf(*good_hf(1, 2)).replace("\n", "\r").encode(), 2),
        # ---------------------------------------------------------------- JSON
        Case("json_empty.json", b"", 0, ("file",)),
        Case("json_empty_list.json", b"[]", 0, ("file",)),
        Case("json_truncated.json", json_list(rec(1), rec(2), rec(3))[:-120], 2, ("record 3",)),
        Case("json_truncated_wrapper.json", json.dumps({"total": 3, "papers": [rec(1), rec(2), rec(3)]}).encode()[:-60],
             2, ("record 3",)),
        Case("json_syntax_error.json", json_list(rec(1)).replace(b"]", b",") + b'{"title": "Bad" "abstract": 1},\n'
             + json.dumps(rec(3)).encode() + b"]", 1, ("record 2",), lost_in_broken_syntax=1,
             note="after a syntax error a JSON list cannot be re-synchronised safely: the rest is reported"),
        Case("json_single_object.json", json.dumps(rec(1)).encode(), 1),
        Case("json_wrapper_mixed_items.json",
             json.dumps({"papers": [rec(1), 5, "text", None, [rec(9)], rec(2)]}).encode(), 2,
             ("record 2", "record 3", "record 4", "record 5")),
        Case("json_missing_title.json",
             json_list(rec(1), rec(2, title=...), rec(3, title=""), rec(4, title=None), rec(5, title="  \n\t"), rec(6)),
             2, ("record 2", "record 3", "record 4", "record 5")),
        Case("json_missing_abstract.json", json_list(rec(1, abstract=...), rec(2, abstract=""), rec(3)), 3,
             ("record 1", "record 2")),
        Case("json_wrong_types.json", json_list(
            rec(1, authors=3, categories={"a": 1}, upvotes="many", versions=["x"], date=20240101, url=7),
            rec(2, title=17), rec(3, abstract=["a", "b"], authors=[None, 5, {"name": None}])), 3, ("record 1",),
             titles=("17",)),
        Case("json_deep_nesting.json", b"[" + json.dumps(rec(1)).encode() + b"," + b"[" * 50000 + b"]" * 50000 + b"]",
             1, ("record 2",)),
        Case("json_huge_integer.json", json_list(rec(1)).replace(b'"id"', b'"upvotes": ' + b"9" * 5000 + b', "id"'), 1),
        Case("json_nan_infinity.json", b'[{"title": "Good paper 1", "abstract": "x", "upvotes": Infinity, '
             b'"author_count": -Infinity, "date": NaN}, ' + json.dumps(rec(2)).encode() + b"]", 2, ("record 1",)),
        Case("json_lone_surrogate.json", b'[{"id": "2401.00001", "title": "Good \\ud800 paper", "abstract": "x"}]', 1,
             titles=("Good \ufffd paper",)),
        Case("json_raw_control_chars.json", json_list(rec(1), rec(2)).replace(b"Good paper 1", b"Good\tpaper\x01 1"),
             2, titles=("Good paper 1", "Good paper 2")),
        Case("json_latin1.json", json_list(rec(1, title="Café paper"), rec(2)).decode().encode("latin-1"), 2, ("line 4",),
             titles=("Café paper",)),
        Case("json_utf16_bom.json", json_list(rec(1), rec(2, title="Good paper 2 — ü")).decode().encode("utf-16"), 2),
        Case("json_utf16_no_bom.json", json_list(rec(1), rec(2)).decode().encode("utf-16-le"), 2, ("file",)),
        Case("json_utf8_bom.json", codecs.BOM_UTF8 + json_list(rec(1), rec(2)), 2),
        Case("json_duplicate_conflict.json", json_list(
            rec(1, title="Good paper one", abstract="We propose AlphaNet for vision."),
            rec(1, id="2401.00001v2", title="A different title", abstract="Entirely other text about BetaNet."),
            rec(2)), 3, ("record 2",), unique=2, titles=("Good paper one", "A different title"),
             note="same arXiv id, different content: merged into one paper, warned"),
        Case("json_nasty_titles.json", json_list(*nasty_recs), len(NASTY_TITLES), titles=cleaned_nasty),
        Case("json_pdf_named_json.json", b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n" + noise[:800], 0, error=True),
        # ---------------------------------------------------------------- JSONL
        Case("jsonl_empty.jsonl", b"", 0, ("file",)),
        Case("jsonl_truncated.jsonl", _many(3)[:-40], 2, ("line 3",)),
        Case("jsonl_garbage_lines.jsonl", jsonl(rec(1), "not json at all", "", "[1, 2]", "42", '"text"', "null",
                                                "{\"title\": \"Bad\",}", rec(2)), 2,
             ("line 2", "line 4", "line 5", "line 6", "line 7", "line 8")),
        Case("jsonl_crlf.jsonl", _many(3).replace(b"\n", b"\r\n"), 3),
        Case("jsonl_cr_only.jsonl", _many(3).replace(b"\n", b"\r"), 3),
        Case("jsonl_nul_bytes.jsonl", jsonl(rec(1)) + b'{"id": "2401.00002", "title": "Good\x00 paper 2", "abstract": "x"}\n'
             + b'\x00\x00{"title": "Bad"}\n' + jsonl(rec(3)), 3, ("line 3",),
             titles=("Good paper 1", "Good paper 2", "Good paper 3")),
        Case("jsonl_zero_padded.jsonl", _many(2) + b"\x00" * 6000, 2, ("line 3",),
             note="a download padded with zeros is text with a bad last line, not binary"),
        Case("jsonl_latin1_line.jsonl", jsonl(rec(1)) + json.dumps(rec(2, title="Good paper 2 é"), ensure_ascii=False)
             .encode("latin-1") + b"\n" + jsonl(rec(3)), 3, ("line 2",), titles=("Good paper 2 é",)),
        Case("jsonl_not_gzip.jsonl.gz", _many(2), 0, error=True),
        Case("jsonl_gzip_without_gz_name.jsonl", _gzip(_many(2)), 0, error=True),
        Case("jsonl_multi_member.jsonl.gz", _gzip(_many(3)) + _gzip(_many(3, start=4)) + b"\x00" * 16, 6),
        Case("jsonl_versions_of_one_paper.jsonl", jsonl(rec(1, id="2401.00001v1"), rec(1, id="2401.00001v3"),
                                                          rec(1, id="arXiv:2401.00001"), rec(2)), 4, unique=2),
        Case("jsonl_random_bytes.jsonl", noise, 0, error=True),
        Case("jsonl_nasty_titles.jsonl", jsonl(*nasty_recs), len(NASTY_TITLES), titles=cleaned_nasty),
        # ---------------------------------------------------------------- CSV / TSV
        Case("csv_empty.csv", b"", 0, ("file",)),
        Case("csv_header_only.csv", b"title,abstract,id\n", 0, ("file",)),
        Case("csv_no_title_column.csv", csv_text([["name", "summary"], ["Good paper 1", "x"]]).encode(), 0, ("line 1",)),
        Case("csv_semicolons.csv", b"title;abstract\nGood paper 1;x\n", 0, ("line 1",)),
        Case("csv_ragged_rows.csv", csv_text([HEADER, *good_rows(1), ["Too few"], ["Too", "many", "2401.99999", "x"],
                                              *good_rows(2)]).encode(), 2, ("line 3", "line 4")),
        Case("csv_multiline_then_ragged.csv", csv_text([HEADER, ["Good paper 1", "line one\nline two\nthree", "2401.00001"],
                                                        ["Ragged"], *good_rows(2)]).encode(), 2, ("line 5",)),
        Case("csv_unterminated_quote.csv", csv_text([HEADER, *good_rows(1)]).encode() + b'"Bad, unterminated,2401.5\n'
             + csv_text(good_rows(2, 3)).encode(), 2, ("line 4",), lost_in_broken_syntax=1,
             note="an unterminated quote swallows text up to the next quote into one field: reported as a ragged row"),
        Case("csv_missing_title_cell.csv", csv_text([HEADER, *good_rows(1), ["", "abstract", "2401.00009"],
                                                     *good_rows(2)]).encode(), 2, ("line 3",)),
        Case("csv_latin1.csv", csv_text([HEADER, ["Café paper", "résumé", "2401.00001"], *good_rows(2)]).encode("latin-1"),
             2, ("line 2",), titles=("Café paper",)),
        Case("csv_utf8_bom.csv", codecs.BOM_UTF8 + csv_text([HEADER, *good_rows(1, 2)]).encode(), 2),
        Case("csv_utf16_bom.csv", csv_text([HEADER, *good_rows(1, 2)]).encode("utf-16"), 2),
        Case("csv_nul_in_field.csv", csv_text([HEADER, *good_rows(1, 2)]).replace("Good paper 1", "Good paper\x00 1")
             .encode(), 2, titles=("Good paper 1",)),
        Case("csv_nasty_titles.csv", csv_text([HEADER, *([t, abstract(i), f"2401.{i:05d}"]
                                                        for i, t in enumerate(NASTY_TITLES, 1))]).encode(),
             len(NASTY_TITLES), titles=cleaned_nasty),
        Case("tsv_ragged_rows.tsv", csv_text([HEADER, *good_rows(1), ["only one"], *good_rows(2)], sep="\t").encode(), 2,
             ("line 3",)),
        Case("tsv_stray_quotes.tsv", b'title\tabstract\nHe said "hi\tone\nGood paper 2\ttwo\n', 2,
             titles=('He said "hi',)),
        # ---------------------------------------------------------------- Atom XML
        Case("atom_empty.xml", b"", 0, ("file",)),
        Case("atom_truncated.xml", atom(entry(1), entry(2), entry(3)).encode()[:-150], 2, ("line 23",)),
        Case("atom_mismatched_tag.xml", atom(entry(1), entry(2).replace("</title>", "</titel>"), entry(3)).encode(),
             1, ("line 14",), lost_in_broken_syntax=1),
        Case("atom_rss_not_atom.xml", b'<?xml version="1.0"?><rss><channel><item><title>x</title></item></channel></rss>',
             0, ("file",)),
        Case("atom_billion_laughs.xml", atom(entry(1), entry(2, title="&lol9;"), head='<?xml version="1.0"?>\n<!DOCTYPE f ['
             + '<!ENTITY lol "lol">' + "".join(f'<!ENTITY lol{k} "{("&lol" + str(k - 1) + ";") * 10}">'.replace("&lol1;", "&lol;")
                                                 for k in range(2, 10)) + "]>\n").encode(), 1, ("line 1",),
             note="entity amplification is refused by expat: nothing expands, nothing hangs"),
        Case("atom_external_entity.xml", atom(entry(1, title="Good paper 1 &xxe;"), head='<?xml version="1.0"?>\n'
             '<!DOCTYPE f [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n').encode(), 0, ("line 8",),
             note="external entities are never fetched"),
        Case("atom_api_error.xml", atom(entry(1, title="Error", summary="incorrect id format for 1234.12345")).encode(), 0,
             ("entry 1",)),
        Case("atom_missing_title.xml", atom(entry(1), entry(2, title=""), entry(3)).encode(), 2, ("entry 2",)),
        Case("atom_latin1_declared.xml", atom(entry(1, title="Café paper"), entry(2),
                                              head='<?xml version="1.0" encoding="ISO-8859-1"?>\n').encode("latin-1"),
             2, ("line 7",), titles=("Café paper",)),
        Case("atom_utf16.xml", atom(entry(1), entry(2), head='<?xml version="1.0" encoding="UTF-16"?>\n').encode("utf-16"),
             2),
        Case("atom_markup_in_title.xml", atom(entry(1, title="&lt;script&gt;alert(1)&lt;/script&gt; Good paper 1"),
                                              entry(2, title="<![CDATA[Good <b>paper</b> 2 & \"more\"]]>")).encode(),
             2, titles=("<script>alert(1)</script> Good paper 1", 'Good <b>paper</b> 2 & "more"')),
        # ---------------------------------------------------------------- other
        Case("unknown_extension_random.dat", noise[:1000], 0, error=True),
        Case("unknown_extension_jsonl.dat", _many(2), 2),
    ]
    return cases + _gzip_cases()


def _gzip_cases() -> list[Case]:
    """gzip files cut at 55% of their compressed size, or corrupted in the middle.

    How many records must be kept is worked out from what zlib alone can decompress,
    independently of the readers; ``kept=-1`` means "at least ``min_kept``, all good".
    """
    import zlib

    def cut(plain: bytes) -> tuple[bytes, bytes]:
        packed = _gzip(plain)
        packed = packed[: int(len(packed) * 0.55)]
        return packed, zlib.decompressobj(31).decompress(packed)

    jsonl_gz, jsonl_text = cut(_many(200))
    atom_gz, atom_text = cut(atom(*(entry(i) for i in range(1, 41))).encode())
    hf_gz, hf_text = cut(hf(*good_hf(*range(1, 41))).encode())
    lines = jsonl_text.count(b"\n")
    corrupt = bytearray(_gzip(_many(200)))
    corrupt[len(corrupt) // 2: len(corrupt) // 2 + 64] = b"\xff" * 64
    return [
        Case("jsonl_truncated.jsonl.gz", jsonl_gz, lines, (f"after line {lines}",)),
        Case("atom_truncated.xml.gz", atom_gz, atom_text.count(b"</entry>\n"), ("after line",)),
        Case("hf_truncated.txt.gz", hf_gz, -1, ("after line",), min_kept=hf_text.count(b" authors\n")),
        Case("jsonl_corrupt_middle.jsonl.gz", bytes(corrupt), -1, ("after line",), min_kept=1,
             note="corrupt deflate data in the middle: records before it kept, the damage reported"),
    ]


CASES: list[Case] = _cases()


def write_corpus(folder: Path = HERE) -> None:
    for case in CASES:
        (folder / case.name).write_bytes(case.data)


if __name__ == "__main__":
    write_corpus()
    print(f"wrote {len(CASES)} files to {HERE}")
