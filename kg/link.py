"""Canonicalise extracted entities across a corpus: one entity, one node.

``link(extractions, overrides=None)`` turns per-paper :class:`~kg.model.ExtractedEntity`
records into corpus-wide :class:`~kg.model.CanonicalEntity` nodes and paper → entity
:class:`~kg.model.Link` records, with an alias table that says which papers support
each alias and on what evidence (for review in ``kg entities``).

How names are merged
--------------------
1. **Normalised form** (:func:`normalise_name`): case, Unicode dashes, hyphens,
   spaces, dots and underscores between letters, accents, British/American
   spelling (``optimisation``/``optimization``) and a plural on the last word
   (``Transformers`` → ``transformer``; acronym plurals ``SSMs`` → ``ssm``; never
   ``GLUE``/``MMLU``/``Bayes``/``SciDocs``). Digit groups keep a dot between them so
   ``Qwen2.5-7B`` and ``Qwen2-57B`` stay apart. Names with the same normalised form
   are one node.
2. **Aliases and acronyms**: an extracted entity whose ``aliases`` hold another form
   (``Direct Preference Optimization`` with alias ``DPO``) is a *definition*. Each
   alias form collects the long forms (senses) it is defined as anywhere in the
   corpus. Long forms whose content words match (``Low-Rank Adaptation`` /
   ``Low-Rank Adapters``; word stems, ≥ 75 % of words) are one sense. An alias with
   one sense is merged with it; an alias with several senses is *ambiguous*: every
   sense stays its own node (and no later merge may join them), and a paper that
   uses the bare alias is linked, in this order, by (a) a ``sense`` override,
   (b) its own paper's definition, (c) type: the only sense defined with the
   record's type (``MAE`` as a Metric is mean absolute error), (d) context: the
   sense whose defining papers share the most other entities with this paper,
   (e) a strict majority of the
   defining papers (more papers than all other senses together). Otherwise the bare
   alias stays a separate node whose evidence lists the candidate senses: an
   honest "ambiguous" node is better than a wrong merge.
   An alias is refused (kept in ``LinkedCorpus.rejected`` for review) when it is
   not plausible: it is no abbreviation (its letters, ``2``/``4`` read as to/for,
   are not a subsequence of the long form starting in its first word) and the
   words do not match; or it is a family/version of the name (``Llama`` for
   ``Llama-2``, ``GPT-4o`` for ``GPT-4``, ``QLoRA`` for ``LoRA``); or it is
   ``i.e.``/``e.g.``.
3. **Variants** (types Model and Method only): trailing size, depth and tuning
   tokens are stripped (``Llama-2 7B``, ``Llama-2-13B``, ``Llama-2-7b-chat`` →
   ``Llama-2``; ``ResNet-50`` → ``ResNet``; ``Mistral-7B-Instruct-v0.2`` →
   ``Mistral``). A variant is its own node with ``variant_of`` = the family's key;
   the family node is created when no paper names it (it is a real model), with
   no links of its own. Size words (``base``, ``XL``, ``mini`` …) count only for
   Models, so ``Transformer-XL`` (a Method) is not a variant of ``Transformer``.
   Versions are never stripped: ``GPT-4``/``GPT-4o``, ``Llama-2``/``Llama-3`` and
   ``CIFAR-10``/``CIFAR-100`` are unrelated nodes.
4. **Type**: one name is one node. Its type is the one most papers give it; ties go
   to the larger sum of confidences, then to the order Model, Benchmark, Dataset,
   Method, Task, Metric (the more specific artifact first).
5. **Label**: the surface form most papers use as the entity's name (the guideline's
   "fullest form"), ties to more words, then longer, then more capitals, then
   code-point order. So a corpus that mostly writes "Direct Preference
   Optimization (DPO)" gets that label with alias ``DPO``.
6. **Key**: ``<type lower-case>/<slugify(label)>``. When two nodes share a key the
   one with more papers keeps it (ties: its sorted member names) and the others
   get ``-`` + 6 hex digits of a hash of their member names, so keys depend on
   content only, never on input order.

Views: :func:`entity_table` (one row per node, for ``kg entities``), :func:`alias_table`
(one row per alias and node: papers and evidence), :func:`cooccurrence` (papers per
pair of nodes). ``LinkedCorpus.entity_of(paper_key, name)`` gives the node of a
record (by its name or any of its aliases).

Links are one per (paper, node): role ``proposed`` if any merged record in the
paper is proposed, confidence the maximum, mentions merged and sorted.

Override file
-------------
A UTF-8 text file; one directive per line, fields separated by TAB; blank lines
and lines starting with ``#`` are ignored. Names are matched by normalised form,
papers by paper key or input id::

    merge      NAME_A   NAME_B        force A and B into one node
    split      NAME_A   NAME_B        A and B are never one node (refuses aliases, transitive merges)
    sense      PAPER    ALIAS  NAME   in PAPER the bare ALIAS means NAME
    rename     NAME     LABEL         label of NAME's node (its key follows the label)
    type       NAME     TYPE          type of NAME's node (one of ENTITY_TYPES)
    variant    CHILD    PARENT        CHILD's node is a variant of PARENT's node
    novariant  NAME                   NAME's node is no variant of anything
    ignore     NAME                   drop every record with this name (false positives)

A malformed line raises :class:`OverrideError` with ``path:line: message``.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kg.model import ENTITY_TYPES, CanonicalEntity, ExtractedEntity, Link, Mention, PaperExtraction

if TYPE_CHECKING:  # pandas is imported lazily: link() itself does not need it
    import pandas

__all__ = [
    "AliasSupport",
    "alias_table",
    "LinkedCorpus",
    "OverrideError",
    "Overrides",
    "cooccurrence",
    "entity_table",
    "family_name",
    "link",
    "normalise_name",
    "read_overrides",
    "slugify",
]

# ---------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d"
_DASH_TABLE = {ord(c): "-" for c in _DASHES} | {0x00AD: None, 0x200B: None}
_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu",
    "ν": "nu", "ξ": "xi", "ο": "omicron", "π": "pi", "ρ": "rho", "σ": "sigma", "ς": "sigma",
    "τ": "tau", "υ": "upsilon", "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
}
_GREEK_TABLE = {ord(k): v for k, v in _GREEK.items()} | {
    ord(k.upper()): v.capitalize() for k, v in _GREEK.items() if k != "ς"
}
# Separators between the parts of a name; what remains is joined without them.
_SEPARATORS = re.compile(r"[\s\-._/:,;()\[\]{}\"'`’‘“”]+")
# Words ending in "s" that are not plurals (lower case).
_NOT_PLURAL = frozenset(
    "bayes series species news lens atlas hermes chaos canvas bias gas alias always perhaps "
    "whereas plus minus less tennis iris paris pegasus olympus mars venus kudos pathos "
    "ethos logos cosmos thermos diabetes herpes rabies measles".split()
)
_IRREGULAR_PLURAL = {
    "indices": "index", "matrices": "matrix", "vertices": "vertex", "criteria": "criterion",
    "phenomena": "phenomenon", "analyses": "analysis", "hypotheses": "hypothesis",
    "movies": "movie", "cookies": "cookie", "zombies": "zombie", "caches": "cache",
    "niches": "niche", "children": "child", "people": "person", "mice": "mouse",
}
_ACRONYM_PLURAL = re.compile(r"[A-Za-z0-9]*[A-Z0-9]s")
_SPELLING = (
    (re.compile(r"(?<=[a-z]{2})is(e|ed|er|ers|es|ing|ation|ations)$"), r"iz\1"),
    (re.compile(r"(?<=[a-z]{2})ys(e|ed|er|ers|es|ing)$"), r"yz\1"),
    (re.compile(r"(?<=[a-z]{2})our(s|ed|ing|hood|hoods|ite|ites)?$"), r"or\1"),
    (re.compile(r"(?<=[a-z]e)ll(ing|ed|er|ers)$"), r"l\1"),
    (re.compile(r"(?<=[a-z]{2})tre(s)?$"), r"ter\1"),
    (re.compile(r"(?<=[a-z]{2})ogue(s)?$"), r"og\1"),
    (re.compile(r"^programme(s)?$"), r"program\1"),
)
_NORMALISED: dict[str, str] = {}


def _clean(name: str) -> str:
    """NFKC, ASCII dashes, Greek letters spelled out, accents dropped, stripped."""
    if name.isascii():  # every step below leaves ASCII as it is (most names: skip the per-character pass)
        return name.strip()
    s = unicodedata.normalize("NFKC", name).translate(_DASH_TABLE).translate(_GREEK_TABLE)
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if not unicodedata.combining(c)).strip()


def _singular(word: str) -> str:
    """Singular of the last word of a name; ``word`` keeps its original case."""
    if len(word) >= 3 and _ACRONYM_PLURAL.fullmatch(word) and sum(c.isupper() for c in word) >= 2:
        return word[:-1]  # SSMs, LLMs, ViTs, NeRFs, LoRAs
    if not word.isalpha() or len(word) < 4 or not word[1:].islower():
        return word  # GLUE, MMLU, SciDocs, ImageNet, short words
    low = word.lower()
    if low in _IRREGULAR_PLURAL:
        return _IRREGULAR_PLURAL[low]
    if low in _NOT_PLURAL or not low.endswith("s") or low.endswith(("ss", "us", "is", "ics")):
        return word
    if low.endswith("ies") and len(low) > 4:
        return word[:-3] + "y"
    if low.endswith(("sses", "ches", "shes", "xes", "zzes")):
        return word[:-2]
    return word[:-1]


def normalise_name(name: str) -> str:
    """The merge key of a name: equal keys mean the same entity.

    Case, Unicode dashes, hyphens, spaces, dots and underscores between letters,
    accents, a leading "the", British spellings and a plural on the last word are
    ignored; a dot is kept between two digit groups (``gpt3.5``, ``qwen2.57b`` vs
    ``qwen2.5.7b``).

    Parameters
    ----------
    name : str
        A surface form as written in a paper.

    Returns
    -------
    str
        The normalised key; ``""`` when the name holds no letters or digits.

    Examples
    --------
    >>> normalise_name("Direct Preference Optimisation")
    'directpreferenceoptimization'
    >>> normalise_name("Llama-2 7B") == normalise_name("LLaMA 2-7b")
    True
    """
    cached = _NORMALISED.get(name)
    if cached is not None:
        return cached
    s = _clean(name)
    if s[:4].lower() == "the " and len(s) > 4:
        s = s[4:]
    parts = [p for p in _SEPARATORS.split(s) if p]
    if parts:
        parts[-1] = _singular(parts[-1])
    out: list[str] = []
    for part in parts:
        word = part.casefold()
        for pattern, repl in _SPELLING:
            word = pattern.sub(repl, word)
        if out and out[-1][-1].isdigit() and word[0].isdigit():
            out.append(".")
        out.append(word)
    key = "".join(out)
    if len(_NORMALISED) < 2_000_000:
        _NORMALISED[name] = key
    return key


def _words(name: str) -> tuple[str, ...]:
    """Content words of a name, lower case, singular, American spelling."""
    parts = [p for p in _SEPARATORS.split(_clean(name)) if p]
    out = []
    for part in parts:
        word = _singular(part).casefold()
        for pattern, repl in _SPELLING:
            word = pattern.sub(repl, word)
        if word not in _STOPWORDS:
            out.append(word)
    return tuple(out)


_NOT_ALIASES = frozenset("ie eg etc cf viz al etal".split())
_STOPWORDS = frozenset("a an the of for from with via by in on to and or using based".split())


def _words_match(a: str, b: str) -> bool:
    """Whether two words share a stem: a long common prefix."""
    if a == b:
        return True
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n >= 3 and n >= min(5, min(len(a), len(b)) - 1)


def _similar_words(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether two long forms say the same thing: ≥ 75 % of words share a stem."""
    if not a or not b:
        return False
    if "".join(a) == "".join(b):
        return True  # "fine tuning" / "finetuning"
    core_a = [w for w in a if w not in _GENERIC_HEADS]
    core_b = [w for w in b if w not in _GENERIC_HEADS]
    if core_a and len(core_a) == len(core_b) and all(_words_match(x, y) for x, y in zip(core_a, core_b)):
        return True  # "chain-of-thought prompting" / "chain-of-thought reasoning": only generic heads differ
    unused = list(b)
    matched = 0
    for w in a:
        for i, v in enumerate(unused):
            if _words_match(w, v):
                matched += 1
                del unused[i]
                break
    if matched / max(len(a), len(b)) >= 0.75:
        return True
    # "Chain-of-Thought" / "Chain-of-Thought prompting": every word of the shorter
    # matched and the rest only generic heads.
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    return matched == len(shorter) and all(w in _GENERIC_HEADS for w in (unused if shorter is a else _unmatched(a, b)))


