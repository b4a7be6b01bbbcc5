"""Dossier's surfaces: answering, the command line and the Telegram bot."""
