"""Dossier's core: articles in, chunks and vectors stored, hybrid search out. Never imports telegram."""