_GENERIC_HEADS = frozenset(
    "prompting prompt reasoning method approach framework technique algorithm strategy mechanism scheme "
    "procedure paradigm model architecture module".split()
)


def _unmatched(a: tuple[str, ...], b: tuple[str, ...]) -> list[str]:
    """Words of ``a`` left after matching each word of ``b`` to one of them."""
    unused = list(a)
    for w in b:
        for i, v in enumerate(unused):
            if _words_match(w, v):
                del unused[i]
                break
    return unused


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(c in it for c in short)


# ---------------------------------------------------------------------------
# Slugs
# ---------------------------------------------------------------------------

_SLUG_SYMBOLS = {"+": "-plus-", "@": "-at-", "&": "-and-", "%": "-percent-", "#": "-sharp-"}


def slugify(name: str) -> str:
    """A readable, IRI-safe slug: lower case ``[a-z0-9-._~]`` only, never empty.

    Accents are dropped, Greek letters spelled out (``α`` → ``alpha``), ``+ @ & % #``
    spelled as words, other non-ASCII characters written as ``u`` + hex code point,
    and every other run of characters becomes one ``-``. A dot is kept only between
    digits (``gpt-3.5``). A name with nothing left gives ``x`` + 8 hex digits of its
    hash.

    Examples
    --------
    >>> slugify("Llama-2 7B")
    'llama-2-7b'
    >>> slugify("pass@1")
    'pass-at-1'
    """
    s = _clean(name)
    chars: list[str] = []
    for c in s:
        if c.isascii():
            if c.isalnum():
                chars.append(c.lower())
            elif c == ".":
                chars.append(".")
            else:
                chars.append(_SLUG_SYMBOLS.get(c, "-"))
        else:
            chars.append(f"-u{ord(c):x}-")
    slug = "".join(chars)
    slug = re.sub(r"(?<![0-9])\.|\.(?![0-9])", "-", slug)  # dots only between digits
    slug = re.sub(r"-{2,}", "-", slug).strip("-.")
    if not slug:
        slug = "x" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
    return slug


