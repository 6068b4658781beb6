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


def card_body(model: torch.nn.Module, input_pixels: int, mean, std, patch_microns: float, classes, stain_matrix,
              max_concentrations, parameters: int, macs: int) -> Dict:
    """The card fields that describe the graph (input, classes, thresholds, stainReference, outputs
    with the classifier weights for CAM, size) of a trained SmallResNet; the caller adds id, scheme,
    description and provenance."""
    return {
        "input": {
            "name": "image", "width": input_pixels, "height": input_pixels, "layout": "NCHW",
            "mean": [round(float(v), 6) for v in mean], "std": [round(float(v), 6) for v in std],
            "patchMicrons": patch_microns, "batch": None,
        },
        "classes": list(classes),
        "thresholds": {"confidence": 0.5},
        "stainReference": {
            "stainMatrix": [[round(float(v), 6) for v in row] for row in stain_matrix],
            "maxC": [round(float(v), 6) for v in max_concentrations],
        },
        "outputs": {
            "logits": "logits", "features": "features", "featureMap": "feature_map",
            "classifier": {"weights": [[round(float(v), 7) for v in row] for row in model.classifier.weight.detach().numpy()],
                           "bias": [round(float(v), 7) for v in model.classifier.bias.detach().numpy()]},
        },
        "parameters": parameters,
        "flopsPerCell": 2 * macs,
    }


def written(onnx_path: str, parameters: int, macs: int) -> str:
    """One line about an exported graph, for the training log."""
    import os
    return (f"wrote {onnx_path} ({os.path.getsize(onnx_path) / 1e6:.2f} MB), {parameters} parameters, "
            f"{2 * macs / 1e6:.1f} MFLOPs per cell")


def write_card(card: Dict, path: str) -> None:
    with open(path, "w", encoding="utf-8") as file:
        json.dump(card, file, indent=2, ensure_ascii=False)
        file.write("\n")
