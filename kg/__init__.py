"""kg: knowledge graphs of ML methods, models, datasets and benchmarks from paper abstracts.

>>> import kg
>>> sorted(kg.__all__)
['KnowledgeGraph', 'build', 'extract', 'load']
"""

from __future__ import annotations

from kg import extract as _extract_module  # noqa: F401  (loaded first so the name below is the function)
from kg.graph import KnowledgeGraph
from kg.pipeline import build

__version__ = "0.1.0"
__all__ = ["KnowledgeGraph", "build", "extract", "load"]


def load(path):
    """Load a built graph: an export folder (its ``graph.ttl``) or an RDF file.

    Parameters
    ----------
    path : str or Path
        Folder written by ``kg build`` or ``KnowledgeGraph.save``, or a ``.ttl``/``.nt`` file.

    Returns
    -------
    KnowledgeGraph
    """
    return KnowledgeGraph.load(path)


def extract(title: str, abstract: str = "", profile: str = "accurate"):
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
    >>> [(e.name, e.type) for e in extract("", "We fine-tune Llama-2 on GSM8K.", profile="fast")]  # doctest: +SKIP
    [('Llama-2', 'Model'), ('GSM8K', 'Benchmark')]
    """
    return _extract_module.extract(title, abstract, profile=profile)