# ---------------------------------------------------------------------------
# Variants (versions and sizes)
# ---------------------------------------------------------------------------

_TOKEN = re.compile(r"[^\s\-_/]+")
_SIZE = re.compile(r"(\d+(\.\d+)?[kmbt]|\d+x\d+(\.\d+)?[mb]|[ae]\d+(\.\d+)?b)", re.I)
_TUNE = frozenset("chat instruct instruction it hf sft uncased cased turbo preview".split())
_SIZE_WORD = frozenset(
    "base large small tiny mini medium xl xxl xxxl huge giant nano micro pro flash ultra lite "
    "opus sonnet haiku".split()
)
_VERSION_TAG = re.compile(r"v\d+(\.\d+)*", re.I)
_PATCH = re.compile(r"[\s-]+[SBLHGsblhg]/\d+$")  # ViT-B/16
_EFFICIENT = re.compile(r"b[0-7]", re.I)  # EfficientNet-B3
# Architectures whose trailing integer is a depth (ResNet-50, VGG-16, WRN-28-10), not a version or a
# dataset (PG-19, WMT-16).
_DEPTH_FAMILY = re.compile(r"(net|vgg|wrn|resnext|\d)$", re.I)


def family_name(name: str, type_: str = "Model") -> str | None:
    """The family a version or size names, or ``None``.

    Strips trailing size (``7B``, ``8x7B``, ``A14B``), tuning (``chat``, ``instruct``,
    ``hf``), depth (``50`` in ``ResNet-50``: integers from 10 to 1000) and, for
    Models only, size words (``base``, ``XL``, ``mini``); a trailing version tag
    (``v0.1``) goes only together with one of these.

    Parameters
    ----------
    name : str
        A surface form.
    type_ : str
        The entity type; only ``Model`` and ``Method`` have variants.

    Returns
    -------
    str or None
        The family surface form (``"Llama-2"`` for ``"Llama-2-7b-chat"``).
    """
    if type_ not in ("Model", "Method"):
        return None
    s = name.strip()
    stripped = False
    m = _PATCH.search(s)
    if m and any(c.isalpha() for c in s[: m.start()]):
        s, stripped = s[: m.start()], True
    tokens = list(_TOKEN.finditer(s))
    end = len(tokens)
    if end >= 2 and _VERSION_TAG.fullmatch(tokens[-1].group()):
        end -= 1  # kept only if something else goes too
    while end >= 2:
        tok = tokens[end - 1].group()
        low = tok.lower()
        prev = tokens[end - 2].group()
        if (
            _SIZE.fullmatch(tok)
            or low in _TUNE
            or (type_ == "Model" and low in _SIZE_WORD)
            or (tok.isdigit() and 10 <= int(tok) <= 1000 and _DEPTH_FAMILY.search(prev))
            or (_EFFICIENT.fullmatch(tok) and prev[-1:].isalpha() and end == len(tokens))
        ):
            end -= 1
            stripped = True
            continue
        break
    if not stripped or end == 0:
        return None
    family = s[: tokens[end - 1].end()].strip()
    if not any(c.isalpha() for c in family) or len(normalise_name(family)) < 2:
        return None
    return family


