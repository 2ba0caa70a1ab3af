"""Candidate entity spans: name-shaped tokens and proper-noun runs, abbreviation
definitions, gazetteer and metric-lexicon matches, and lower-case term phrases ending
in a cue head word (``object detection``, ``supervised fine-tuning``, ``top-1 accuracy``).

Works with or without a tagger: with POS tags (the ``accurate`` profile) a phrase's
modifiers must be adjectives, nouns or participles; without them (``fast``) a closed
list of function and generic words bounds the phrase.
"""

from __future__ import annotations

import re
from functools import lru_cache

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from kg.components.lexicon import metric_names, norm_key, type_cues, _data_lines
from kg.components.tokenizer import _NAME_SUFFIXES, is_name_token
from kg.components.tokens import TokenFeatures, token_features

SIZE_RE = re.compile(r"^\d+(\.\d+)?[BMKbmk]$|^\d+x\d+[BMbm]$")
VERSION_RE = re.compile(r"^v?\d+(\.\d+)*$")
_CAMEL_RE = re.compile(r"[a-z][A-Z]|[A-Z].*[A-Z]|\d")

#: Words that never modify a term inside a phrase (closed classes and generic adjectives).
MODIFIER_STOP = frozenset(
    """a an the this that these those our their its his her my your we they it which who whom whose
    and or but nor of in on at by for with from to into onto over under via as than then so such
    is are was were be been being has have had do does did can could may might will would shall should must
    not no all any each every both either neither some many much more most few several various
    new novel existing different other same own current recent previous prior traditional conventional
    standard typical common popular simple efficient effective robust strong powerful better best improved
    high-quality large-scale small-scale state-of-the-art challenging complex general specific diverse proposed
    additional further key important significant substantial extensive comprehensive competitive superior
    well-known widely-used widely used first second third final main primary overall unified general-purpose
    downstream upstream original modern advanced naive vanilla remarkable impressive promising
    also only just even still however while when where how what why if although though because since
    using based use used uses enable enables enabling improve improves improving achieve achieves achieving
    show shows showing perform performs performing across between within without through during after before
    per toward towards among around about above below up down out off again further once here there
    limited enhanced appropriate short long early late subsequent explicit direct collective flexible
    controllable continuous joint human-like accurate fast slow good poor high low real real-world possible
    potential multiple corresponding relevant underlying resulting respective desired given certain whole
    i.e. e.g. etc. et al.""".split()
)

#: POS tags a phrase modifier may have in the accurate profile.
MODIFIER_POS = frozenset({"ADJ", "NOUN", "PROPN", "NUM", "X"})
MAX_MODIFIERS = 4
#: Lower-case words that continue a model name as a separate word ("GPT-4o mini").
_SEPARATE_SUFFIXES = frozenset("mini turbo base large small tiny instruct chat xl xxl pro plus ultra".split())

#: Lower-case words that may follow a name ending in a number ("Llama 2 and GPT-4").
_NAME_FOLLOWERS = frozenset("and or is are was were with on in to for as by from of via which that model models".split())

#: Nouns numbered in running text ("Approach 2", "Stage 1"), not names.
_NUMBERED_NOUNS = frozenset("""approach method stage step phase case level type version part task experiment setting
    scenario option strategy rule model round day week year class group layer block example question problem
    condition variant study tier track category session chapter step stage module component""".split())

#: Capitalised words that start sentences or name things that are not research entities.
_TITLE_STOP = frozenset(w.lower() for w in _data_lines("capitalised_stop.txt"))


@lru_cache(maxsize=65536)
def is_name_shaped(text: str) -> bool:
    """Return True for tokens shaped like a name: ``CNNs``, ``GPT-4o``, ``HumanEval``, ``S4``."""
    if is_title_word(text):
        return False  # "High-Quality", "Self-Generated": capitalised words, not name shapes
    if is_name_token(text):
        return True
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and bool(_CAMEL_RE.search(text)) and text[0].isalnum()


@lru_cache(maxsize=65536)
def is_title_word(text: str) -> bool:
    """Return True for capitalised words (``Arena``, ``Kahneman-Tversky``)."""
    parts = [p for p in text.split("-") if p]
    return bool(parts) and all(p[0].isupper() and (len(p) == 1 or p[1:].islower()) for p in parts) \
        and text.replace("-", "").isalpha()


