"""PyTorch 1.13 (float64) mirror of vaelab's conv-family layers, for LayersTorchMirrorTest.

Usage: python3 layers_mirror.py CASES.json
Each case holds a layer kind and options as nn.Conv2d / nn.ConvTranspose2d / nn.MaxPool2d / nn.Upsample take
them, inputs x (NHWC, rows first), parameters in vaelab's layouts (conv W [kH, kW, inC, outC], transposed conv
W [kH, kW, outC, inC]), the output gradient r (NHWC) and what vaelab's SameDiff twin computed under the loss
sum(out * r): out, dx, dW, db. Prints one JSON object: per case and array, the largest absolute difference
divided by max(1, the largest absolute value).
"""
import json
import sys

import torch
import torch.nn.functional as F


def nchw(flat, rows, c, h, w):
    return torch.tensor(flat, dtype=torch.float64).reshape(rows, h, w, c).permute(0, 3, 1, 2).contiguous()


def to_nhwc(t):
    return t.permute(0, 2, 3, 1).reshape(-1)


def rel(ref, got):
    ref = torch.tensor(ref, dtype=torch.float64)
    got = got.reshape(-1).detach()
    if ref.shape != got.shape:
        return float("inf")
    return float((ref - got).abs().max() / max(1.0, float(ref.abs().max())))


def run(case):
    c, h, w = case["in"]
    rows = case["rows"]
    x = nchw(case["x"], rows, c, h, w).requires_grad_(True)
    kind = case["kind"]
    params = []
    if kind == "conv":
        kh, kw, out_c = case["kh"], case["kw"], case["channels"]
        weight = torch.tensor(case["W"], dtype=torch.float64).reshape(kh, kw, c, out_c).permute(3, 2, 0, 1)
        weight = weight.contiguous().requires_grad_(True)
        bias = torch.tensor(case["b"], dtype=torch.float64).requires_grad_(True)
        padding = "same" if case["same"] else (case["padH"], case["padW"])
        y = F.conv2d(x, weight, bias, stride=case["stride"], padding=padding)
        params = [weight, bias]
    elif kind == "conv_transpose":
        kh, kw, out_c = case["kh"], case["kw"], case["channels"]
        weight = torch.tensor(case["W"], dtype=torch.float64).reshape(kh, kw, out_c, c).permute(3, 2, 0, 1)
        weight = weight.contiguous().requires_grad_(True)
        bias = torch.tensor(case["b"], dtype=torch.float64).requires_grad_(True)
        y = F.conv_transpose2d(x, weight, bias, stride=case["stride"], padding=(case["padH"], case["padW"]),
                               output_padding=(case["outPadH"], case["outPadW"]))
        params = [weight, bias]
    elif kind == "maxpool":
        y = F.max_pool2d(x, case["k"])
    elif kind == "upsample":
        y = F.interpolate(x, scale_factor=case["k"], mode="nearest")
    else:
        raise ValueError(kind)
    act = case.get("act")
    if act == "relu":
        y = F.relu(y)
    elif act == "tanh":
        y = torch.tanh(y)
    r = torch.tensor(case["r"], dtype=torch.float64).reshape(y.shape[0], y.shape[2], y.shape[3], y.shape[1])
    (to_nhwc(y) * r.reshape(-1)).sum().backward()
    diffs = {"out": rel(case["out"], to_nhwc(y)), "dx": rel(case["dx"], to_nhwc(x.grad))}
    if params:
        weight, bias = params
        # back to vaelab's layouts: conv [outC, inC, kH, kW] -> [kH, kW, inC, outC];
        # transposed [inC, outC, kH, kW] -> [kH, kW, outC, inC]: the same permutation
        diffs["dW"] = rel(case["dW"], weight.grad.permute(2, 3, 1, 0))
        diffs["db"] = rel(case["db"], bias.grad)
    return diffs


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    torch.set_num_threads(1)
    print(json.dumps({case["name"]: run(case) for case in cases}))


if __name__ == "__main__":
    main()
