"""The models: a compact CNN for small images on a CPU, and ResNet-18 for GPUs.

ResNet-18 is written out here (He et al., 2016, "Deep Residual Learning for Image
Recognition") so it trains without torchvision; its parameter names match
torchvision's, so ImageNet weights load into it for transfer learning.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

SMALL_IMAGE = 64  # below this side, ResNet-18 keeps full resolution in its first layer


@dataclass
class ModelConfig:
    name: str = "cnn"  # cnn | resnet18
    width: int = 32  # cnn: channels of the first block, doubled by each of the next three
    dropout: float = 0.2  # cnn: dropout before the classifier
    pretrained: bool = False  # resnet18: start from torchvision's ImageNet weights (network)


def conv_bn_relu(in_channels: int, out_channels: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


class CompactCNN(nn.Module):
    """Four conv-BN-ReLU blocks (halving the side between them), then a global max-pool.

    The max over positions asks "is this pattern anywhere in the image?", so a shape or a
    stroke counts wherever it is: on a few hundred images that generalises far better than
    a classifier on a fixed grid of positions. Pooling stops before a map gets smaller than
    3x3 pixels, so even 8x8 images keep some layout.
    """

    def __init__(
        self,
        channels: int,
        num_classes: int,
        image_size: int,
        width: int = 16,
        dropout: float = 0.2,
    ):
        super().__init__()
        widths = [channels, width, 2 * width, 4 * width, 8 * width]
        layers: list[nn.Module] = []
        side = image_size
        for block in range(4):
            layers.append(conv_bn_relu(widths[block], widths[block + 1]))
            if block < 3 and side >= 6:
                layers.append(nn.MaxPool2d(2))
                side //= 2
        self.features = nn.Sequential(*layers, nn.AdaptiveMaxPool2d(1))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(dropout), nn.Linear(8 * width, num_classes)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


class BasicBlock(nn.Module):
    """Two 3x3 convolutions plus the input: the residual connection that lets depth train."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.downsample: nn.Module | None = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet18(nn.Module):
    """ResNet-18: a stem, four stages of two BasicBlocks (64-512 channels), a linear head.

    Small images (under SMALL_IMAGE pixels) get the paper's CIFAR stem, a 3x3 stride-1
    convolution without max-pooling; the ImageNet stem would shrink a 28x28 digit to 7x7
    before the first block.
    """

    def __init__(self, channels: int, num_classes: int, image_size: int = 224):
        super().__init__()
        if image_size < SMALL_IMAGE:
            self.conv1 = nn.Conv2d(channels, 64, 3, stride=1, padding=1, bias=False)
            self.maxpool: nn.Module = nn.Identity()
        else:
            self.conv1 = nn.Conv2d(channels, 64, 7, stride=2, padding=3, bias=False)
            self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = nn.Sequential(BasicBlock(64, 64), BasicBlock(64, 64))
        self.layer2 = nn.Sequential(BasicBlock(64, 128, 2), BasicBlock(128, 128))
        self.layer3 = nn.Sequential(BasicBlock(128, 256, 2), BasicBlock(256, 256))
        self.layer4 = nn.Sequential(BasicBlock(256, 512, 2), BasicBlock(512, 512))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512, num_classes)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def imagenet_weights() -> dict[str, torch.Tensor]:
    """torchvision's ImageNet ResNet-18 weights (downloaded once into torch's cache)."""
    try:
        from torchvision.models import ResNet18_Weights, resnet18
    except ImportError as error:
        raise SystemExit(
            "model.pretrained=true needs torchvision: pip install -e '.[vision]' (and a network)"
        ) from error
    return resnet18(weights=ResNet18_Weights.IMAGENET1K_V1).state_dict()


def load_matching(model: nn.Module, weights: dict[str, torch.Tensor]) -> list[str]:
    """Copy every tensor whose name and shape match; return the names left as initialised.

    A grayscale model gets the RGB first-layer filters summed over colour, the usual way
    to reuse them; the classifier (1,000 ImageNet classes) always stays new.
    """
    own = model.state_dict()
    first = weights.get("conv1.weight")
    if first is not None and first.shape[1] == 3 and own["conv1.weight"].shape[1] == 1:
        weights = {**weights, "conv1.weight": first.sum(dim=1, keepdim=True)}
    matched = {k: v for k, v in weights.items() if k in own and v.shape == own[k].shape}
    model.load_state_dict({**own, **matched})
    return [name for name in own if name not in matched]


def build_model(config: ModelConfig, channels: int, num_classes: int, image_size: int) -> nn.Module:
    if config.name == "cnn":
        return CompactCNN(channels, num_classes, image_size, config.width, config.dropout)
    if config.name == "resnet18":
        return ResNet18(channels, num_classes, image_size)
    raise ValueError(f"model.name must be cnn or resnet18, got {config.name!r}")


def save_checkpoint(path: Path, model: nn.Module, **extra: Any) -> None:
    """Weights plus what `predict` needs to rebuild the model and its preprocessing."""
    torch.save({"model": model.state_dict(), **extra}, path)


def load_model(path: Path) -> tuple[nn.Module, dict[str, Any]]:
    """The model of a best.pt checkpoint, in eval mode, and the checkpoint's metadata."""
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    config = ModelConfig(**checkpoint["model_config"])
    model = build_model(
        config, checkpoint["channels"], len(checkpoint["classes"]), checkpoint["image_size"]
    )
    model.load_state_dict(checkpoint["model"])
    return model.eval(), checkpoint