def is_title_cased(doc: Doc) -> bool:
    """Return True when most content words of ``doc`` are capitalised (a title in Title Case)."""
    f = token_features(doc)
    words = [t for t, a, st in zip(f.text, f.alpha, f.stop) if a and not st and len(t) > 3]
    if len(words) < 3:
        return False
    caps = sum(1 for t in words if t[0].isupper())
    return caps / len(words) >= 0.6


def name_runs(doc: Doc, title_cased: bool = False) -> list[Span]:
    """Return maximal runs of name-shaped and (mid-sentence) capitalised tokens.

    A run may go on with a model size (``8B``), a version number (``1.0``) or a variant
    word (``mini``, ``Instruct``) after a name token. In title-cased text only runs that
    hold a name-shaped token count, since every word is capitalised there.
    """
    f = token_features(doc)
    text, lower, stop, start_of = f.text, f.lower, f.stop, f.sent_start
    runs: list[Span] = []
    i, n = 0, len(text)
    while i < n:
        shaped = is_name_shaped(text[i])
        titled = not title_cased and is_title_word(text[i]) and lower[i] not in _TITLE_STOP and not stop[i]
        if not (shaped or titled):
            i += 1
            continue
        j = i + 1
        while j < n:
            if start_of[j] or not f.ws[j - 1] and f.punct[j]:
                break
            nxt = text[j]
            if is_name_shaped(nxt) or (not title_cased and is_title_word(nxt) and lower[j] not in _TITLE_STOP):
                j += 1
                continue
            # a capitalised function word inside a name: "Needle In A Haystack"
            if not title_cased and is_title_word(nxt) and stop[j] and j + 1 < n and (
                is_title_word(text[j + 1]) or is_name_shaped(text[j + 1])
            ):
                j += 1
                continue
            if SIZE_RE.match(nxt) or (VERSION_RE.match(nxt) and "." in nxt) \
                    or lower[j] in _SEPARATE_SUFFIXES and j == i + 1 and shaped:
                j += 1
                continue
            # a number that belongs to the name: "Llama 2", "CoRe 50", "ResNet 101" (not a count
            # of things: "BERT 3 times")
            if j == i + 1 and nxt.isdigit() and len(nxt) <= 3 and nxt[0] != "0" \
                    and lower[i] not in _NUMBERED_NOUNS \
                    and not (j + 1 < n and text[j + 1].isalpha() and text[j + 1].islower()
                             and lower[j + 1] not in _NAME_FOLLOWERS and lower[j + 1] not in type_cues()["after"]):
                j += 1
                continue
            break
        # drop trailing capitalised stop words ("... In")
        while j > i + 1 and stop[j - 1] and not is_name_shaped(text[j - 1]):
            j -= 1
        has_shape = any(is_name_shaped(text[k]) for k in range(i, j))
        if has_shape or (not title_cased and not start_of[i]):
            runs.append(doc[i:j])
        elif not title_cased and start_of[i] and j - i > 1:
            # "Long Range Arena is ..." at a sentence start: drop the first word only if it is a stop word
            runs.append(doc[i:j])
        i = j
    return runs


def _is_modifier(f: TokenFeatures, k: int, tagged: bool) -> bool:
    """Return True when token ``k`` may modify a term (see :data:`MODIFIER_STOP`)."""
    text = f.text[k]
    if f.lower[k] in MODIFIER_STOP or f.punct[k] or f.like_num[k] and not text[-1:].isalpha():
        return False
    if not any(c.isalpha() for c in text):
        return False
    if tagged:
        if f.tag[k] in ("JJR", "JJS", "RBR", "RBS"):
            return False  # "longer reasoning", "best model": a comparison, not part of a name
        if f.pos[k] in MODIFIER_POS:
            return True
        return f.pos[k] == "VERB" and f.tag[k] in ("VBN", "VBG") and f.dep[k] in ("amod", "compound")
    # without tags, word shape: no adverbs ("namely", "fully"), possessives ("model's") or
    # plurals ("tasks measure understanding"); compounds take singular modifiers
    low = f.lower[k]
    if low.endswith("ly") or low[:1] in ("'", "’") or low.endswith("s") and not low.endswith(_SINGULAR_S):
        return False
    return True


#: Endings of singular words in -s ("loss", "corpus", "analysis", "robotics", "bias").
_SINGULAR_S = ("ss", "us", "is", "ics", "as", "os", "ys")


