"""One optimization step, shared by the training scripts."""
import torch
import torch.nn.functional as F


def train_step(model, optimizer, schedule, inputs: torch.Tensor, labels: torch.Tensor, class_weights: torch.Tensor,
               label_smoothing: float):
    """Class-weighted, label-smoothed cross-entropy on model(inputs)[0] (the logits), one optimizer
    and schedule step. Returns (loss as a float, correct predictions in the batch)."""
    logits = model(inputs)[0]
    loss = F.cross_entropy(logits, labels, weight=class_weights, label_smoothing=label_smoothing)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    schedule.step()
    return float(loss.detach()), int((logits.argmax(1) == labels).sum())
