"""ONNX export (opset 17, input `image` [N, 3, S, S] with dynamic N; outputs `logits`, `features`,
`feature_map`) and the model card (src/inference/model-card-types.ts)."""
import json
from typing import Dict

import onnx
import torch

OPSET = 17


def export_onnx(model: torch.nn.Module, input_pixels: int, path: str) -> None:
    """Writes the eval-mode model to path (BN folded by the exporter's constant folding)."""
    model.eval()
    example = torch.zeros(1, 3, input_pixels, input_pixels)
    batch_axis = {0: "N"}
    torch.onnx.export(
        model, example, path, opset_version=OPSET, do_constant_folding=True,
        input_names=["image"], output_names=["logits", "features", "feature_map"],
        dynamic_axes={"image": batch_axis, "logits": batch_axis, "features": batch_axis, "feature_map": batch_axis},
    )
    onnx.checker.check_model(onnx.load(path))


def write_card(card: Dict, path: str) -> None:
    with open(path, "w", encoding="utf-8") as file:
        json.dump(card, file, indent=2, ensure_ascii=False)
        file.write("\n")
