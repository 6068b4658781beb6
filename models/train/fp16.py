"""fp16 variants of the shipped graphs: `models/<id>.onnx` -> `models/<id>.fp16.onnx`.

Weights, constants and activations become float16; the graph's input and outputs stay float32
(one Cast after the input, one before each output), so the SDK feeds the same float32 patches and
reads the same float32 logits / features / feature map whichever variant runs. InstanceNormalization
(the GroupNorm of the GroupNorm models: Reshape -> InstanceNormalization -> Reshape -> Mul -> Add)
stays float32 between two Casts: its mean and variance sum up to 96 x 96 x C/8 values per group,
which a float16 accumulator (WebGPU's f16 shaders) would round away; its scale and bias stay
float32 with it. Everything else (Conv, Gemm, Add, Mul, Relu, pooling) runs in float16.

Deterministic: the same input graph gives the same bytes (no names, dates or random numbers added).
Run: /usr/bin/python3 models/train/fp16.py [models/<id>.onnx ...]   (default: every models/*.onnx
that is not already an fp16 variant); `npm run models:fp16` runs it and records the agreement.
"""
import glob
import os
import sys
from typing import Dict, List, Set

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FLOAT16_MAX = float(np.finfo(np.float16).max)
# Ops whose float inputs and outputs stay float32 (see the module doc).
KEEP_FLOAT32 = {"InstanceNormalization"}


def to_float16(tensor: onnx.TensorProto) -> onnx.TensorProto:
    """A float32 tensor as float16, same name; values beyond float16's range would become inf, so
    they are refused rather than clipped silently."""
    values = numpy_helper.to_array(tensor)
    if values.size and float(np.abs(values).max()) > FLOAT16_MAX:
        raise ValueError(f"{tensor.name}: |value| {float(np.abs(values).max())} exceeds float16's {FLOAT16_MAX}")
    return numpy_helper.from_array(values.astype(np.float16), tensor.name)


def convert(model: onnx.ModelProto) -> onnx.ModelProto:
    """Returns the float16 variant of `model` (a copy; `model` is not changed)."""
    model_copy = onnx.ModelProto()
    model_copy.CopyFrom(model)
    graph = model_copy.graph
    consumers: Dict[str, List[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)

    def only_float32_consumers(name: str) -> bool:
        users = consumers.get(name, [])
        return bool(users) and all(user.op_type in KEEP_FLOAT32 and list(user.input).index(name) > 0 for user in users)

    for index, tensor in enumerate(graph.initializer):
        if tensor.data_type == TensorProto.FLOAT and not only_float32_consumers(tensor.name):
            graph.initializer[index].CopyFrom(to_float16(tensor))

    nodes: List[onnx.NodeProto] = []
    float_inputs = [i for i in graph.input if i.type.tensor_type.elem_type == TensorProto.FLOAT]
    float_outputs = {o.name for o in graph.output if o.type.tensor_type.elem_type == TensorProto.FLOAT}
    renamed = {i.name: f"{i.name}_fp16" for i in float_inputs}
    renamed.update({name: f"{name}_fp16" for name in float_outputs})
    for graph_input in float_inputs:
        nodes.append(helper.make_node("Cast", [graph_input.name], [renamed[graph_input.name]], to=TensorProto.FLOAT16,
                                      name=f"{graph_input.name}_to_fp16"))
    input_names: Set[str] = {i.name for i in float_inputs}
    for node in graph.node:
        node.input[:] = [name if name in input_names and node.op_type == "Shape" else renamed.get(name, name)
                         for name in node.input]
        node.output[:] = [renamed.get(name, name) for name in node.output]
        if node.op_type == "Constant":
            value = next(a for a in node.attribute if a.name == "value")
            if value.t.data_type == TensorProto.FLOAT and not only_float32_consumers(node.output[0]):
                value.t.CopyFrom(to_float16(value.t))
        if node.op_type in KEEP_FLOAT32:
            source, result = node.input[0], node.output[0]
            nodes.append(helper.make_node("Cast", [source], [f"{source}_fp32"], to=TensorProto.FLOAT, name=f"{node.name}_in_fp32"))
            node.input[0] = f"{source}_fp32"
            node.output[0] = f"{result}_fp32"
            nodes.append(node)
            nodes.append(helper.make_node("Cast", [f"{result}_fp32"], [result], to=TensorProto.FLOAT16, name=f"{node.name}_out_fp16"))
            continue
        nodes.append(node)
    for name in sorted(float_outputs):
        nodes.append(helper.make_node("Cast", [renamed[name]], [name], to=TensorProto.FLOAT, name=f"{name}_to_fp32"))
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.value_info[:]
    onnx.checker.check_model(model_copy)
    # Shape inference types every tensor: a float32/float16 mix-up anywhere fails here, not at load.
    onnx.shape_inference.infer_shapes(model_copy, check_type=True, strict_mode=True)
    return model_copy


def fp16_path(path: str) -> str:
    return path[: -len(".onnx")] + ".fp16.onnx"


def main(paths: List[str]) -> None:
    if not paths:
        paths = sorted(p for p in glob.glob("models/*.onnx") if not p.endswith(".fp16.onnx"))
    for path in paths:
        out = fp16_path(path)
        onnx.save(convert(onnx.load(path)), out)
        print(f"wrote {out} ({os.path.getsize(out) / 1e6:.2f} MB, from {os.path.getsize(path) / 1e6:.2f} MB)")


if __name__ == "__main__":
    main(sys.argv[1:])
