"""PyTorch 1.13's nn.LayerNorm / nn.BatchNorm1d / nn.BatchNorm2d on what NormTorchMirrorTest exported.

Usage: norm_mirror.py export.json. The export holds the layer's parameters and initial running statistics,
training batches (x and the upstream gradient r, NHWC rows) with vaelab's results on both paths ("twin":
the SameDiff graph in float64, "fast": the FLOAT path), the running statistics after them, and one evaluation
batch. Prints one JSON line: the largest difference per path, relative to max(1, |PyTorch's value|).
"""
import json
import sys

import torch

d = json.load(open(sys.argv[1]))
C, H, W, image, kind = d["c"], d["h"], d["w"], d["image"], d["kind"]


def to_torch(flat, n):
    t = torch.tensor(flat, dtype=torch.float64)
    return t.reshape(n, H, W, C).permute(0, 3, 1, 2).contiguous() if image else t.reshape(n, C)


def from_torch(t):
    return (t.permute(0, 2, 3, 1) if image else t).reshape(-1)


if kind == "layernorm":
    m = torch.nn.LayerNorm([C, H, W] if image else [C], eps=1e-5)
else:
    m = (torch.nn.BatchNorm2d if image else torch.nn.BatchNorm1d)(C, eps=1e-5, momentum=0.1)
m = m.double()
with torch.no_grad():
    m.weight.copy_(torch.tensor(d["W"], dtype=torch.float64).reshape(m.weight.shape))
    m.bias.copy_(torch.tensor(d["b"], dtype=torch.float64).reshape(m.bias.shape))
    if kind == "batchnorm":
        m.running_mean.copy_(torch.tensor(d["mean0"], dtype=torch.float64))
        m.running_var.copy_(torch.tensor(d["var0"], dtype=torch.float64))

worst = {"twin": 0.0, "fast": 0.0}
where = {"twin": "", "fast": ""}


def compare(path, what, ours, ref):
    ours = torch.tensor(ours, dtype=torch.float64).reshape(-1)
    ref = ref.detach().reshape(-1)
    assert ours.shape == ref.shape, (what, ours.shape, ref.shape)
    err = ((ours - ref).abs().max() / max(1.0, ref.abs().max().item())).item()
    if err >= worst[path]:
        worst[path], where[path] = err, what


m.train()
for i, b in enumerate(d["batches"]):
    n = b["rows"]
    x = to_torch(b["x"], n).requires_grad_(True)
    r = to_torch(b["r"], n)
    m.zero_grad()
    y = m(x)
    (y * r).sum().backward()
    ref = {"y": from_torch(y), "dx": from_torch(x.grad), "dW": m.weight.grad, "db": m.bias.grad}
    for path in ("twin", "fast"):
        for k, v in ref.items():
            compare(path, "batch %d %s" % (i, k), b[path][k], v)
if kind == "batchnorm":
    for path in ("twin", "fast"):
        compare(path, "running_mean", d[path + "_mean"], m.running_mean)
        compare(path, "running_var", d[path + "_var"], m.running_var)

m.eval()
e = d["eval"]
with torch.no_grad():
    y = from_torch(m(to_torch(e["x"], e["rows"])))
for path in ("twin", "fast"):
    compare(path, "eval y", e[path], y)

print(json.dumps({"twin": worst["twin"], "twin_at": where["twin"], "fast": worst["fast"],
                  "fast_at": where["fast"], "torch": torch.__version__}))
