"""Embedding text: ONNX Runtime for documents and queries, sentence-transformers as the fallback.

Both questions and documents are embedded from the model's ONNX export (index/model_files.py) with
onnxruntime and tokenizers only, pooled as sentence-transformers pools, so a one-shot `dossier ask`
never imports torch.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import numpy as np

from index import progress
from index.errors import DamagedExport
from index.model_files import (
    canonical_model_name,
    discard_damaged,
    export_dir,
    export_int8,
    export_onnx,
    require_export_libraries,
    resolve_model_location,
)
from index.model_traits import prompts
from index.quiet import third_party_quiet
from index.text import encodable

logger = logging.getLogger(__name__)

# Length-sorted batches of 8 to 32 sentences ran the int8 model fastest; 64 to 256 took 15-25% more
# CPU time, likely as their feed-forward activations outgrow the 1 MiB L2 cache of a core.
DOCUMENT_BATCH = 16


class Embedder(Protocol):
    """What the index needs from a model: a name, a size, token counts and normalised vectors."""

    name: str
    dimension: int
    max_tokens: int

    def count_tokens(self, text: str) -> int: ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...


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
        # The model's own prompts, or the known ones of its family (E5) when its config has none.
        self.prompts = prompts(self.name, {"prompts": getattr(self._model, "prompts", None)})

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer(text, add_special_tokens=False, truncation=False)["input_ids"])

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._model.encode_document, self.prompts.document)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._model.encode_query, self.prompts.query)

    def _encode(self, texts: Sequence[str], encode, prompt: str) -> np.ndarray:  # type: ignore[no-untyped-def]
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        step = self._batch_size * 4  # encode sorts by length within each call: keep the calls large
        parts = []
        with progress.task("Embedding sentences", total=len(texts)) as advance:
            for at in range(0, len(texts), step):
                part = list(texts[at : at + step])
                parts.append(
                    encode(
                        part,
                        prompt=prompt,
                        batch_size=self._batch_size,
                        normalize_embeddings=True,
                        convert_to_numpy=True,
                        show_progress_bar=False,
                    )
                )
                advance(len(part))
        return np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)


def _load_sentence_transformer(model: str, data_dir: Path, backend: str):  # type: ignore[no-untyped-def]
    location = resolve_model_location(model)
    require_export_libraries(model)  # a clear error where only the ONNX path is installed (Docker)
    from sentence_transformers import SentenceTransformer

    exported = export_onnx(model, data_dir) if backend == "onnx" else None
    with third_party_quiet():
        if exported is not None:
            # The export folder also holds the int8 copy, which is for documents only.
            return SentenceTransformer(
                str(exported), device="cpu", backend="onnx", model_kwargs={"file_name": "onnx/model.onnx"}
            )
        return SentenceTransformer(location, device="cpu", backend="torch")


class OnnxEmbedder:
    """Texts embedded from an ONNX export with onnxruntime and tokenizers, no torch import.

    Args:
        bulk: for ingestion: length-sorted batches run in parallel rather than all texts in one.
    """

    def __init__(self, folder: Path, name: str, model_file: str = "model.onnx", bulk: bool = False):
        import onnxruntime
        from tokenizers import Tokenizer

        self.name = name
        config = json.loads((folder / "sentence_bert_config.json").read_text())
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
        # sentence-transformers writes this either way, depending on its version.
        if not (pooling.get("pooling_mode") == "mean" or pooling.get("pooling_mode_mean_tokens")):
            raise ValueError("only mean-pooling models have a light ONNX path")
        self.max_tokens = int(config.get("max_seq_length", 256)) - 2
        st_config_path = folder / "config_sentence_transformers.json"
        st_config = json.loads(st_config_path.read_text()) if st_config_path.exists() else {}
        # encode_query/encode_document prepend the model's prompts; this path must give the same vectors
        # (and the E5 family's, which older copies of its config lack: index/model_traits.py).
        self.prompts = prompts(name, st_config)
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
        self._workers = 0
        if bulk:
            # Whole batches in parallel, one thread each, instead of every matrix product split
            # across the cores: no barrier then waits for a thread that another process preempted.
            # On the shared 2-core machine: 366 sentences/s against 283 (median, int8 model).
            options.intra_op_num_threads = 1
            self._workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 2
        path = folder / "onnx" / model_file
        try:
            self._session = onnxruntime.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # onnxruntime's own classes: InvalidProtobuf, Fail, NoSuchFile, …
            if not type(error).__module__.startswith("onnxruntime"):
                raise
            raise DamagedExport(  # onnxruntime's message repeats the path and says no more than its class
                "the model export {path} is damaged ({reason}); rebuild it with: dossier index build",
                path=path,
                reason=type(error).__name__,
            ) from None
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.dimension = int(json.loads((folder / "config.json").read_text())["hidden_size"])

    def count_tokens(self, text: str) -> int:
        return len(self._counter.encode(encodable(text), add_special_tokens=False).ids)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed([self.prompts.query + t for t in texts])

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed([self.prompts.document + t for t in texts])

    def _embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(
            [encodable(t) for t in texts]
        )  # tokenizers refuses surrogates
        if not self._workers:
            return self._run(encodings)
        # Sorted by length, a batch pads each text only up to texts of nearly its own length.
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        batches = [order[at : at + DOCUMENT_BATCH] for at in range(0, len(order), DOCUMENT_BATCH)]
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        with (
            ThreadPoolExecutor(self._workers) as pool,  # onnxruntime releases the GIL while it runs
            progress.task("Embedding sentences", total=len(texts)) as advance,
        ):
            done = pool.map(lambda rows: self._run([encodings[i] for i in rows]), batches)
            for rows, batch_vectors in zip(batches, done, strict=True):
                vectors[rows] = batch_vectors
                advance(len(rows))
        return vectors

    def _run(self, encodings: list) -> np.ndarray:  # type: ignore[type-arg]
        """Mean-pooled, normalised vectors of one padded batch."""
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


def load_query_embedder(model: str, data_dir: Path) -> Embedder:
    """The fastest embedder that answers queries: the ONNX export if present, else the full model."""
    folder = export_dir(data_dir, model)
    if (folder / "onnx" / "model.onnx").exists():
        try:
            return OnnxEmbedder(folder, canonical_model_name(model))
        except (OSError, ValueError, KeyError) as error:
            logger.info("light query path unavailable (%s); loading the full model", error)
    return SentenceTransformerEmbedder(model, data_dir)


def load_document_embedder(
    model: str, data_dir: Path, backend: str = "onnx", repair: bool = False, _repairs: int = 2
) -> Embedder:
    """The embedder used for ingestion: the int8 ONNX export (made on first use), else torch.

    A damaged export raises DamagedExport, or with `repair` (a full build) is made again: the int8
    copy, then if need be the export itself.
    """
    if backend == "onnx":
        folder = export_onnx(model, data_dir)
        if folder is not None:
            try:
                model_file = export_int8(folder) or "model.onnx"
                return OnnxEmbedder(folder, canonical_model_name(model), model_file, bulk=True)
            except DamagedExport as damaged:
                if not repair or _repairs <= 0:
                    raise
                discard_damaged(Path(str(damaged.values["path"])), folder)
                return load_document_embedder(model, data_dir, backend, repair, _repairs - 1)
            except (OSError, ValueError, KeyError) as error:
                logger.warning("ONNX ingestion unavailable (%s); loading the full model", error)
    return SentenceTransformerEmbedder(model, data_dir, backend=backend)
