"""Sentence embeddings for duplicate detection, and their evaluation on the labelled set.

No database and no Flask here: ``encoder`` runs the packaged model, ``evaluation`` measures the detector.
"""
