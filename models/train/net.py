"""The shipped default classifier: a small residual CNN for 96 px single-cell patches.

Design (edge-sized, CPU-trainable): a stride-2 stem, four stages of ResNet basic blocks (BN, ReLU,
1x1 projection shortcut when the shape changes), then global average pooling -> features [N, D] ->
ONE Linear -> logits. That last pair is what lets the SDK compute class activation maps (CAM)
from `feature_map` and the Linear weights stored in the model card.
"""
import torch
import torch.nn as nn


def make_norm(kind: str, channels: int) -> nn.Module:
    """"batch": BatchNorm (the first shipped model). "group": GroupNorm with 8 groups, which
    normalizes each image by itself, so a frame of another lab is not judged by the training set's
    batch statistics (cross-lab robustness, wbc-benchmark ICASSP 2023)."""
    return nn.BatchNorm2d(channels) if kind == "batch" else nn.GroupNorm(min(8, channels // 2), channels)


def conv_bn_relu(in_channels: int, out_channels: int, stride: int, norm: str = "batch") -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False),
        make_norm(norm, out_channels),
        nn.ReLU(inplace=True),
    )


class BasicBlock(nn.Module):
    """Two 3x3 conv+BN with an identity (or 1x1 projection) shortcut."""

    def __init__(self, in_channels: int, out_channels: int, stride: int, norm: str = "batch"):
        super().__init__()
        self.conv1 = conv_bn_relu(in_channels, out_channels, stride, norm)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn2 = make_norm(norm, out_channels)
        self.shortcut = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                make_norm(norm, out_channels),
            )
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.bn2(self.conv2(self.conv1(x))) + self.shortcut(x))


class SmallResNet(nn.Module):
    """Returns (logits [N, classCount], features [N, D], feature_map [N, D, h, w])."""

    def __init__(self, class_count: int, stage_channels=(24, 48, 96, 192), stem_channels: int = 16, norm: str = "batch",
                 input_norm: bool = False):
        super().__init__()
        # input_norm: each image's channels standardized by themselves first (a global colour cast of
        # another lab's camera or stain cancels out); no parameters.
        layers = [nn.GroupNorm(3, 3, affine=False)] if input_norm else []
        layers.append(conv_bn_relu(3, stem_channels, 2, norm))
        in_channels = stem_channels
        for index, out_channels in enumerate(stage_channels):
            # The first stage keeps the stem's resolution; each later one halves it.
            layers.append(BasicBlock(in_channels, out_channels, 1 if index == 0 else 2, norm))
            in_channels = out_channels
        self.body = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(in_channels, class_count)
        self.feature_count = in_channels

    def forward(self, image: torch.Tensor):
        feature_map = self.body(image)
        features = torch.flatten(self.pool(feature_map), 1)
        return self.classifier(features), features, feature_map


def count_macs(model: nn.Module, input_pixels: int) -> int:
    """Multiply-accumulates of one forward pass for one [1, 3, input_pixels, input_pixels] image
    (conv and linear layers; BN/ReLU/pooling are negligible and folded or free at inference)."""
    macs = 0

    def on_conv(module: nn.Conv2d, _inputs, output):
        nonlocal macs
        kernel_macs = module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
        macs += output.numel() * kernel_macs

    def on_linear(module: nn.Linear, _inputs, output):
        nonlocal macs
        macs += output.numel() * module.in_features

    hooks = []
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            hooks.append(module.register_forward_hook(on_conv))
        elif isinstance(module, nn.Linear):
            hooks.append(module.register_forward_hook(on_linear))
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, input_pixels, input_pixels))
    model.train(was_training)
    for hook in hooks:
        hook.remove()
    return macs
