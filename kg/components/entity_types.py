"""Typing of candidate spans into Method, Model, Dataset, Benchmark, Task or Metric.

Evidence, strongest first: the gazetteer; metric names and ``@k`` shapes; the head
noun after a name (``ImageNet dataset``, ``the X, Y and Z benchmarks``); name
morphology (``-Bench``, ``-QA``, ``-Eval``, model-family prefixes, sizes such as
``8B``); verbs before it (``evaluate on``, ``train on``, ``fine-tune``); the head word
of a lower-case phrase (``... detection`` is a Task); the long form of an abbreviation.
Otherwise a name is a Method, the most frequent type.
"""

from __future__ import annotations

import re
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.components.lexicon import metric_names, model_families, norm_key, type_cues
from kg.components.tokens import token_features

_BENCH_RE = re.compile(r"(bench|eval|arena|qa|glue|hard|leaderboard|test|gym)$|^(mm|bench)|bench", re.I)
_METRIC_SHAPE_RE = re.compile(r"@\d+|^(top|hits?|recall|precision|r|p|ndcg|map|acc)[-@]?\d+$", re.I)
_SIZE_IN_NAME_RE = re.compile(r"\d+(\.\d+)?[BbMm](?![a-z])|-instruct|-chat|-base|-large|\bturbo\b|\bmini\b|\bsonnet\b|\bopus\b|\bhaiku\b", re.I)
_DATASET_SHAPE_RE = re.compile(r"^[A-Z][A-Za-z]*[-]?\d+[KkMm]?$")
_EVAL_VERBS = frozenset("evaluate evaluated evaluating evaluates evaluation benchmark benchmarks benchmarked test tested testing experiments results".split())
_TRAIN_VERBS = frozenset("train trained training pretrain pretrained pre-trained pretraining curated collected".split())
_MODEL_VERBS = frozenset("finetune fine-tune finetuned fine-tuned finetuning fine-tuning prompt prompted prompting distill distilled".split())
_TASK_HEADS_SINGLE = frozenset()
#: Nouns before "learning" that say how one learns (a method), not what is learned.
_LEARNING_MANNERS = frozenset("""reinforcement imitation curriculum transfer ensemble instance machine deep
    meta multi-task multitask q hebbian""".split())
_ADJ_SUFFIX_RE = re.compile(r"(al|ic|ive|ous|ary|ible|able|ent|ant|ar|cit|ed|ing)$")


def _learns_an_object(span: Span) -> bool:
    """Return True for "<noun> learning" naming what is learned ("representation learning",
    "operator learning"): a research problem, where "contrastive learning" names a way."""
    f = token_features(span.doc)
    k = span.end - 2
    if k < span.start or f.lower[span.end - 1] != "learning" or not f.text[k].isalpha() \
            or f.lower[k] in _LEARNING_MANNERS:
        return False
    if f.pos is not None:
        return f.pos[k] == "NOUN"
    return not _ADJ_SUFFIX_RE.search(f.lower[k])


#: Plural architecture nouns that end the name of a family of methods, not of one model.
_FAMILY_HEADS = frozenset("models transformers networks nets".split())


@lru_cache(maxsize=65536)
def model_family(key: str) -> str | None:
    """Return the model family prefix of normalised name ``key``, if any.

    The prefix must be the whole key or be followed by a digit or size, so ``clip``
    matches ``clip`` and ``gpt`` matches ``gpt4o`` but ``phi`` does not match ``philosophy``.
    """
    for fam in model_families():
        if key == fam or key == fam + "s":
            return fam
        if key.startswith(fam) and len(key) > len(fam):
            rest = key[len(fam):]
            if rest[0].isdigit() or rest[:1] in ("v", "x") and rest[1:2].isdigit():
                return fam
            if re.match(r"(instruct|chat|base|large|small|mini|turbo|pro|coder|vl|math|ultra|flash|vision|code)", rest):
                return fam
    return None


def _context_after(span: Span) -> str | None:
    """Type from the cue word after ``span`` or after the list that holds it."""
    f = token_features(span.doc)
    after = type_cues()["after"]
    i = span.end
    # skip over the rest of a coordinated list of names: "X, Y, and Z benchmarks"
    hops = 0
    while i < len(f) and hops < 12:
        low, text = f.lower[i], f.text[i]
        if low in after:
            return after[low]
        if f.sent_start[i]:
            return None
        if low in (",", "and", "or", "/", "the") or text[:1].isupper() or any(c.isdigit() for c in text):
            i += 1
            hops += 1
            continue
        return None
    return None


