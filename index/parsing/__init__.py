"""Turning files, folders and web pages into `Article`s."""

from index.parsing.loader import load_articles, parse_bytes

__all__ = ["load_articles", "parse_bytes"]
