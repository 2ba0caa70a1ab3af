"""kg: knowledge graphs of ML methods, models, datasets and benchmarks from paper abstracts.

The library and the ``kg`` command share one code path: every command wraps a function here.

- :func:`build` reads paper files and returns a :class:`KnowledgeGraph`;
  :func:`load` reads one back from an export; :func:`extract` runs extraction on one text.
- :class:`KnowledgeGraph`: ``.sparql(query)``, the ``.papers``/``.entities``/``.links``/
  ``.mentions`` DataFrames, ``.to_rdflib()``, ``.to_networkx()``, ``.related_papers(id)``,
  ``.add(papers)``, ``.save(dir)``, ``.show()``, and analytics: ``.centrality()``,
  ``.communities()``, ``.cooccurrence_table(a, b)``, ``.trends()`` (see :mod:`kg.analytics`).

Examples
--------
>>> import json, tempfile, pathlib
>>> import kg
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> records = [{"id": "2401.00001", "title": "LoRA for GPT-4", "abstract": "We tune GPT-4 with LoRA on GSM8K."},
...            {"id": "2401.00002", "title": "GSM8K revisited", "abstract": "We evaluate GPT-4 on GSM8K."}]
>>> _ = (folder / "papers.jsonl").write_text("\\n".join(json.dumps(r) for r in records))
>>> g = kg.build(folder / "papers.jsonl", profile="fast")
>>> g.papers["id"].tolist()
['2401.00001', '2401.00002']
>>> sorted(kg.__all__)
['KnowledgeGraph', 'build', 'extract', 'load']
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

# The readers module is also called `load`: import it first (it is light), so the `load`
# function defined below is what `kg.load` names, whatever is imported later.
from kg import load as _readers  # noqa: F401

if TYPE_CHECKING:
    from kg.graph import KnowledgeGraph
    from kg.model import ExtractedEntity
    from kg.pipeline import build

__version__ = "0.1.0"
__all__ = ["KnowledgeGraph", "build", "extract", "load"]


def __getattr__(name: str) -> Any:
    # Imported on first use, so `import kg` and the `kg` command start fast (no pandas,
    # pyoxigraph or spaCy until a command needs them) and Ctrl-C at start-up is caught.
    if name == "KnowledgeGraph":
        from kg.graph import KnowledgeGraph

        return KnowledgeGraph
    if name == "build":
        from kg.pipeline import build

        return build
    raise AttributeError(f"module 'kg' has no attribute {name!r}")


def load(path: str | os.PathLike[str]) -> KnowledgeGraph:
    """Load a built graph: an export folder (its ``graph.ttl``) or an RDF file.

    Parameters
    ----------
    path : str or Path
        Folder written by ``kg build`` or ``KnowledgeGraph.save``, or a ``.ttl``/``.nt`` file.

    Returns
    -------
    KnowledgeGraph

    Examples
    --------
    >>> import tempfile, kg
    >>> folder = tempfile.mkdtemp()
    >>> _ = kg.KnowledgeGraph.example().save(folder, html=False)
    >>> len(load(folder).papers)
    4
    """
    from kg.graph import KnowledgeGraph

    return KnowledgeGraph.load(path)


def extract(title: str, abstract: str = "", profile: str = "accurate") -> list[ExtractedEntity]:
    """Extract the research entities one paper names.

    Parameters
    ----------
    title, abstract : str
        The paper's text.
    profile : {"accurate", "fast"}
        Extraction profile.

    Returns
    -------
    list of kg.model.ExtractedEntity
        Each with name, type, role, confidence, aliases and mentions.

    Examples
    --------
    >>> found = extract("", "We fine-tune Llama-2 on GSM8K.", profile="fast")
    >>> ("GSM8K", "Benchmark") in [(e.name, e.type) for e in found]
    True
    """
    from kg.extraction import extract as run  # spaCy loads here, not on `import kg`

    return run(title, abstract, profile=profile)
