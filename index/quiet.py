"""Keep what the export libraries say about themselves out of a user's terminal.

Loading and exporting a model with sentence-transformers, transformers, optimum and torch prints
deprecations of their own internals ("`torch_dtype` is deprecated"), tracer warnings and advice to
save the export (which model_files.py does next): nothing a Dossier user can act on. Real failures
still raise.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

NOISY = ("sentence_transformers", "transformers", "optimum", "torch")


@contextmanager
def third_party_quiet() -> Iterator[None]:
    """Within the block: their warnings ignored and their loggers at ERROR, restored afterwards.

    transformers sets its own logger's level when first imported, so import it before entering.
    """
    loggers = [logging.getLogger(name) for name in NOISY]
    levels = [logger.level for logger in loggers]
    try:
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
