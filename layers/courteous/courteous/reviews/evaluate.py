"""Score the review reading on rated reviews, fitting nothing on what it scores.

- The split is declared, not chosen: a review is in the *training part* when the
  SHA-256 of its review id is even, else in the *scored part* (about half each,
  independent of date, rating and text).
- Fitting (`fit`) uses the training part only: a logistic regression of "rated 4-5
  (1) vs rated 1-2 (0)" on the reading's four features, by plain gradient descent
  with fixed settings (`FIT`); the negative-clause threshold is the score that best
  separates the two groups in the training part (largest TPR - FPR, Youden's J).
- Scored on the scored part: the AUC of the review score for 4-5 against 1-2 stars,
  beside the AUC of the language's plain lexicon (the baseline), with and without the
  review's title; and, on a labelled set of 4-5 star reviews (a written rule, the
  labels in tests/), precision and recall of "hidden complaint".
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from courteous.events.models import ReviewPosted
from courteous.reviews.polarity import polarity
from courteous.reviews.reading import Reading, Weights, read

ZERO = Weights(bias=0.0, base=0.0, after=0.0, complaints=0.0, praise=0.0, threshold=0.0)


@dataclass(frozen=True)
class FitSettings:
    epochs: int = 3000
    rate: float = 0.5
    l2: float = 1e-3


FIT = FitSettings()


def in_training_part(review_id: str) -> bool:
    return int(hashlib.sha256(review_id.encode("utf-8")).hexdigest(), 16) % 2 == 0


def auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half)."""
    pairs = sorted(zip(scores, labels, strict=True))
    positives = sum(labels)
    negatives = len(labels) - positives
    if not positives or not negatives:
        raise ValueError("AUC needs both classes")
    rank_sum, index = 0.0, 0
    while index < len(pairs):
        end = index
        while end + 1 < len(pairs) and pairs[end + 1][0] == pairs[index][0]:
            end += 1
        mid_rank = (index + end) / 2 + 1
        rank_sum += mid_rank * sum(label for _, label in pairs[index : end + 1])
        index = end + 1
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def _z(weights: Sequence[float], x: Sequence[float]) -> float:
    return weights[0] + sum(w * v for w, v in zip(weights[1:], x, strict=True))


def fit(
    features: Sequence[Sequence[float]], labels: Sequence[int], settings: FitSettings = FIT
) -> Weights:
    """Logistic regression by batch gradient descent, then the Youden threshold."""
    size = len(features[0])
    w = [0.0] * (size + 1)
    n = len(features)
    for _ in range(settings.epochs):
        grad = [0.0] * (size + 1)
        for x, y in zip(features, labels, strict=True):
            z = max(-30.0, min(30.0, _z(w, x)))
            error = 1.0 / (1.0 + math.exp(-z)) - y
            grad[0] += error
            for k, value in enumerate(x):
                grad[k + 1] += error * value
        w = [
            wi - settings.rate * (gi / n + settings.l2 * wi * (i > 0))
            for i, (wi, gi) in enumerate(zip(w, grad, strict=True))
        ]
    model = Weights(bias=w[0], base=w[1], after=w[2], complaints=w[3], praise=w[4], threshold=0.0)
    scores = [model.score(*_as_features(x)) for x in features]
    return Weights(**{**model.__dict__, "threshold": youden_threshold(scores, labels)})


def _as_features(x: Sequence[float]) -> tuple[float, float, int, int]:
    return (x[0], x[1], int(x[2]), int(x[3]))


def youden_threshold(scores: Sequence[float], labels: Sequence[int]) -> float:
    """The cut (midway between two scores) maximising TPR - FPR for label 1 above it."""
    positives = sum(labels)
    negatives = len(labels) - positives
    ordered = sorted(zip(scores, labels, strict=True))
    best, best_cut = -1.0, 0.0
    below_pos = below_neg = 0
    for index, (score, label) in enumerate(ordered[:-1]):
        below_pos += label
        below_neg += 1 - label
        following = ordered[index + 1][0]
        if following == score:
            continue
        tpr = (positives - below_pos) / positives
        fpr = (negatives - below_neg) / negatives
        if tpr - fpr > best:
            best, best_cut = tpr - fpr, (score + following) / 2
    return best_cut