def _context_before(span: Span) -> str | None:
    f = token_features(span.doc)
    window = f.lower[max(f.sent_bounds(span.start)[0], span.start - 8) : span.start]
    prev = window[-3:]
    if any(w in ("benchmark", "benchmarks") for w in window[-6:]) and any(w in ("such", "including", "like", "on", ":") for w in prev):
        return "Benchmark"
    if any(w in ("dataset", "datasets") for w in window[-6:]) and any(w in ("such", "including", "like", "on", ":") for w in prev):
        return "Dataset"
    if prev and prev[-1] in ("on", "across") and any(w in _EVAL_VERBS for w in window):
        return "Benchmark"
    if prev and prev[-1] in ("on", "from") and any(w in _TRAIN_VERBS for w in window):
        return "Dataset"
    return None


#: normalised gazetteer form -> type, set by the typing component from the gazetteer pipe.
_GAZETTEER_TYPES: dict[str, str] = {}


def _gazetteer_part(span: Span) -> str | None:
    """Type of a known name inside a hyphenated token (``10-Split-CIFAR-100`` holds ``CIFAR-100``)."""
    if len(span) != 1 or "-" not in span.text or not _GAZETTEER_TYPES:
        return None
    parts = span.text.split("-")
    for k in range(1, len(parts)):
        etype = _GAZETTEER_TYPES.get(norm_key("-".join(parts[k:])))
        if etype is not None and len(norm_key("-".join(parts[k:]))) > 3:
            return etype
    return None


def type_scores(span: Span) -> tuple[str, str]:
    """Return ``(type, evidence)`` for a candidate span."""
    text = span.text
    key = norm_key(text)
    u = span._
    sources = u.kg_sources if span.has_extension("kg_sources") else ()
    gaz = u.gazetteer if span.has_extension("gazetteer") else None
    if gaz is not None:
        return gaz.type, "gazetteer"
    part = _gazetteer_part(span)
    if part is not None:
        return part, "gazetteer"
    if key in metric_names() or _METRIC_SHAPE_RE.search(text) or "metric" in sources:
        return "Metric", "metric"
    if "task_cue" in sources:
        return "Task", "context"
    lower_phrase = "phrase" in sources or (text.islower() and len(span) > 1)
    heads = type_cues()["head"]
    fam = model_family(key)
    if not lower_phrase and len(span) > 1 and token_features(span.doc).lower[span.end - 1] in _FAMILY_HEADS:
        return "Method", "head"  # "Vision Transformers", "Text-to-Image Diffusion Models": a kind of model
    if not lower_phrase:
        ctx = _context_after(span)
        if ctx == "Model" and not fam and re.fullmatch(r"[a-z][a-z\s-]+", text):
            ctx = "Method"  # "diffusion models" is a family of methods
        if ctx is not None:
            return ctx, "context"
        if fam:
            return "Model", "family"
        if _BENCH_RE.search(key) and not text.islower():
            return "Benchmark", "shape"
        if _SIZE_IN_NAME_RE.search(text) and any(c.isupper() for c in text):
            return "Model", "shape"
        before = _context_before(span)
        if before is not None:
            return before, "context"
        if _DATASET_SHAPE_RE.match(text) and len(text) > 4:
            return "Dataset", "shape"
    last = token_features(span.doc).lower[span.end - 1]
    last_word = text.rsplit(None, 1)[-1].lower()
    if last_word in heads:  # a hyphenated head word: "virtual try-on"
        last = last_word
    if last in heads:
        if lower_phrase and _learns_an_object(span):
            return "Task", "head"
        return heads[last], "head"
    long_form = u.long_form if span.has_extension("long_form") else None
    if long_form is not None and long_form[-1].lower_ in heads:
        return heads[long_form[-1].lower_], "abbreviation"
    after = type_cues()["after"]
    if len(span) > 1 and last in after:
        etype = after[last]
        if etype == "Model" and span.text.islower():
            etype = "Method"  # "diffusion models": a family of methods, not a checkpoint
        return etype, "head"
    return "Method", "default"


@Language.factory("kg_types")
class EntityTyper:
    """Set ``span._.kg_type`` and ``span._.kg_type_evidence`` on every candidate."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name
        Span.set_extension("kg_type", default=None, force=True)
        Span.set_extension("kg_type_evidence", default="", force=True)
        if "kg_gazetteer" in nlp.pipe_names:
            for entry in nlp.get_pipe("kg_gazetteer").entries:
                for form in (entry.name, *entry.aliases):
                    _GAZETTEER_TYPES.setdefault(norm_key(form), entry.type)

    def __call__(self, doc: Doc) -> Doc:
        for span in doc._.kg_candidates:
            etype, evidence = type_scores(span)
            u = span._
            u.kg_type = etype
            u.kg_type_evidence = evidence
        return doc
