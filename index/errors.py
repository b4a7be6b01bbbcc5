"""Errors the core raises; the CLI and the bot turn each into one sentence for the user.

A message is English, written as a template whose {placeholders} are filled from keyword arguments:
`UnsupportedDocument("{origin} is empty", origin=origin)`. str() of the error is the English sentence;
the adapters show `template` in the reader's language, filled with `values` (bot/i18n.py). Templates
are literals at the raise site, so bot/locales/catalogs.py extracts them from index/ into the catalogs.
"""


class DossierError(Exception):
    """Base of every error that carries a message fit to show a user as it is."""

    def __init__(self, template: str, /, **values: object):
        super().__init__(template.format(**values) if values else template)
        self.template = template
        self.values = values


class UnsupportedDocument(DossierError):
    """The input is not an article Dossier can read (empty, binary, wrong type, unreachable)."""


class IndexNotBuilt(DossierError):
    """No index exists in the data directory yet."""


class ModelMismatch(DossierError):
    """The index was built with another embedding model or format version."""


class CorruptIndex(DossierError):
    """A file of the index cannot be read."""


class IndexNotWritable(DossierError):
    """The data directory cannot be written to."""


class IndexBusy(DossierError):
    """Another process holds the index's database locked for longer than a write may wait."""


class DamagedExport(CorruptIndex):
    """A file of the model's ONNX export cannot be loaded (its `path` among the values);
    `dossier index build` makes it again."""


class DocumentNotFound(DossierError):
    """No document has the given id."""


class ModelNotExported(DossierError):
    """The model's ONNX export is missing and the libraries that make it are not installed."""
