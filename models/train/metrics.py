"""Held-out metrics in the model card's shape (ModelCard.provenance.metrics)."""
from typing import Dict, List

import numpy as np


def classification_metrics(truth: np.ndarray, predicted: np.ndarray, class_codes: List[str], split: str) -> Dict:
    """truth, predicted: int class indices [N]. Balanced accuracy = mean per-class recall; the
    confusion matrix is row-normalized with rows = truth, columns = prediction."""
    class_count = len(class_codes)
    counts = np.zeros((class_count, class_count), dtype=np.int64)
    np.add.at(counts, (truth, predicted), 1)
    support = counts.sum(axis=1)
    predicted_totals = counts.sum(axis=0)
    recall = np.diag(counts) / np.maximum(support, 1)
    precision = np.diag(counts) / np.maximum(predicted_totals, 1)
    return {
        "split": split,
        "balancedAccuracy": round(float(recall.mean()), 4),
        "perClass": {
            code: {"precision": round(float(precision[i]), 4), "recall": round(float(recall[i]), 4),
                   "support": int(support[i])}
            for i, code in enumerate(class_codes)
        },
        "confusion": [[round(float(v), 4) for v in row] for row in counts / np.maximum(support[:, None], 1)],
    }
