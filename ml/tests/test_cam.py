"""cam output == Grad-CAM at the last conv layer (GAP + linear head identity)."""

from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

from mri_sentinel_ml.export import export_onnx
from mri_sentinel_ml.networks import EfficientNetLite0, ExportWrapper, build_net


def _gradcam(net: EfficientNetLite0, x: torch.Tensor, c: int) -> torch.Tensor:
    """Classic Grad-CAM with forward/backward hooks on the head's last conv block (BN + ReLU6)."""
    store: dict[str, torch.Tensor] = {}

    def fwd(_m: torch.nn.Module, _i: tuple[torch.Tensor, ...], out: torch.Tensor) -> None:
        store["A"] = out
        out.register_hook(lambda g: store.__setitem__("G", g))

    # the feature map is relu6(bn1(conv_head)); hook the BN and apply relu6 via a wrapper module
    class Head(torch.nn.Module):
        def forward(self, t: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.relu6(t)

    head = Head()
    h = head.register_forward_hook(fwd)
    orig = net.head_fmap

    def hooked_fmap(t: torch.Tensor) -> torch.Tensor:
        fmap: torch.Tensor = head(net._bn1(net._conv_head(t)))
        return fmap

    # patched on the instance for this one forward; mypy compares it with the unbound method (self included)
    net.head_fmap = hooked_fmap  # type: ignore[method-assign, assignment]
    try:
        out = net(x)
        net.zero_grad()
        out.logits[:, c].sum().backward()
    finally:
        net.head_fmap = orig  # type: ignore[method-assign]
        h.remove()
    a, g = store["A"], store["G"]  # [N,1280,h,w]
    w = g.mean(dim=(2, 3), keepdim=True)  # alpha_k = mean grad
    return (w * a).sum(1).detach()  # [N,h,w]


def _norm(m: torch.Tensor) -> torch.Tensor:
    m = m.clamp_min(0)
    return m / m.amax(dim=(-2, -1), keepdim=True).clamp_min(1e-12)


def test_cam_equals_gradcam(tmp_path: Path) -> None:
    torch.manual_seed(0)
    net = build_net(5, pretrained=True).eval()
    torch.nn.init.normal_(net._fc.weight, std=0.05)
    x = torch.randn(3, 3, 160, 160)
    with torch.no_grad():
        _, _, cam = ExportWrapper(net)(x)  # [N,C,h,w]
    hw = cam.shape[-1] * cam.shape[-2]
    for c in range(5):
        gc = _gradcam(net, x, c)
        # exact identity: Grad-CAM = cam / (h*w)
        torch.testing.assert_close(gc, cam[:, c] / hw, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(_norm(gc), _norm(cam[:, c]), rtol=1e-4, atol=1e-4)
    # and the exported graph computes the same cam
    p = tmp_path / "m.onnx"
    export_onnx(net, 160, p)
    s = ort.InferenceSession(str(p), providers=["CPUExecutionProvider"])
    lg, emb, cam_o = s.run(["logits", "embedding", "cam"], {"input": x.numpy()})
    np.testing.assert_allclose(cam_o, cam.numpy(), atol=1e-3, rtol=1e-4)
    # logits = W . mean(cam-space feature) + b  (the GAP + linear identity)
    np.testing.assert_allclose(cam_o.mean(axis=(2, 3)) + net._fc.bias.detach().numpy(), lg, atol=1e-3)
    assert emb.shape == (3, 1280)