def head_phrases(doc: Doc, tagged: bool) -> list[Span]:
    """Return lower-case term phrases that end in a cue head word and have 1–4 modifiers."""
    heads = type_cues()["head"]
    f = token_features(doc)
    tagged = tagged and f.pos is not None
    text, ws = f.text, f.ws
    spans: list[Span] = []
    for i, low in enumerate(f.lower):
        hs = i  # where the head word starts: "try-on" is three tokens
        if low not in heads:
            if not (i >= 2 and text[i - 1] == "-" and not ws[i - 1] and not ws[i - 2]
                    and f"{f.lower[i - 2]}-{low}" in heads):
                continue
            hs = i - 2
        elif tagged and f.pos[i] not in ("NOUN", "PROPN", "VERB"):
            continue
        start = hs
        mods = 0
        k = hs - 1
        while k >= 0 and mods < MAX_MODIFIERS and not f.sent_start[k + 1]:
            if text[k] == "-" and not ws[k] and k > 0 and not ws[k - 1]:
                k -= 1
                continue
            if not _is_modifier(f, k, tagged):
                break
            start = k
            mods += 1
            k -= 1
        # never start inside a hyphenated compound ("state-of-the-art machine learning")
        while start < hs and start > 0 and (
            text[start] == "-" or start > 1 and text[start - 1] == "-" and not ws[start - 2]
            and not ws[start - 1]
        ):
            start += 1
        quoted = _quoted_before(f, start)
        if quoted is not None:  # a coined name in quotes: ``stepping-stone'' text augmentation
            start, mods = quoted, mods + 1
        if not tagged:  # a leading gerund is usually the verb before the term ("integrating X")
            while start < hs - 1 and f.lower[start].endswith("ing") and f.ws[start]:
                start, mods = start + 1, mods - 1
        if mods >= 1 and start < i:
            spans.append(doc[start : i + 1])
    return spans


_CLOSE_QUOTES = frozenset(["''", '"', "”"])
_OPEN_QUOTES = frozenset(["``", "`", '"', "“"])


def _quoted_before(f: TokenFeatures, start: int) -> int | None:
    """Return where a quoted word or compound right before token ``start`` opens, or None."""
    k = start - 1
    if k < 2 or f.text[k] not in _CLOSE_QUOTES:
        return None
    j = k - 1
    while j >= 0 and k - j <= 5 and f.text[j] not in _OPEN_QUOTES:
        if not (f.text[j] == "-" or f.text[j].replace("-", "").isalnum()) or f.sent_start[j]:
            return None
        j -= 1
    if j < 0 or f.text[j] not in _OPEN_QUOTES or j == k - 1:
        return None
    while j > 0 and f.text[j - 1] == "`" and not f.ws[j - 1]:
        j -= 1  # ``: the tokenizer may split the two backticks
    return j


_TERM_TYPES = frozenset({"Method", "Task", "Metric"})
#: Nouns after which the words before name a task: "classification and regression tasks".
TASK_NOUNS = frozenset("task tasks problem problems".split())
#: Nominal endings of a one-word task name ("regression", "locomotion", "coding").
_TASK_WORD_RE = re.compile(r"(tion|sion|ing)$")
#: One-word nouns before "tasks" that name a domain, a setting or too broad a kind of task.
_NOT_TASK_WORDS = frozenset("""vision language learning training modeling modelling version session thing
    evaluation generation prediction understanding reasoning application computation optimization
    adaptation decision inference processing""".split())


_LIST_WORDS = frozenset({",", "and", "or"})


def _list_item(f: TokenFeatures, start: int, step: int, tagged: bool) -> tuple[int, int] | None:
    """Return the ``(start, end)`` of the 1-3 word lower-case list item beginning (``step`` 1)
    or ending (``step`` -1) at token ``start``, or None."""
    heads = type_cues()["head"]
    k, words = start, 0
    while 0 <= k < len(f) and words < 4:
        t = f.text[k]
        if t == "-" and not f.ws[k] and 0 < k and not f.ws[k - 1]:
            k += step
            continue
        if not (t.isalpha() and t.islower()) or f.stop[k] or f.lower[k] in MODIFIER_STOP \
                or (step == 1 and k > start and f.sent_start[k]) or (step == -1 and f.sent_start[k + 1 if k + 1 < len(f) else k] and k != start):
            break
        if t.endswith("ly") or f.lower[k] in TASK_NOUNS or tagged and f.pos[k] not in ("NOUN", "ADJ", "PROPN"):
            break
        words += 1
        k += step
    if words == 0 or words > 3:
        return None
    s, e = (start, k) if step == 1 else (k + 1, start + 1)
    last = f.lower[e - 1]
    if words == 1 and not (heads.get(last) == "Task" or _TASK_WORD_RE.search(last)) or last in _NOT_TASK_WORDS:
        return None
    if words > 1 and not (last in heads or (tagged and f.pos[e - 1] == "NOUN")):
        return None
    return s, e


