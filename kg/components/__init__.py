"""spaCy components of the extraction pipeline.

Each module holds plain typed functions first and then one class registered with
``Language.factory``; :func:`kg.nlp.register_components` imports them all.
"""