# ---------------------------------------------------------------------------
# Overrides
# ---------------------------------------------------------------------------


class OverrideError(ValueError):
    """A malformed override file line; the message is ``path:line: what``."""


@dataclass
class Overrides:
    """Parsed override directives (see the module docstring for the file format)."""

    merges: list[tuple[str, str, str]] = field(default_factory=list)  # (a, b, where)
    splits: list[tuple[str, str, str]] = field(default_factory=list)
    senses: dict[tuple[str, str], str] = field(default_factory=dict)  # (paper, alias key) -> name
    renames: dict[str, str] = field(default_factory=dict)  # name key -> label
    types: dict[str, str] = field(default_factory=dict)  # name key -> type
    variants: dict[str, str] = field(default_factory=dict)  # child key -> parent name
    novariants: set[str] = field(default_factory=set)
    ignores: set[str] = field(default_factory=set)


_ARITY = {"merge": 2, "split": 2, "sense": 3, "rename": 2, "type": 2, "variant": 2, "novariant": 1, "ignore": 1}


def read_overrides(path: Path) -> Overrides:
    """Read an override file.

    Raises
    ------
    OverrideError
        For an unknown directive, a wrong number of fields, an unknown type or a
        name without letters or digits; the message names the file and line.
    """
    ov = Overrides()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise OverrideError(f"{path}: cannot read override file: {exc}") from None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path}:{number}"
        fields = [f.strip() for f in raw.rstrip("\r\n").split("\t")]
        fields = [f for f in fields if f]
        verb = fields[0].lower()
        if verb not in _ARITY:
            raise OverrideError(f"{where}: unknown directive {fields[0]!r} (expected one of {', '.join(_ARITY)})")
        args = fields[1:]
        if len(args) != _ARITY[verb]:
            raise OverrideError(f"{where}: {verb} takes {_ARITY[verb]} TAB-separated fields, got {len(args)}")
        names = args[1:] if verb == "sense" else args[:1] if verb in ("rename", "type") else args
        for name in names:
            if not normalise_name(name):
                raise OverrideError(f"{where}: name {name!r} has no letters or digits")
        if verb == "merge":
            ov.merges.append((args[0], args[1], where))
        elif verb == "split":
            ov.splits.append((args[0], args[1], where))
        elif verb == "sense":
            ov.senses[(args[0], normalise_name(args[1]))] = args[2]
        elif verb == "rename":
            ov.renames[normalise_name(args[0])] = args[1]
        elif verb == "type":
            matches = [t for t in ENTITY_TYPES if t.lower() == args[1].lower()]
            if not matches:
                raise OverrideError(f"{where}: unknown type {args[1]!r} (expected one of {', '.join(ENTITY_TYPES)})")
            ov.types[normalise_name(args[0])] = matches[0]
        elif verb == "variant":
            ov.variants[normalise_name(args[0])] = args[1]
        elif verb == "novariant":
            ov.novariants.add(normalise_name(args[0]))
        else:
            ov.ignores.add(normalise_name(args[0]))
    return ov


# ---------------------------------------------------------------------------
# Union-find with cannot-link constraints
# ---------------------------------------------------------------------------