def coordinated_items(doc: Doc, seeds: list[Span], tagged: bool) -> list[Span]:
    """Return the lower-case items listed with a known task: "mathematical reasoning, coding, and
    instruction following" (coordinated words name things of one type)."""
    f = token_features(doc)
    tagged = tagged and f.pos is not None
    out: list[Span] = []
    for seed in seeds:
        for step in (1, -1):
            k = seed.end if step == 1 else seed.start - 1
            for _ in range(6):
                j, sep = k, False
                while 0 <= j < len(f) and f.lower[j] in _LIST_WORDS and not (step == 1 and f.sent_start[j]):
                    j, sep = j + step, True
                if not sep or not 0 <= j < len(f):
                    break
                item = _list_item(f, j, step, tagged)
                if item is None:
                    break
                out.append(doc[item[0] : item[1]])
                k = item[1] if step == 1 else item[0] - 1
    return out


def task_phrases(doc: Doc, tagged: bool) -> list[Span]:
    """Return lower-case phrases named as tasks: "X task(s)", "X and Y tasks", "X problem".

    The phrase is the noun before the task noun with up to two modifiers; one further
    coordinated phrase before it ("classification and regression tasks") counts too. A
    one-word phrase must be a task head word or a nominalisation ("locomotion", "coding").
    """
    f = token_features(doc)
    tagged = tagged and f.pos is not None
    heads = type_cues()["head"]
    spans: list[Span] = []

    def phrase_before(end: int) -> Span | None:
        k = end - 1
        if k < 0 or f.sent_start[end] or not f.text[k].islower() or not _is_modifier(f, k, tagged) \
                or (tagged and f.pos[k] != "NOUN") or f.lower[k] in TASK_NOUNS:
            return None
        start = k
        while start > 0 and end - start < 3 and not f.sent_start[start] and f.text[start - 1].islower() \
                and _is_modifier(f, start - 1, tagged) and not f.lower[start - 1].endswith("ing"):
            start -= 1
        # never start inside a hyphenated compound ("two-dimensional binary classification")
        while start < k and start > 0 and f.text[start - 1] == "-" and not f.ws[start - 1]:
            start += 1
        if end - start == 1:
            word = f.lower[k]
            if word in _NOT_TASK_WORDS or not (heads.get(word) == "Task" or _TASK_WORD_RE.search(word)):
                return None
        return doc[start:end]

    for i, low in enumerate(f.lower):
        if low not in TASK_NOUNS or i == 0:
            continue
        span = phrase_before(i)
        if span is None:
            continue
        spans.append(span)
        if span.start >= 2 and f.lower[span.start - 1] in ("and", "or", ","):
            other = phrase_before(span.start - 1)
            if other is not None:
                spans.append(other)
    return spans


def extend_term(doc: Doc, span: Span, tagged: bool, heads: dict[str, str], title_cased: bool = False) -> Span | None:
    """Return a known term widened by its own modifiers and a head word, or None.

    A gazetteer method, task or metric written inside a longer term is part of that
    term: "implicit chain-of-thought", "multi-view style transfer", "inference latency",
    "chain-of-thought prompting". Left modifiers follow the rules of :func:`head_phrases`
    (at most two); on the right one cue head word may follow. In a Title-Case title,
    where tags are unreliable, a single-word modifier must be hyphenated or shaped like
    an adjective ("Multi-View Consistent Style Transfer", "Dynamic Sparse Attention").
    """
    f = token_features(doc)
    tagged = tagged and f.pos is not None
    text, lower, ws = f.text, f.lower, f.ws
    start, end = span.start, span.end
    k, mods = start - 1, 0
    while k >= 0 and mods < 2 and not f.sent_start[k + 1]:
        # a hyphenated compound ("multi-view", "one-step") is one modifier, taken whole
        c = k
        while c >= 2 and text[c - 1] == "-" and not ws[c - 1] and not ws[c - 2]:
            c -= 2
        parts = range(c, k + 1, 2)
        if any(lower[p] in MODIFIER_STOP or lower[p] in _EXTEND_STOP or not text[p].replace("-", "").isalnum()
               or f.stop[p] for p in parts) or lower[k].endswith("ing"):
            break
        if title_cased:
            if c == k and "-" not in text[k] and not _ADJ_SUFFIX_RE.search(lower[k]) \
                    or not text[c][:1].isupper():
                break
        elif c == k:  # a single word: an adjective (a noun would often start another term)
            if not _is_modifier(f, k, tagged) \
                    or (f.pos[k] != "ADJ" if tagged else not _ADJ_SUFFIX_RE.search(lower[k])) \
                    or text[k][:1].isupper() != span.text[:1].isupper():
                break
        start, mods, k = c, mods + 1, c - 1
    if end < len(doc) and not f.sent_start[end] and heads.get(lower[end]) in ("Method", "Task") \
            and (not tagged or f.pos[end] in ("NOUN", "PROPN")):
        end += 1
    if (start, end) == (span.start, span.end):
        return None
    return doc[start:end]