def features_of(reading: Reading) -> list[float]:
    base, after, complaints, praise = reading.features
    return [base, after, float(min(complaints, 3)), float(min(praise, 3))]


def read_olist(path: Path) -> list[ReviewPosted]:
    """Every Olist review row with a rating (the import's own reader, zone São Paulo)."""
    from courteous.reviews.csv_import import read_reviews

    with path.open(encoding="utf-8-sig", newline="") as handle:
        report = read_reviews(handle, "olist", zone="America/Sao_Paulo", language="pt-BR")
    return [review for _, review in report.reviews]


def read_labels(path: Path) -> dict[str, int]:
    """review_id -> 1 (a hidden complaint) or 0, from the labelled set's CSV."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["review_id"]: int(row["hidden_complaint"]) for row in csv.DictReader(handle)}


def evaluate(
    reviews: Iterable[ReviewPosted],
    labels: dict[str, int] | None = None,
    shipped: Weights | None = None,
) -> dict[str, Any]:
    rated = [r for r in reviews if r.text.strip() and r.rating != 3]
    train = [r for r in rated if in_training_part(r.review_id)]
    scored = [r for r in rated if not in_training_part(r.review_id)]
    train_readings = [
        read(r.text, r.rating, r.language, title=r.title, weights=ZERO) for r in train
    ]
    weights = fit([features_of(x) for x in train_readings], [int(r.rating >= 4) for r in train])
    labels_scored = [int(r.rating >= 4) for r in scored]
    result: dict[str, Any] = {
        "reviews_with_text": len(rated),
        "training_part": len(train),
        "scored_part": len(scored),
        "weights": {k: round(v, 4) for k, v in weights.__dict__.items()},
    }
    model = [read(r.text, r.rating, r.language, title=r.title, weights=weights) for r in scored]
    result["auc"] = round(auc([x.score for x in model], labels_scored), 4)
    message_only = [read(r.text, r.rating, r.language, weights=weights) for r in scored]
    result["auc_message_only"] = round(auc([x.score for x in message_only], labels_scored), 4)
    lexicon = polarity("pt")
    result["auc_lexicon_baseline"] = round(auc([lexicon(r.text) for r in scored], labels_scored), 4)
    with_title = [" . ".join(p for p in (r.title or "", r.text) if p) for r in scored]
    result["auc_lexicon_baseline_with_title"] = round(
        auc([lexicon(text) for text in with_title], labels_scored), 4
    )
    if shipped is not None:
        shipped_scores = [
            read(r.text, r.rating, r.language, title=r.title, weights=shipped).score for r in scored
        ]
        result["auc_shipped_weights"] = round(auc(shipped_scores, labels_scored), 4)
    if labels:
        result["hidden_complaints"] = hidden_figures(scored, labels, shipped or weights)
    return result


def hidden_figures(
    reviews: Sequence[ReviewPosted], labels: dict[str, int], weights: Weights
) -> dict[str, Any]:
    by_id = {r.review_id: r for r in reviews}
    true_pos = false_pos = false_neg = true_neg = 0
    missing = [review_id for review_id in labels if review_id not in by_id]
    for review_id, label in labels.items():
        review = by_id.get(review_id)
        if review is None:
            continue
        found = read(
            review.text, review.rating, review.language, title=review.title, weights=weights
        ).hidden
        true_pos += found and label == 1
        false_pos += found and label == 0
        false_neg += (not found) and label == 1
        true_neg += (not found) and label == 0
    precision = true_pos / (true_pos + false_pos) if true_pos + false_pos else 0.0
    recall = true_pos / (true_pos + false_neg) if true_pos + false_neg else 0.0
    return {
        "labelled": true_pos + false_pos + false_neg + true_neg,
        "labelled_hidden": true_pos + false_neg,
        "found": true_pos + false_pos,
        "true_positives": true_pos,
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "labels_not_in_scored_part": len(missing),
    }
