"""Shared test helpers: the core and CLI (archive.py), the bot (bot.py), a fake news site."""
