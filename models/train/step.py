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


def dihedral_probabilities(model, inputs: torch.Tensor, batch_size: int = 128) -> torch.Tensor:
    """Softmax of model(inputs)[0] averaged over the 8 flips and quarter turns of each input
    [N, 3, S, S] (the square's symmetries; a cell has no orientation). New tensor [N, classes]."""
    model.eval()
    total = 0
    with torch.no_grad():
        for turns in range(4):
            for flip in (False, True):
                views = torch.rot90(inputs.flip(3) if flip else inputs, turns, (2, 3))
                total = total + torch.cat([torch.softmax(model(b)[0], 1) for b in views.split(batch_size)])
    return total / 8


def distill_step(model, optimizer, schedule, inputs: torch.Tensor, labels: torch.Tensor, class_weights: torch.Tensor,
                 label_smoothing: float, soft_targets: torch.Tensor, distill_weight: float):
    """train_step's loss mixed with the cross-entropy against soft_targets [N, classes] (a teacher's
    probabilities): (1 - w) * CE(labels) + w * CE(soft_targets). Returns (loss, correct)."""
    logits = model(inputs)[0]
    hard = F.cross_entropy(logits, labels, weight=class_weights, label_smoothing=label_smoothing)
    soft = -(soft_targets * F.log_softmax(logits, 1)).sum(1).mean()
    loss = (1 - distill_weight) * hard + distill_weight * soft
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    schedule.step()
    return float(loss.detach()), int((logits.argmax(1) == labels).sum())
