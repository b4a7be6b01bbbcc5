"""The message catalogs: dossier.pot (every message, in English) and each language's .po and .mo."""
