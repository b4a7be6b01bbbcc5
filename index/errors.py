"""Errors the core raises; the CLI and the bot turn each into one sentence for the user."""


class DossierError(Exception):
    """Base of every error that carries a message fit to show a user as it is."""


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
    """A file of the model's ONNX export cannot be loaded; `dossier index build` makes it again."""

    def __init__(self, path: object, error: Exception):
        reason = type(error).__name__  # onnxruntime's message repeats the path and says no more
        super().__init__(
            f"the model export {path} is damaged ({reason}); rebuild it with: dossier index build"
        )
        self.path = path


class DocumentNotFound(DossierError):
    """No document has the given id."""


class ModelNotExported(DossierError):
    """The model's ONNX export is missing and the libraries that make it are not installed."""
