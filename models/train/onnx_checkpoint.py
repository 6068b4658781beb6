"""Rebuild a training checkpoint (for train_recipe.py --init-from) from a shipped cross-lab model's ONNX
graph and card, so a shipped model can be fine-tuned when its original checkpoint was not kept.

  /usr/bin/python3 models/train/onnx_checkpoint.py models/bm7-resnet10g.json bm7-resnet10g.pt

Conv and Linear weights keep their PyTorch names in the graph; the exporter writes each GroupNorm as
Reshape -> InstanceNormalization -> Reshape -> Mul(weight) -> Add(bias) with anonymous constants, so
those are found by the node path (/body/body.1/conv1/conv1.1/Mul -> body.1.conv1.1.weight). The
rebuilt model is exported again and every constant of the new graph must equal the original's, node
by node, or the script fails: the checkpoint is then the shipped function, not an approximation.
Run from the repository root.
"""
import argparse
import json
import os
import re
import tempfile

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from export import export_onnx
from net import SmallResNet
from train_recipe import DATASETS


def graph_constants(graph) -> dict:
    """Every named tensor a node can read without computing it: initializers, Constant nodes, and
    Identity nodes of those (the exporter dedupes equal constants through Identity)."""
    values = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant":
            values[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
    for node in graph.node:
        if node.op_type == "Identity" and node.input[0] in values:
            values[node.output[0]] = values[node.input[0]]
    return values


def group_norm_parameter(node) -> str:
    """body.N.<module> weight or bias of the GroupNorm a Mul/Add node belongs to, from its node path."""
    path = node.name.strip("/").split("/")[:-1]  # e.g. ['body', 'body.1', 'conv1', 'conv1.1']
    module = path[-1] if path[-1].startswith(path[1]) else f"{path[1]}.{path[-1]}"
    return f"{module}.{'weight' if node.op_type == 'Mul' else 'bias'}"


def state_from_graph(graph, model: SmallResNet) -> dict:
    values = graph_constants(graph)
    found = {name: values[name] for name in model.state_dict() if name in values}
    for node in graph.node:
        if node.op_type in ("Mul", "Add") and node.name.startswith("/body/") and node.input[1] in values:
            found[group_norm_parameter(node)] = values[node.input[1]]
        elif node.op_type == "Gemm":
            found["classifier.weight"], found["classifier.bias"] = values[node.input[1]], values[node.input[2]]
    state = model.state_dict()
    missing = [name for name in state if name not in found]
    if missing:
        raise SystemExit(f"not found in the graph: {', '.join(missing)}")
    return {name: torch.from_numpy(np.asarray(found[name], dtype=np.float32).reshape(tensor.shape).copy())
            for name, tensor in state.items()}


def node_constants(graph) -> list:
    """(op type, constant inputs) of every computing node, in order: what makes two graphs one function."""
    values = graph_constants(graph)
    return [(node.op_type, [values[name] for name in node.input if name in values])
            for node in graph.node if node.op_type not in ("Constant", "Identity")]


def check_same_function(original, rebuilt) -> None:
    a, b = node_constants(original), node_constants(rebuilt)
    if [op for op, _ in a] != [op for op, _ in b]:
        raise SystemExit("the rebuilt model exports to a different sequence of operators")
    for index, ((op, left), (_, right)) in enumerate(zip(a, b)):
        if len(left) != len(right) or any(x.shape != y.shape or not np.array_equal(x, y) for x, y in zip(left, right)):
            raise SystemExit(f"constant of node {index} ({op}) differs from the shipped graph")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("card", help="a shipped card of the cross-lab recipe, e.g. models/bm7-resnet10g.json")
    parser.add_argument("out", help="checkpoint to write (.pt)")
    args = parser.parse_args()
    with open(args.card) as file:
        card = json.load(file)
    notes = card["provenance"]["notes"]
    channels = re.search(r"basic blocks \(([\d,]+) ch\)", notes).group(1)
    input_norm = "instance" if "standardized per channel" in notes else "none"
    input_pixels = card["input"]["width"]
    model = SmallResNet(len(card["classes"]), tuple(int(c) for c in channels.split(",")), norm="group",
                        input_norm=input_norm == "instance")
    original = onnx.load(os.path.join(os.path.dirname(args.card), card["model"])).graph
    model.load_state_dict(state_from_graph(original, model))
    with tempfile.TemporaryDirectory() as scratch:
        exported = os.path.join(scratch, "rebuilt.onnx")
        export_onnx(model, input_pixels, exported)
        check_same_function(original, onnx.load(exported).graph)

    # What the card says about its training run, as train_recipe.py's --init-from reads and records it.
    trained = re.search(r"trained on (\S+) \(torch ([^)]+)\) in ([\d.]+) min", notes)
    recipe = {
        "dataset": next(name for name, config in DATASETS.items() if config["scheme"] == card["scheme"]),
        "channels": channels, "input_pixels": input_pixels, "input_norm": input_norm,
        "colour": "strong" if "hue rotation" in notes else "hed",
        "epochs": int(re.search(r"(\d+) epochs \(fixed in advance\)", notes).group(1)),
        "normalize_probability": float(re.search(r"on a random (\d+)% of views", notes).group(1)) / 100,
        "scale_jitter": float(re.search(r"exp\(U\(\+-([\d.]+)\)\)", notes).group(1)),
        "camera": "Camera views" in notes,
    }
    torch.save({
        "state_dict": model.state_dict(), "args": recipe,
        "mean": card["input"]["mean"], "std": card["input"]["std"],
        "reference": {"stainMatrix": card["stainReference"]["stainMatrix"], "maxC": card["stainReference"]["maxC"]},
        "trainingSeconds": float(trained.group(3)) * 60, "device": trained.group(1), "torch": trained.group(2),
        "rebuiltFrom": f"{card['id']} {card['version']} ({card['model']})",
    }, args.out)
    print(f"{args.out}: {card['id']} {card['version']} rebuilt from {card['model']}; re-exported, every constant equal")


if __name__ == "__main__":
    main()