class _UnionFind:
    """Union-find over name keys; ``forbid`` marks pairs that may never be joined."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.apart: dict[str, set[tuple[int, int]]] = {}  # root -> {(constraint id, side)}

    def add(self, x: str) -> None:
        if x not in self.parent:
            self.parent[x] = x

    def find(self, x: str) -> str:
        parent = self.parent
        if x not in parent:
            parent[x] = x
            return x
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def forbid(self, cid: int, a: str, b: str) -> None:
        self.apart.setdefault(self.find(a), set()).add((cid, 0))
        self.apart.setdefault(self.find(b), set()).add((cid, 1))

    def can_union(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        sa, sb = self.apart.get(ra), self.apart.get(rb)
        if not sa or not sb:
            return True
        return not any((cid, 1 - side) in sb for cid, side in sa)

    def union(self, a: str, b: str) -> bool:
        """Join a and b unless forbidden; the smaller key becomes the root."""
        if not self.can_union(a, b):
            return False
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        moved = self.apart.pop(rb, None)
        if moved:
            self.apart.setdefault(ra, set()).update(moved)
        return True


# ---------------------------------------------------------------------------
# Linking
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AliasSupport:
    """One alias of one entity: the papers that use it and why it was merged."""

    alias: str
    entity_key: str
    papers: tuple[str, ...]
    evidence: str  # comma-joined kinds: name, definition, family, resolved-by-*


@dataclass
class LinkedCorpus:
    """The canonical entities of a corpus, its links and the alias table.

    Attributes
    ----------
    entities : dict[str, CanonicalEntity]
        By key, sorted by key.
    links : list[Link]
        Sorted by (paper key, entity key).
    aliases : dict[str, tuple[AliasSupport, ...]]
        Surface form → its entities (more than one for an ambiguous alias), sorted.
    rejected : tuple[str, ...]
        Aliases given by extraction but refused as implausible, for review.
    """

    entities: dict[str, CanonicalEntity]
    links: list[Link]
    aliases: dict[str, tuple[AliasSupport, ...]] = field(default_factory=dict)
    rejected: tuple[str, ...] = ()
    record_entity: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)

    def entity_of(self, paper_key: str, name: str) -> str | None:
        """Key of the node an entity named ``name`` in paper ``paper_key`` was linked to."""
        return self.record_entity.get((paper_key, name))

    def paper_count(self, entity_key: str) -> int:
        """Number of papers linked to an entity."""
        return len({link.paper_key for link in self.links if link.entity_key == entity_key})


@dataclass
class _Record:
    paper_key: str
    entity: ExtractedEntity
    anchor: str  # normalised key of the long (fullest) form
    anchor_surface: str
    forms: list[tuple[str, str]]  # (key, surface) of the other forms


@dataclass
class _Cluster:
    root: str
    papers: set[str] = field(default_factory=set)
    types: Counter = field(default_factory=Counter)
    confidence: Counter = field(default_factory=Counter)
    names: dict[str, set[str]] = field(default_factory=dict)  # anchor surface -> papers
    surfaces: dict[str, dict[str, set[str]]] = field(default_factory=dict)  # surface -> kind -> papers
    members: set[str] = field(default_factory=set)
    evidence: set[str] = field(default_factory=set)
    proposed_by: set[str] = field(default_factory=set)
    family_votes: Counter = field(default_factory=Counter)  # label votes of a created family
    created: bool = False


_TYPE_PRIORITY = {t: i for i, t in enumerate(("Model", "Benchmark", "Dataset", "Method", "Task", "Metric"))}


def _cite(papers: Iterable[str], limit: int = 3) -> str:
    ps = sorted(papers)
    more = f", +{len(ps) - limit} more" if len(ps) > limit else ""
    return ", ".join(ps[:limit]) + more


def _choose_anchor(e: ExtractedEntity) -> tuple[str, list[str]]:
    """The fullest form of a record and its other forms (a swapped name/alias is fixed)."""
    name = e.name
    if not e.aliases:
        return name, []
    others = [a for a in e.aliases if a != name]
    if others and " " not in name.strip():
        best = max(others, key=lambda a: (len(a.split()), len(a), a))
        nkey, bkey = normalise_name(name), normalise_name(best)
        if len(best.split()) > 1 and nkey and len(nkey) < len(bkey) and _plausible_alias(name, nkey, bkey, best):
            return best, [name] + [a for a in others if a != best]
    return name, others


def _plausible_alias(alias: str, akey: str, nkey: str, name: str) -> bool:
    """Whether ``alias`` can name the same thing as ``name`` (keys already differ)."""
    short, long = (akey, nkey) if len(akey) <= len(nkey) else (nkey, akey)
    long_surface = name if long == nkey else alias
    if long.startswith(short):
        rest = long[len(short):]
        if rest[:1].isdigit() or rest[:1] == "." or re.match(r"v\d", rest) or len(rest) <= 3:
            return False  # Llama / Llama-2, GPT-4 / GPT-4o, MMLU / MMLU-Pro: other models
    elif long.endswith(short):
        words = _clean(long_surface).split()
        if not any(normalise_name(" ".join(words[i:])) == short for i in range(1, len(words))):
            return False  # T5 / mT5, LoRA / QLoRA, BERT / SciBERT
        return True  # COCO / MS COCO: a qualifier word in front
    for a, b in ((alias, name), (name, alias)):
        fam = family_name(a)
        if fam is not None and normalise_name(fam) == normalise_name(b):
            return False
    if short in _NOT_ALIASES:
        return False
    parts = [w for w in _SEPARATORS.split(_clean(long_surface).casefold()) if w]
    first_word = parts[0] if parts else ""
    for letters in (short, short.replace("2", "to").replace("4", "for")):
        if (letters[:1] == long[:1] or letters[:1] in first_word) and _is_subsequence(letters, long):
            return True  # an abbreviation: DPO / direct preference optimization, XAI, T2I
    return _similar_words(_words(alias), _words(name))


def link(extractions: Iterable[PaperExtraction], overrides: Path | None = None) -> LinkedCorpus:
    """Merge the entities of many papers into canonical nodes and paper links.

    Parameters
    ----------
    extractions : iterable of PaperExtraction
        One per paper; a paper key seen twice has its entities pooled.
    overrides : Path, optional
        A user override file (format in the module docstring).

    Returns
    -------
    LinkedCorpus
        Identical for any order of the input.
    """
    ov = read_overrides(overrides) if overrides is not None else Overrides()
    input_ids: dict[str, str] = {}  # paper key -> input id, for overrides

    # Pass 1: records, alias definitions and per-paper anchors.
    records: list[_Record] = []
    definitions: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))  # alias -> name -> papers
    def_forms: dict[tuple[str, str], Counter] = defaultdict(Counter)  # (alias, name) -> surface pairs
    anchor_surfaces: dict[str, set[str]] = defaultdict(set)
    rejected_pairs: dict[tuple[str, str], set[str]] = defaultdict(set)  # (alias, name) -> papers
    def_types: dict[tuple[str, str], Counter] = defaultdict(Counter)  # (alias, name) -> types
    plausible: dict[tuple[str, str], bool] = {}
    for x in extractions:
        pk = x.paper.key
        if x.paper.input_id:
            input_ids.setdefault(pk, x.paper.input_id)
        for e in x.entities:
            anchor_surface, others = _choose_anchor(e)
            anchor = normalise_name(anchor_surface)
            if not anchor or anchor in ov.ignores:
                continue
            anchor_surfaces[anchor].add(anchor_surface)
            forms = []
            for alias in others:
                akey = normalise_name(alias)
                if not akey or akey == anchor:
                    forms.append((anchor, alias))
                    continue
                pair = (alias, anchor_surface)
                ok = plausible.get(pair)
                if ok is None:
                    ok = plausible[pair] = _plausible_alias(alias, akey, anchor, anchor_surface)
                if not ok:
                    rejected_pairs[pair].add(pk)
                    continue
                forms.append((akey, alias))
                definitions[akey][anchor].add(pk)
                def_forms[(akey, anchor)][(alias, anchor_surface)] += 1
                def_types[(akey, anchor)][e.type] += 1
            records.append(_Record(pk, e, anchor, anchor_surface, forms))

    rejected = {f"{a!r} as alias of {n!r} ({_cite(ps)})" for (a, n), ps in rejected_pairs.items()}
    # The surface pair shown for each definition: the most used, then the smallest.
    def_surface = {k: min(c, key=lambda pair: (-c[pair], pair)) for k, c in def_forms.items()}
    words_of: dict[str, set[tuple[str, ...]]] = {}
    for names in definitions.values():
        for n in names:
            if n not in words_of:
                words_of[n] = {_words(s) for s in sorted(anchor_surfaces[n])[:8]}

    uf = _UnionFind()
    for r in records:
        uf.add(r.anchor)
    evidence: dict[str, set[str]] = defaultdict(set)  # name key -> evidence lines

    # Overrides: cannot-links first so that nothing merges across them.
    cid = itertools.count()
    for a, b, where in ov.splits:
        if normalise_name(a) == normalise_name(b):
            raise OverrideError(f"{where}: split {a!r} {b!r}: same normalised name, always one node")
        uf.forbid(next(cid), normalise_name(a), normalise_name(b))
    for a, b, where in sorted(ov.merges):
        ka, kb = normalise_name(a), normalise_name(b)
        if not uf.union(ka, kb):
            raise OverrideError(f"{where}: merge {a!r} {b!r} contradicts a split")
        evidence[ka].add(f"override merge {a!r} + {b!r}")

    # Senses of each alias: long forms grouped by similar words.
    ambiguous: dict[str, list[list[str]]] = {}
    single: list[tuple[str, list[str]]] = []
    for akey in sorted(definitions):
        names = sorted(definitions[akey])
        groups: list[list[str]] = []
        for n in names:
            for g in groups:
                if any(
                    uf.find(n) == uf.find(m) or any(_similar_words(w1, w2) for w1 in words_of[n] for w2 in words_of[m])
                    for m in g
                ):
                    g.append(n)
                    break
            else:
                groups.append([n])
        if len(groups) == 1:
            single.append((akey, names))
        else:
            ambiguous[akey] = groups
            for g1, g2 in itertools.combinations(groups, 2):
                uf.forbid(next(cid), g1[0], g2[0])
    for akey, groups in sorted(ambiguous.items()):
        for g in groups:
            for n in g:
                alias, long = def_surface[(akey, n)]
                others = ", ".join(repr(def_surface[(akey, h[0])][1]) for h in groups if h is not g)
                evidence[n].add(f"{alias!r} = {long!r}: defined in {_cite(definitions[akey][n])}; "
                                f"ambiguous, elsewhere {others}")
            for n in g[1:]:
                if uf.union(g[0], n):
                    evidence[n].add(f"long forms {def_surface[(akey, g[0])][1]!r} and {def_surface[(akey, n)][1]!r} "
                                    f"share the alias {def_surface[(akey, n)][0]!r} and their words")
    for akey, names in single:
        for n in names:
            alias, long = def_surface[(akey, n)]
            if uf.union(n, akey):
                evidence[akey].add(f"{alias!r} = {long!r}: defined in {_cite(definitions[akey][n])}")
            else:
                rejected.add(f"{alias!r} as alias of {long!r}: refused by a split")

    # Resolve bare uses of ambiguous aliases, per paper.
    paper_records: dict[str, list[_Record]] = defaultdict(list)
    for r in records:
        paper_records[r.paper_key].append(r)
    resolved: dict[int, tuple[str, str]] = {}  # id(record) -> (name key, evidence kind)
    if ambiguous:
        contexts: dict[tuple[str, int], Counter] = {}
        for akey, groups in ambiguous.items():
            for i, g in enumerate(groups):
                ctx: Counter = Counter()
                for n in g:
                    for pk in definitions[akey][n]:
                        ctx.update({uf.find(r.anchor) for r in paper_records[pk]})
                contexts[(akey, i)] = ctx
        own_def: dict[tuple[str, str], str] = {}
        resolve_cache: dict[str, tuple[set[str], list[int], list[str]]] = {}
        for r in records:
            for akey, _ in r.forms:
                if akey in ambiguous:
                    prev = own_def.get((r.paper_key, akey))
                    own_def[(r.paper_key, akey)] = r.anchor if prev is None else min(prev, r.anchor)
        for r in records:
            if r.anchor not in ambiguous:
                continue
            akey, groups = r.anchor, ambiguous[r.anchor]
            choice = _resolve(r, akey, groups, ov, input_ids, def_types, own_def, contexts, definitions, paper_records, uf, resolve_cache)
            if choice is not None:
                resolved[id(r)] = choice

    # Clusters: one per root of the (resolved) anchor keys.
    clusters: dict[str, _Cluster] = {}
    rec_root: dict[int, str] = {}
    for r in records:
        target, how = resolved.get(id(r), (r.anchor, ""))
        root = uf.find(target)
        rec_root[id(r)] = root
        c = clusters.get(root)
        if c is None:
            c = clusters[root] = _Cluster(root)
        pk = r.paper_key
        c.papers.add(pk)
        c.members.add(r.anchor)
        c.names.setdefault(r.anchor_surface, set()).add(pk)
        kind = "name" if not how else how
        c.surfaces.setdefault(r.anchor_surface, {}).setdefault(kind, set()).add(pk)
        for key, surface in r.forms:
            c.members.add(key)
            c.surfaces.setdefault(surface, {}).setdefault("definition", set()).add(pk)
        if r.entity.role == "proposed":
            c.proposed_by.add(pk)
    # Types: one vote per (paper, type); confidence sums break ties.
    seen_votes: set[tuple[str, str, str]] = set()
    for r in records:
        root = rec_root[id(r)]
        c = clusters[root]
        if r.entity.type in ENTITY_TYPES and (root, r.paper_key, r.entity.type) not in seen_votes:
            seen_votes.add((root, r.paper_key, r.entity.type))
            c.types[r.entity.type] += 1
        c.confidence[r.entity.type] += r.entity.confidence
    for c in clusters.values():
        for m in c.members:
            c.evidence.update(evidence.get(m, ()))
        same_form: dict[str, list[str]] = defaultdict(list)
        for surface in c.surfaces:
            same_form[normalise_name(surface)].append(surface)
        for forms in same_form.values():
            if len(forms) > 1:
                forms.sort()
                more = f" +{len(forms) - 5} more" if len(forms) > 5 else ""
                c.evidence.add("same normalised form: " + ", ".join(map(repr, forms[:5])) + more)
    ctype: dict[str, str] = {}
    for root, c in clusters.items():
        forced = _forced(ov.types, c.members)
        if forced:
            ctype[root] = forced
            c.evidence.add(f"override type {forced}")
        elif c.types:
            ctype[root] = min(c.types, key=lambda t: (-c.types[t], -c.confidence[t], _TYPE_PRIORITY[t]))
            if len(c.types) > 1:
                votes = ", ".join(f"{t} {n}" for t, n in sorted(c.types.items(), key=lambda kv: (-kv[1], kv[0])))
                c.evidence.add(f"type by papers: {votes}")
        else:
            ctype[root] = "Method"

    # Variants.
    variant_parent: dict[str, str] = {}
    for root in sorted(clusters):
        c = clusters[root]
        if c.created or any(m in ov.novariants for m in c.members):
            continue
        forced = _forced(ov.variants, c.members)
        families: Counter = Counter()
        fam_surface: dict[str, Counter] = defaultdict(Counter)
        if forced is not None:
            fkey = normalise_name(forced)
            families[fkey] = 1
            fam_surface[fkey][forced] = 1
            c.evidence.add(f"override variant of {forced!r}")
        else:
            for surface, papers in c.names.items():
                fam = family_name(surface, ctype[root])
                if fam is None:
                    continue
                fkey = normalise_name(fam)
                if fkey in ambiguous or uf.find(fkey) == root:
                    continue
                families[fkey] += len(papers)
                fam_surface[fkey][fam] += len(papers)
        if not families:
            continue
        fkey = min(families, key=lambda k: (-families[k], k))
        proot = uf.find(fkey)
        if proot == root:
            continue
        parent = clusters.get(proot)
        if parent is None:
            parent = clusters[proot] = _Cluster(proot, created=True)
            ctype[proot] = ctype[root]
            parent.members.add(fkey)
            parent.evidence.add("family created from its variants")
        if parent.created:
            parent.family_votes.update(fam_surface[fkey])
            for s in fam_surface[fkey]:
                parent.surfaces.setdefault(s, {}).setdefault("family", set())
        variant_parent[root] = proot
        c.evidence.add(f"variant of {min(fam_surface[fkey], key=lambda s: (-fam_surface[fkey][s], s))!r} "
                       "(size, depth or tuning suffix)")
    # Break any cycle a forced variant may have made.
    for root in sorted(variant_parent):
        seen = {root}
        p = variant_parent.get(root)
        while p is not None:
            if p in seen:
                del variant_parent[root]
                break
            seen.add(p)
            p = variant_parent.get(p)

    # Labels and keys.
    label_of: dict[str, str] = {}
    for root, c in clusters.items():
        forced = _forced(ov.renames, c.members)
        if forced:
            label_of[root] = forced
            c.evidence.add(f"override label {forced!r}")
            continue
        votes = {s: len(p) for s, p in c.names.items()} or dict(c.family_votes)
        label_of[root] = min(votes, key=lambda s: (
            -votes[s], -len(s.split()), _singular(s.split()[-1]) != s.split()[-1], -len(s),
            -sum(ch.isupper() for ch in s), s))
    identity = {}  # only colliding clusters need one
    by_base: dict[str, list[str]] = defaultdict(list)
    for root in clusters:
        by_base[f"{ctype[root].lower()}/{slugify(label_of[root])}"].append(root)
    key_of: dict[str, str] = {}
    taken = set(by_base)
    for base in sorted(by_base):
        roots = by_base[base]
        if len(roots) > 1:
            for r in roots:
                identity[r] = "|".join(sorted(clusters[r].members))
            roots.sort(key=lambda r: (-len(clusters[r].papers), identity[r]))
        key_of[roots[0]] = base
        for r in roots[1:]:
            h = hashlib.sha1(identity[r].encode("utf-8")).hexdigest()
            key = f"{base}-{h[:6]}"
            i = 6
            while key in taken:
                i += 1
                key = f"{base}-{h[:i]}"
            taken.add(key)
            key_of[r] = key
            clusters[r].evidence.add(f"key disambiguated from {base}")

    # Ambiguity notes on the bare nodes.
    for akey, groups in ambiguous.items():
        root = uf.find(akey)
        if root in clusters:
            senses = "; ".join(
                f"{def_surface[(akey, g[0])][1]!r} ({sum(len(definitions[akey][n]) for n in g)} papers)" for g in groups
            )
            clusters[root].evidence.add(f"ambiguous alias {def_surface[(akey, groups[0][0])][0]!r}: {senses}")

    entities: dict[str, CanonicalEntity] = {}
    for root, c in clusters.items():
        key = key_of[root]
        label = label_of[root]
        aliases = tuple(sorted(s for s in c.surfaces if s != label))
        parent = variant_parent.get(root)
        entities[key] = CanonicalEntity(
            key=key,
            type=ctype[root],
            label=label,
            aliases=aliases,
            variant_of=key_of[parent] if parent is not None else None,
            evidence=tuple(sorted(c.evidence)),
        )
    entities = dict(sorted(entities.items()))

    # Links: one per (paper, node).
    grouped: dict[tuple[str, str], list[_Record]] = defaultdict(list)
    for r in records:
        grouped[(r.paper_key, key_of[rec_root[id(r)]])].append(r)
    links: list[Link] = []
    record_entity: dict[tuple[str, str], str] = {}
    ordered = sorted(grouped.items())
    for (pk, key), rs in ordered:
        if len(rs) == 1:
            e = rs[0].entity
            ms = e.mentions
            mentions = ms if len(ms) < 2 or all(
                _mention_order(a) < _mention_order(b) for a, b in zip(ms, ms[1:])) else tuple(
                sorted(set(ms), key=_mention_order))
            name = e.name
        else:
            mentions = tuple(sorted({m for r in rs for m in r.entity.mentions}, key=_mention_order))
            weight: Counter = Counter()
            for r in rs:
                weight[r.entity.name] += len(r.entity.mentions)
            name = min(weight, key=lambda n: (-weight[n], -len(n), n))
        links.append(Link(
            paper_key=pk,
            entity_key=key,
            name=name,
            role="proposed" if any(r.entity.role == "proposed" for r in rs) else "used",
            confidence=max(r.entity.confidence for r in rs),
            mentions=mentions,
        ))
        for r in rs:
            record_entity[(pk, r.entity.name)] = key
    for (pk, key), rs in ordered:
        for r in rs:
            for alias in r.entity.aliases:
                record_entity.setdefault((pk, alias), key)

    # Alias table.
    table: dict[str, list[AliasSupport]] = defaultdict(list)
    for root, c in clusters.items():
        for surface, kinds in c.surfaces.items():
            papers = set().union(*kinds.values()) if kinds else set()
            table[surface].append(AliasSupport(surface, key_of[root], tuple(sorted(papers)), ", ".join(sorted(kinds))))
    aliases = {s: tuple(sorted(v, key=lambda a: a.entity_key)) for s, v in sorted(table.items())}
    return LinkedCorpus(entities, links, aliases, tuple(sorted(rejected)), record_entity)


def _forced(table: dict[str, str], members: set[str]) -> str | None:
    """The override for a cluster: the one of its smallest member name that has one."""
    if not table:
        return None
    hits = [m for m in members if m in table]
    return table[min(hits)] if hits else None


def _mention_order(m: Mention) -> tuple:
    return (m.field, m.start, m.end, m.text, m.sentence_start, m.sentence)


def _resolve(
    r: _Record,
    akey: str,
    groups: list[list[str]],
    ov: Overrides,
    input_ids: dict[str, str],
    def_types: dict[tuple[str, str], Counter],
    own_def: dict[tuple[str, str], str],
    contexts: dict[tuple[str, int], Counter],
    definitions: dict[str, dict[str, set[str]]],
    paper_records: dict[str, list[_Record]],
    uf: _UnionFind,
    cache: dict[str, tuple[set[str], list[int], list[str]]],
) -> tuple[str, str] | None:
    """The sense a bare ambiguous alias takes in one paper, with how it was chosen."""
    pk = r.paper_key
    for pid in (pk, input_ids.get(pk)):
        if (pid, akey) in ov.senses:
            return normalise_name(ov.senses[(pid, akey)]), "resolved-by-override"
    if (pk, akey) in own_def:
        return own_def[(pk, akey)], "resolved-by-own-definition"
    if akey not in cache:
        types = []
        for g in groups:
            votes: Counter = Counter()
            for n in g:
                votes.update(def_types[(akey, n)])
            types.append(min(votes, key=lambda t: (-votes[t], t)) if votes else "")
        cache[akey] = (
            {uf.find(n) for g in groups for n in g},
            [len(set().union(*(definitions[akey][n] for n in g))) for g in groups],
            types,
        )
    sense_roots, support, types = cache[akey]
    if types.count(r.entity.type) == 1:
        return groups[types.index(r.entity.type)][0], "resolved-by-type"
    own = {uf.find(x.anchor) for x in paper_records[pk] if x.anchor != akey} - sense_roots
    scores = [0] * len(groups)
    for i in range(len(groups)):
        ctx = contexts[(akey, i)]
        scores[i] = sum(1 for k in own if k in ctx)
    best = max(scores)
    if best > 0 and scores.count(best) == 1:
        return groups[scores.index(best)][0], "resolved-by-context"
    top = max(support)
    if top > sum(support) - top:
        return groups[support.index(top)][0], "resolved-by-majority"
    return None


# ---------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------


def cooccurrence(linked: LinkedCorpus) -> dict[tuple[str, str], int]:
    """Number of papers in which each pair of entities appears together.

    Keys are ``(a, b)`` with ``a < b``; the dict is sorted by key.
    """
    by_paper: dict[str, set[str]] = defaultdict(set)
    for link_ in linked.links:
        by_paper[link_.paper_key].add(link_.entity_key)
    counts: Counter = Counter()
    for keys in by_paper.values():
        counts.update(itertools.combinations(sorted(keys), 2))
    return dict(sorted(counts.items()))


def entity_table(linked: LinkedCorpus) -> "pandas.DataFrame":
    """One row per canonical entity, for ``kg entities`` and review of merges.

    Columns: key, type, label, aliases (``|``-joined), paper_count, variant_of (key or
    ``""``), proposed_by (paper keys ``; ``-joined), evidence (``; ``-joined).
    """
    import pandas as pd

    papers: dict[str, set[str]] = defaultdict(set)
    proposed: dict[str, set[str]] = defaultdict(set)
    for link_ in linked.links:
        papers[link_.entity_key].add(link_.paper_key)
        if link_.role == "proposed":
            proposed[link_.entity_key].add(link_.paper_key)
    rows = [
        {
            "key": e.key,
            "type": e.type,
            "label": e.label,
            "aliases": "|".join(e.aliases),
            "paper_count": len(papers[e.key]),
            "variant_of": e.variant_of or "",
            "proposed_by": "; ".join(sorted(proposed[e.key])),
            "evidence": "; ".join(e.evidence),
        }
        for e in linked.entities.values()
    ]
    columns = ["key", "type", "label", "aliases", "paper_count", "variant_of", "proposed_by", "evidence"]
    return pd.DataFrame(rows, columns=columns)


def alias_table(linked: LinkedCorpus) -> "pandas.DataFrame":
    """One row per (alias, entity): which papers use the alias for it and on what evidence.

    Columns: alias, entity_key, paper_count, papers (``; ``-joined), evidence. An alias
    with several rows is ambiguous. Sorted by alias, then entity key.
    """
    import pandas as pd

    rows = [
        {
            "alias": s.alias,
            "entity_key": s.entity_key,
            "paper_count": len(s.papers),
            "papers": "; ".join(s.papers),
            "evidence": s.evidence,
        }
        for supports in linked.aliases.values()
        for s in supports
    ]
    return pd.DataFrame(rows, columns=["alias", "entity_key", "paper_count", "papers", "evidence"])