def extend_metric(doc: Doc, span: Span) -> Span | None:
    """Return a metric name widened by the one noun that says what it measures, or None.

    "retrieval recall", "inference latency": the noun must be tagged as a compound
    modifier (so the ``fast`` profile, without tags, leaves metrics as they are).
    """
    f = token_features(doc)
    k = span.start - 1
    if f.pos is None or k < 0 or f.sent_start[span.start] or f.pos[k] != "NOUN" or f.dep[k] != "compound":
        return None
    if not f.text[k].isalpha() or not f.text[k].islower() or f.lower[k] in MODIFIER_STOP \
            or f.lower[k].endswith("ing") or (k > 0 and f.text[k - 1] == "-" and not f.ws[k - 1]):
        return None
    if f.lower[k].endswith(("tion", "sion")):
        return None  # "classification accuracy": the measure on a task, named by the measure
    if k > 0 and f.pos[k - 1] in ("NOUN", "PROPN") and f.dep[k - 1] == "compound":
        return None  # "code generation accuracy": the noun is itself part of a longer name
    return doc[k : span.end]


#: Adjective endings, for the untagged (fast) profile.
_ADJ_SUFFIX_RE = re.compile(r"(al|ic|ive|ous|ary|ible|able|ent|ant|ar|cit)$")
#: Modifiers that say how a known term was obtained or used, not which term it is.
_EXTEND_STOP = frozenset("""pre-trained pretrained fine-tuned finetuned trained learned learnt frozen large small
    big tiny deep shallow standard classical classic vanilla based driven guided conditioned""".split())


def is_title_prefix(span: Span) -> bool:
    """Return True when the text before a title's colon looks like a name (``S4D``, ``Direct Inversion``)."""
    if len(span) > 3 or any(t.is_stop or t.is_punct and t.text != "-" for t in span):
        return False
    if len(span) == 1 and span.text.lower().endswith("ing") and not is_name_shaped(span.text):
        return False  # "Revisiting: ...", "Scaling: ..."
    return all(is_name_shaped(t.text) or is_title_word(t.text) or t.text == "-" for t in span)


def metric_spans(doc: Doc, matcher: PhraseMatcher) -> list[Span]:
    """Return metric-lexicon matches; names of ≤ 3 characters must not be all lower-case."""
    out = []
    for _, s, e in matcher(doc):
        span = doc[s:e]
        if len(span.text) <= 3 and span.text.islower():
            continue
        out.append(span)
    return out


