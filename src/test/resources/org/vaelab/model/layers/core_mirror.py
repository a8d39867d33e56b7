"""PyTorch 1.13 (float64) mirror of vaelab's own layer kinds (linear, the nonlinearities, flatten, reshape), for
CoreLayersTorchMirrorTest.

Usage: python3 core_mirror.py CASES.json
Each case holds the layer kind and its options as nn.Linear / F.<nonlinearity> / nn.Flatten / Tensor.view take
them, the input x in vaelab's layout (rows first; images NHWC), linear parameters in vaelab's layout (W [in, out],
PyTorch's weight transposed), the output gradient r (vaelab's layout) and what vaelab's SameDiff twin computed
under the loss sum(out * r): out, dx, dW, db. Prints one JSON object: per case and array, the largest absolute
difference divided by max(1, the largest absolute value).
"""
import json
import sys

import torch
import torch.nn.functional as F


def from_layout(flat, rows, shape):
    c, h, w, image = shape
    t = torch.tensor(flat, dtype=torch.float64)
    if image:
        return t.reshape(rows, h, w, c).permute(0, 3, 1, 2).contiguous()
    return t.reshape(rows, c)


def to_layout(t):
    if t.dim() == 4:
        return t.permute(0, 2, 3, 1).reshape(-1)
    return t.reshape(-1)


def rel(ref, got):
    ref = torch.tensor(ref, dtype=torch.float64)
    got = got.reshape(-1).detach()
    if ref.shape != got.shape:
        return float("inf")
    return float((ref - got).abs().max() / max(1.0, float(ref.abs().max())))


ACTS = {
    "relu": F.relu,
    "leaky_relu": lambda v: F.leaky_relu(v, 0.01),
    "elu": lambda v: F.elu(v, 1.0),
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
}


def run(case):
    rows = case["rows"]
    x = from_layout(case["x"], rows, case["in"]).requires_grad_(True)
    kind = case["kind"]
    params = []
    if kind == "linear":
        n_in, n_out = case["in"][0], case["features"]
        w = torch.tensor(case["W"], dtype=torch.float64).reshape(n_in, n_out).requires_grad_(True)
        b = torch.tensor(case["b"], dtype=torch.float64).requires_grad_(True)
        y = F.linear(x, w.t(), b)
        params = [w, b]
    elif kind == "act":
        y = x
    elif kind == "flatten":
        y = torch.nn.Flatten()(x)
    elif kind == "reshape":
        c, h, w_, _ = case["out_shape"]
        y = x.reshape(rows, -1).view(-1, c, h, w_)
    else:
        raise ValueError(kind)
    if case.get("act"):
        y = ACTS[case["act"]](y)
    r = from_layout(case["r"], rows, case["out_shape"])
    (y * r).sum().backward()
    diffs = {"out": rel(case["out"], to_layout(y)), "dx": rel(case["dx"], to_layout(x.grad))}
    if params:
        w, b = params
        diffs["dW"] = rel(case["dW"], w.grad)
        diffs["db"] = rel(case["db"], b.grad)
    return diffs


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    torch.set_num_threads(1)
    print(json.dumps({case["name"]: run(case) for case in cases}))


if __name__ == "__main__":
    main()
