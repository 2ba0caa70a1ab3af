"""kg: knowledge graphs of ML methods, models, datasets and benchmarks from paper abstracts."""

__version__ = "0.1.0"