@Language.factory("kg_candidates")
class CandidateFinder:
    """Collect candidate spans into ``doc._.kg_candidates``; ``span._.kg_sources`` says why.

    Sources: ``gazetteer``, ``abbrev_long``, ``abbrev_short``, ``name``, ``phrase``,
    ``metric``, ``title_prefix`` (the ``NAME:`` opening of a title).
    """

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name
        Doc.set_extension("kg_candidates", default=[], force=True)
        Span.set_extension("kg_sources", default=(), force=True)
        if not Doc.has_extension("abbreviations"):
            Doc.set_extension("abbreviations", default=[], force=True)
            Doc.set_extension("abbreviation_mentions", default=[], force=True)
        if not Doc.has_extension("gazetteer_matches"):
            Doc.set_extension("gazetteer_matches", default=[], force=True)
        self.metric_matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        forms = [l for l in _data_lines("metrics.txt")]
        self.metric_matcher.add("METRIC", [nlp.make_doc(f) for f in forms])

    def __call__(self, doc: Doc) -> Doc:
        f = token_features(doc)
        tagged = f.pos is not None
        title_cased = is_title_cased(doc)
        found: dict[tuple[int, int], set[str]] = {}

        def add(span: Span, source: str) -> None:
            # trim punctuation and possessives at the edges
            s, e = span.start, span.end
            while s < e and (f.punct[s] or f.lower[s] in ("the", "a", "an")) and not (
                f.text[s] in _OPEN_QUOTES and any(f.text[x] in _CLOSE_QUOTES for x in range(s + 1, e))
            ):  # an opening quote stays when its closing quote is inside
                s += 1
            while e > s and (f.punct[e - 1] or f.text[e - 1] in ("'s", "’s")):
                e -= 1
            if e > s:
                found.setdefault((s, e), set()).add(source)

        heads = type_cues()["head"]
        for span in doc._.gazetteer_matches:
            add(span, "gazetteer")
            entry = span._.gazetteer
            if entry is not None and entry.type in ("Method", "Task"):
                wider = extend_term(doc, span, tagged, heads, title_cased)
                if wider is not None:
                    add(wider, "term_ext")
            elif entry is not None and entry.type == "Metric" and not title_cased:
                wider = extend_metric(doc, span)
                if wider is not None:
                    add(wider, "term_ext")
        for long, short in doc._.abbreviations:
            add(long, "abbrev_long")
            add(short, "abbrev_short")
        for span in doc._.abbreviation_mentions:
            add(span, "abbrev_short")
        for span in name_runs(doc, title_cased):
            add(span, "name")
        if not title_cased:
            for span in head_phrases(doc, tagged):
                add(span, "phrase")
            task_spans = task_phrases(doc, tagged)
            for span in task_spans:
                add(span, "task_cue")
            seeds = task_spans + [s for s in doc._.gazetteer_matches
                                  if s._.gazetteer is not None and s._.gazetteer.type == "Task"]
            for span in coordinated_items(doc, seeds, tagged):
                add(span, "task_cue")
        for span in metric_spans(doc, self.metric_matcher):
            add(span, "metric")
            wider = extend_metric(doc, span) if not title_cased else None
            if wider is not None:
                add(wider, "term_ext")
        # "NAME: subtitle" opening a title
        for i, t in enumerate(f.text[:8]):
            if t == ":" and i > 0:
                prefix = doc[0:i]
                if is_title_prefix(prefix):
                    add(prefix, "title_prefix")
                break
        # a known term that holds an abbreviation's long form at its end names more
        # precisely: "offline reinforcement learning (RL)" is not just "reinforcement learning"
        longs = [(s, e) for (s, e), src in found.items() if "abbrev_long" in src]
        for (s, e), src in list(found.items()):
            if "gazetteer" in src and any(e == le and s < ls for ls, le in longs):
                src.add("term_ext")
        spans = []
        for (s, e), sources in resolve_overlaps(found):
            span = doc[s:e]
            span._.kg_sources = tuple(sorted(sources))
            spans.append(span)
        doc._.kg_candidates = spans
        return doc


#: Priority of candidate sources when spans overlap (higher wins, then the longer span).
SOURCE_TIER = {"term_ext": 4, "abbrev_long": 4, "metric": 4, "gazetteer": 3, "title_prefix": 3, "name": 3,
               "abbrev_short": 3, "task_cue": 2, "phrase": 1}


def resolve_overlaps(found: dict[tuple[int, int], set[str]]) -> list[tuple[tuple[int, int], set[str]]]:
    """Keep non-overlapping candidates: best source tier first, then the longest span."""
    ranked = sorted(found.items(), key=lambda kv: (-max(SOURCE_TIER.get(x, 0) for x in kv[1]),
                                                   -(kv[0][1] - kv[0][0]), kv[0][0]))
    taken: list[tuple[int, int]] = []
    kept = []
    for (s, e), sources in ranked:
        if any(s < te and ts < e for ts, te in taken):
            continue
        taken.append((s, e))
        kept.append(((s, e), sources))
    return sorted(kept)


def candidate_key(span: Span) -> str:
    """The GUIDELINE matching key of a candidate span."""
    return norm_key(span.text)
