#!/usr/bin/python3
"""PyTorch reference for vaelab's VAE models and objective, used for speed and ELBO comparisons.

Run with Debian's interpreter (/usr/bin/python3: torch 1.13 + libopenblas0-pthread); the pyenv python3
on PATH has no torch.

Model: vaelab's architecture (org.vaelab.model's package-info), encoder and decoder chosen separately.
  --encoder mlp   784 -> hidden... (Linear + activation each) -> (mu, logvar) heads of `latent` dims.
  --encoder conv  1x28x28 -> Conv2d(k=3, s=2, p=1) + activation per entry of --channels (28-14-7 for
                  32,64) -> flatten in NCHW order -> (mu, logvar) heads.
  --decoder mlp   latent -> reversed(hidden)... (Linear + activation) -> Linear to 784 logits.
  --decoder conv  Linear(latent, C_L*s_L*s_L) + activation -> view C_L x s_L x s_L -> ConvTranspose2d
                  (stride 2, padding 1, kernel out - 2*in + 4 per axis) per encoder level in reverse back
                  to 1 channel, activation between them but not after the last -> 784 logits.
PyTorch's default initialisation everywhere (vaelab draws the same uniform(-1/sqrt(fan_in), ..) bounds).
Objective: per-example negative ELBO
in nats, reconstruction summed over pixels (Bernoulli from logits, or unit-variance Gaussian) plus
beta x KL(q(z|x) || N(0, I)) summed over latent dims, averaged over the batch (Kingma & Welling 2014,
Appendix B for the closed-form KL). Optimiser: Adam.

Modes (each prints one JSON object per line on stdout):
  speed  train samples/s over --steps steps after --warmup steps, --repeats times, plus peak RSS.
  describe  the model's parameter tensors (shapes in PyTorch's layout) and their total, for checking that
         both sides build the same model (vaelab's SpeedBenchTest compares the totals).
  elbo   train --epochs epochs on full MNIST (IDX files in --mnist), with the true test negative ELBO
         (beta = 1, one sample per example, fixed noise) after every epoch.
  loglik the importance-sampled log p(x) (Burda et al. 2016) of --examples test images with --samples samples
         each, as vaelab computes it (decoder rows in chunks of at most 8192), timed; the model is freshly
         initialised (the cost does not depend on the weights).
  sweep  train each run of --runs (JSON list of {"latent": d, "beta": b}) for --epochs epochs on --subset
         training images with the test negative ELBO after every epoch: the plain loop a researcher would
         write, which `vaelab bench` runs in two processes against `vaelab run` of the same sweep.

--encoder-layers / --decoder-layers take a layer list in vaelab's spec vocabulary as JSON (e.g.
'[{"conv": 32, "kernel": 5}, "relu", {"maxpool": 2}, "flatten"]') and override --encoder / --decoder, so the
seed notebooks' own architectures can be compared (docs/spec.md lists the vocabulary).

Thread settings must be fixed before torch is imported (OpenMP and OpenBLAS read their env once), so
this script parses its arguments first and imports torch afterwards.
"""
import argparse
import json
import math
import os
import resource
import statistics
import sys
import time


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["speed", "elbo", "describe", "loglik", "sweep"])
    p.add_argument("--encoder-layers", default=None, help="JSON layer list (vaelab's vocabulary)")
    p.add_argument("--decoder-layers", default=None, help="JSON layer list (vaelab's vocabulary)")
    p.add_argument("--samples", type=int, default=1000, help="loglik: importance samples per image")
    p.add_argument("--examples", type=int, default=100, help="loglik: test images")
    p.add_argument("--runs", default="[]", help='sweep: JSON list of {"latent": d, "beta": b}')
    p.add_argument("--subset", type=int, default=None, help="sweep: training images (random subset)")
    p.add_argument("--test-subset", type=int, default=None, help="sweep: test images evaluated each epoch")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", type=int, default=1,
                   help="torch.set_num_threads and OMP/MKL_NUM_THREADS")
    p.add_argument("--blas-threads", type=int, default=None,
                   help="OPENBLAS_NUM_THREADS (default: same as --threads)")
    p.add_argument("--encoder", default="mlp", choices=["mlp", "conv"])
    p.add_argument("--decoder", default="mlp", choices=["mlp", "conv"])
    p.add_argument("--hidden", default="256,256",
                   help="comma-separated widths of an mlp encoder; an mlp decoder mirrors them")
    p.add_argument("--channels", default="32,64",
                   help="comma-separated channels of the stride-2 convolutions; a conv decoder mirrors them")
    p.add_argument("--latent", type=int, default=32)
    p.add_argument("--activation", default="relu", choices=["relu", "tanh", "elu", "leaky_relu"])
    p.add_argument("--recon", default="bce", choices=["bce", "mse"])
    p.add_argument("--beta", type=float, default=1.0)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--mnist", default=None,
                   help="folder with the four raw MNIST IDX files; speed mode uses random pixels without it")
    p.add_argument("--steps", type=int, default=200, help="speed: timed steps per repeat")
    p.add_argument("--warmup", type=int, default=30, help="speed: untimed steps before the first repeat")
    p.add_argument("--repeats", type=int, default=3, help="speed: timed repeats")
    p.add_argument("--epochs", type=int, default=5, help="elbo: training epochs")
    p.add_argument("--tag", default="", help="free text copied into every JSON line")
    return p.parse_args(argv)


ARGS = parse_args(sys.argv[1:])
if ARGS.blas_threads is None:
    ARGS.blas_threads = ARGS.threads
for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(ARGS.threads)
os.environ["OPENBLAS_NUM_THREADS"] = str(ARGS.blas_threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(ARGS.threads)
try:
    torch.set_num_interop_threads(1)
except RuntimeError:
    pass

HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def read_idx_images(path):
    """Raw IDX3 file -> float32 array (n, rows*cols) scaled to [0, 1]."""
    with open(path, "rb") as f:
        data = f.read()
    magic, n, rows, cols = np.frombuffer(data[:16], dtype=">i4")
    if magic != 2051:
        raise SystemExit(f"{path}: not an IDX3 image file (magic {magic}, want 2051)")
    pix = np.frombuffer(data[16:], dtype=np.uint8)
    if pix.size != n * rows * cols:
        raise SystemExit(f"{path}: header says {n}x{rows}x{cols} pixels, file has {pix.size}")
    return (pix.reshape(n, rows * cols).astype(np.float32) / 255.0)


def load_mnist(folder):
    tr = read_idx_images(os.path.join(folder, "train-images-idx3-ubyte"))
    te = read_idx_images(os.path.join(folder, "t10k-images-idx3-ubyte"))
    return torch.from_numpy(tr), torch.from_numpy(te)


def activation(name):
    return {"relu": nn.ReLU, "tanh": nn.Tanh, "elu": nn.ELU, "leaky_relu": nn.LeakyReLU}[name]()


def conv_sizes(size, layers):
    """Spatial sizes of the conv encoder: Conv2d(k=3, s=2, p=1) maps s to ceil(s / 2)."""
    sizes = [size]
    for _ in range(layers):
        sizes.append((sizes[-1] - 1) // 2 + 1)
    return sizes


class Vae(nn.Module):
    """vaelab's VAE: mlp or conv encoder, separate mean and log-variance heads, mlp or conv decoder
    emitting logits (see the module docstring and org.vaelab.model's package-info)."""

    def __init__(self, rows, cols, encoder, decoder, hidden, channels, latent, act):
        super().__init__()
        dim = rows * cols
        self.rows, self.cols = rows, cols
        hs, ws = conv_sizes(rows, len(channels)), conv_sizes(cols, len(channels))
        self.enc_conv = encoder == "conv"
        layers = []
        if self.enc_conv:
            in_c = 1
            for c in channels:
                layers += [nn.Conv2d(in_c, c, kernel_size=3, stride=2, padding=1), activation(act)]
                in_c = c
            layers.append(nn.Flatten())  # NCHW order, as vaelab's reshape of an NCHW array
            width = channels[-1] * hs[-1] * ws[-1]
        else:
            width = dim
            for h in hidden:
                layers += [nn.Linear(width, h), activation(act)]
                width = h
        self.encoder = nn.Sequential(*layers)
        self.mu = nn.Linear(width, latent)
        self.logvar = nn.Linear(width, latent)
        layers = []
        if decoder == "conv":
            L = len(channels)
            layers += [nn.Linear(latent, channels[-1] * hs[L] * ws[L]), activation(act),
                       nn.Unflatten(1, (channels[-1], hs[L], ws[L]))]
            for j in range(L):
                level = L - j  # from this encoder level back to level - 1
                in_c = channels[level - 1]
                out_c = 1 if level == 1 else channels[level - 2]
                k = (hs[level - 1] - 2 * hs[level] + 4, ws[level - 1] - 2 * ws[level] + 4)
                layers.append(nn.ConvTranspose2d(in_c, out_c, kernel_size=k, stride=2, padding=1))
                if j < L - 1:
                    layers.append(activation(act))
            layers.append(nn.Flatten())
        else:
            width = latent
            for h in reversed(hidden):
                layers += [nn.Linear(width, h), activation(act)]
                width = h
            layers.append(nn.Linear(width, dim))
        self.decoder = nn.Sequential(*layers)

    def forward(self, x, eps):
        mu, logvar = self.encode(x)
        z = mu + torch.exp(0.5 * logvar) * eps
        return self.decoder(z), mu, logvar

    def encode(self, x):
        h = self.encoder(x.view(-1, 1, self.rows, self.cols) if self.enc_conv else x)
        return self.mu(h), self.logvar(h)


class View(nn.Module):
    """x.view(-1, C, H, W): vaelab's reshape layer."""

    def __init__(self, shape):
        super().__init__()
        self.shape = tuple(shape)

    def forward(self, x):
        return x.reshape(x.shape[0], *self.shape)


ACTS = {"relu": nn.ReLU, "tanh": nn.Tanh, "elu": nn.ELU, "leaky_relu": nn.LeakyReLU, "sigmoid": nn.Sigmoid}


def sequential(spec, shape):
    """nn.Sequential from a vaelab layer list; shape is (C, H, W) or (F,). Returns (module, output shape)."""
    layers = []
    for item in spec:
        if isinstance(item, str):
            kind, opts, val = item, {}, None
        else:
            kinds = [k for k in item if k not in ("kernel", "stride", "padding", "output_padding")]
            kind, opts = kinds[0], item
            val = item[kind]
        if kind == "linear":
            layers.append(nn.Linear(shape[0], val))
            shape = (val,)
        elif kind in ("conv", "conv_transpose"):
            k, st = opts.get("kernel", 3), opts.get("stride", 1)
            pad = opts.get("padding", 0)
            if kind == "conv":
                m = nn.Conv2d(shape[0], val, k, stride=st, padding=pad)
            else:
                m = nn.ConvTranspose2d(shape[0], val, k, stride=st, padding=pad,
                                       output_padding=opts.get("output_padding", 0))
            layers.append(m)
            shape = tuple(m(torch.zeros(1, *shape)).shape[1:])
        elif kind == "maxpool":
            layers.append(nn.MaxPool2d(val))
            shape = (shape[0], shape[1] // val, shape[2] // val)
        elif kind == "upsample":
            layers.append(nn.Upsample(scale_factor=val, mode="nearest"))
            shape = (shape[0], shape[1] * val, shape[2] * val)
        elif kind == "layernorm":
            layers.append(nn.LayerNorm(list(shape)))
        elif kind == "batchnorm":
            layers.append(nn.BatchNorm2d(shape[0]) if len(shape) == 3 else nn.BatchNorm1d(shape[0]))
        elif kind in ACTS:
            layers.append(ACTS[kind]())
        elif kind == "flatten":
            layers.append(nn.Flatten())
            shape = (int(np.prod(shape)),)
        elif kind == "reshape":
            layers.append(View(val))
            shape = tuple(val)
        else:
            raise SystemExit(f"unknown layer {item!r}")
    return nn.Sequential(*layers), shape


class ListVae(nn.Module):
    """A VAE whose encoder and decoder are layer lists (vaelab's model.encoder/decoder as lists): the encoder
    reads the 1 x rows x cols image, its output is flattened into the mean and log-variance heads, and the
    decoder's output is flattened to rows*cols logits."""

    def __init__(self, rows, cols, enc, dec, latent):
        super().__init__()
        self.rows, self.cols = rows, cols
        self.encoder, shape = sequential(enc, (1, rows, cols))
        width = int(np.prod(shape))
        self.mu = nn.Linear(width, latent)
        self.logvar = nn.Linear(width, latent)
        self.decoder, out = sequential(dec, (latent,))
        if int(np.prod(out)) != rows * cols:
            raise SystemExit(f"decoder ends in {out}, need {rows * cols} values")

    def forward(self, x, eps):
        h = self.encoder(x.view(-1, 1, self.rows, self.cols)).flatten(1)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.exp(0.5 * logvar) * eps
        return self.decoder(z).flatten(1), mu, logvar

    def encode(self, x):
        h = self.encoder(x.view(-1, 1, self.rows, self.cols)).flatten(1)
        return self.mu(h), self.logvar(h)


def neg_elbo(out, x, mu, logvar, recon, beta):
    """Per-example sums over pixels / latent dims, mean over the batch; returns (loss, recon, kl)."""
    if recon == "bce":
        rec = F.binary_cross_entropy_with_logits(out, x, reduction="none").sum(1)
    else:
        # Unit-variance Gaussian NLL with mean sigmoid(logits), as vaelab's mse: 0.5 * squared error +
        # 0.5 * log(2 pi) per pixel.
        rec = (0.5 * (torch.sigmoid(out) - x) ** 2 + HALF_LOG_2PI).sum(1)
    kl = -0.5 * (1.0 + logvar - mu.pow(2) - logvar.exp()).sum(1)
    rec, kl = rec.mean(), kl.mean()
    return rec + beta * kl, rec, kl


def build(dim):
    torch.manual_seed(ARGS.seed)
    hidden = [int(h) for h in ARGS.hidden.split(",") if h]
    channels = [int(c) for c in ARGS.channels.split(",") if c]
    side = int(round(math.sqrt(dim)))
    if side * side != dim:
        raise SystemExit(f"images of {dim} pixels are not square; this script assumes square images")
    if "conv" in (ARGS.encoder, ARGS.decoder) and not channels:
        raise SystemExit("--channels: a conv encoder or decoder needs at least one channel count")
    if ARGS.encoder_layers or ARGS.decoder_layers:
        if not (ARGS.encoder_layers and ARGS.decoder_layers):
            raise SystemExit("--encoder-layers and --decoder-layers go together")
        model = ListVae(side, side, json.loads(ARGS.encoder_layers), json.loads(ARGS.decoder_layers), ARGS.latent)
    else:
        model = Vae(side, side, ARGS.encoder, ARGS.decoder, hidden, channels, ARGS.latent, ARGS.activation)
    opt = torch.optim.Adam(model.parameters(), lr=ARGS.lr)
    return model, opt


def train_step(model, opt, x):
    eps = torch.randn(x.shape[0], ARGS.latent)
    out, mu, logvar = model(x, eps)
    loss, rec, kl = neg_elbo(out, x, mu, logvar, ARGS.recon, ARGS.beta)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return loss, rec, kl


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def loadavg():
    """1-minute load average: the machine is shared, so every measurement records how busy it was."""
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except OSError:
        return -1.0


def model_fields():
    return {"encoder": ARGS.encoder, "decoder": ARGS.decoder, "hidden": ARGS.hidden, "channels": ARGS.channels,
            "latent": ARGS.latent, "activation": ARGS.activation}


def emit(obj):
    obj = {"impl": "torch", "torch": torch.__version__, **obj}
    if ARGS.tag:
        obj["tag"] = ARGS.tag
    print(json.dumps(obj, sort_keys=True), flush=True)


def speed():
    if ARGS.mnist:
        train, _ = load_mnist(ARGS.mnist)
        data = "mnist"
    else:
        g = torch.Generator().manual_seed(ARGS.seed)
        train = torch.rand(60000, 784, generator=g)
        data = "random"
    n, dim = train.shape
    model, opt = build(dim)
    b = ARGS.batch
    perm = torch.randperm(n)
    cursor = [0]

    def next_batch():
        # Batches are sliced from a shuffled copy (as a DataLoader with shuffle would hand over); the
        # gather happens once per pass over the data so it is not timed as a per-step cost twice.
        nonlocal perm
        if cursor[0] + b > n:
            perm = torch.randperm(n)
            cursor[0] = 0
        idx = perm[cursor[0]:cursor[0] + b]
        cursor[0] += b
        return train.index_select(0, idx)

    for _ in range(ARGS.warmup):
        train_step(model, opt, next_batch())
    rates, cpu_rates = [], []
    for r in range(ARGS.repeats):
        t0 = time.perf_counter()
        c0 = time.process_time()
        for _ in range(ARGS.steps):
            loss, _, _ = train_step(model, opt, next_batch())
        loss_value = float(loss)
        dt = time.perf_counter() - t0
        cpu = time.process_time() - c0
        rates.append(ARGS.steps * b / dt)
        cpu_rates.append(ARGS.steps * b / cpu)
        emit({"mode": "speed", "repeat": r, "batch": b, "threads": ARGS.threads, "blas_threads": ARGS.blas_threads, "steps": ARGS.steps,
              "samples_per_s": round(rates[-1], 1), "seconds": round(dt, 4), "cpu_seconds": round(cpu, 4),
              "samples_per_cpu_s": round(cpu_rates[-1], 1), "loadavg": loadavg(), "loss": round(loss_value, 3),
              "peak_rss_mb": round(peak_rss_mb(), 1), "data": data, **model_fields()})
    emit({"mode": "speed_summary", "batch": b, "threads": ARGS.threads, "blas_threads": ARGS.blas_threads,
          "median_samples_per_s": round(statistics.median(rates), 1),
          "min_samples_per_s": round(min(rates), 1), "max_samples_per_s": round(max(rates), 1),
          "median_samples_per_cpu_s": round(statistics.median(cpu_rates), 1),
          "peak_rss_mb": round(peak_rss_mb(), 1), "data": data, **model_fields()})


@torch.no_grad()
def evaluate(model, test, b=1000):
    """True negative ELBO (beta = 1, K = 1) with noise from a fixed generator so epochs compare fairly."""
    g = torch.Generator().manual_seed(12345)
    tot_rec = tot_kl = 0.0
    for i in range(0, test.shape[0], b):
        x = test[i:i + b]
        eps = torch.randn(x.shape[0], ARGS.latent, generator=g)
        out, mu, logvar = model(x, eps)
        _, rec, kl = neg_elbo(out, x, mu, logvar, ARGS.recon, 1.0)
        tot_rec += float(rec) * x.shape[0]
        tot_kl += float(kl) * x.shape[0]
    n = test.shape[0]
    return (tot_rec + tot_kl) / n, tot_rec / n, tot_kl / n


def elbo():
    if not ARGS.mnist:
        raise SystemExit("elbo mode needs --mnist FOLDER with the four raw MNIST IDX files")
    train, test = load_mnist(ARGS.mnist)
    n, dim = train.shape
    model, opt = build(dim)
    b = ARGS.batch
    for epoch in range(1, ARGS.epochs + 1):
        model.train()
        perm = torch.randperm(n)
        t0 = time.perf_counter()
        s_loss = s_rec = s_kl = 0.0
        seen = 0
        # The last partial batch is kept, as a DataLoader with drop_last=False would.
        for i in range(0, n, b):
            x = train.index_select(0, perm[i:i + b])
            loss, rec, kl = train_step(model, opt, x)
            m = x.shape[0]
            s_loss += float(loss) * m
            s_rec += float(rec) * m
            s_kl += float(kl) * m
            seen += m
        dt = time.perf_counter() - t0
        model.eval()
        t_loss, t_rec, t_kl = evaluate(model, test)
        emit({"mode": "elbo", "epoch": epoch, "batch": b, "threads": ARGS.threads,
              "train_loss": round(s_loss / seen, 4), "train_recon": round(s_rec / seen, 4),
              "train_kl": round(s_kl / seen, 4), "test_loss": round(t_loss, 4),
              "test_recon": round(t_rec, 4), "test_kl": round(t_kl, 4), "beta": ARGS.beta,
              "epoch_seconds": round(dt, 3), "train_samples_per_second": round(seen / dt, 1),
              "peak_rss_mb": round(peak_rss_mb(), 1), "recon": ARGS.recon, **model_fields(), "lr": ARGS.lr, "seed": ARGS.seed})


@torch.no_grad()
def loglik():
    """log p(x) ~ logmeanexp_s [log p(x|z_s) + log p(z_s) - log q(z_s|x)], z_s ~ q(z|x) (Burda et al. 2016)."""
    if not ARGS.mnist:
        raise SystemExit("loglik mode needs --mnist FOLDER with the four raw MNIST IDX files")
    _, test = load_mnist(ARGS.mnist)
    x = test[:ARGS.examples]
    n, dim = x.shape
    model, _ = build(dim)
    model.eval()
    g = torch.Generator().manual_seed(ARGS.seed)
    t0 = time.perf_counter()
    mu, logvar = model.encode(x)
    std = torch.exp(0.5 * logvar)
    d = mu.shape[1]
    chunk = max(1, 8192 // n)  # samples per decoder call: at most 8192 rows, as vaelab
    parts = []
    for s0 in range(0, ARGS.samples, chunk):
        k = min(chunk, ARGS.samples - s0)
        eps = torch.randn(k, n, d, generator=g)
        z = mu + std * eps
        logits = model.decoder(z.reshape(k * n, d)).reshape(k, n, dim)
        if ARGS.recon == "bce":
            log_px = -F.binary_cross_entropy_with_logits(logits, x.expand(k, n, dim), reduction="none").sum(2)
        else:
            log_px = -(0.5 * (torch.sigmoid(logits) - x) ** 2 + HALF_LOG_2PI).sum(2)
        log_pz = (-0.5 * z * z - HALF_LOG_2PI).sum(2)
        log_qz = (-0.5 * eps * eps - 0.5 * logvar - HALF_LOG_2PI).sum(2)
        parts.append(log_px + log_pz - log_qz)
    lw = torch.cat(parts, 0)
    ll = (torch.logsumexp(lw, 0) - math.log(ARGS.samples)).mean()
    dt = time.perf_counter() - t0
    emit({"mode": "loglik", "examples": n, "samples": ARGS.samples, "threads": ARGS.threads,
          "seconds": round(dt, 3), "loglik": round(float(ll), 3), "peak_rss_mb": round(peak_rss_mb(), 1),
          "loadavg": loadavg(), **model_fields()})


def sweep():
    """A plain PyTorch sweep loop: each run trains --epochs epochs and computes the test ELBO every epoch."""
    if not ARGS.mnist:
        raise SystemExit("sweep mode needs --mnist FOLDER with the four raw MNIST IDX files")
    train_all, test = load_mnist(ARGS.mnist)
    if ARGS.test_subset:
        test = test[:ARGS.test_subset]
    t_start = time.perf_counter()
    for run in json.loads(ARGS.runs):
        ARGS.latent, ARGS.beta = int(run["latent"]), float(run["beta"])
        g = torch.Generator().manual_seed(ARGS.seed)
        train = train_all
        if ARGS.subset:
            train = train_all.index_select(0, torch.randperm(train_all.shape[0], generator=g)[:ARGS.subset])
        n, dim = train.shape
        model, opt = build(dim)
        t0 = time.perf_counter()
        for epoch in range(1, ARGS.epochs + 1):
            model.train()
            perm = torch.randperm(n)
            for i in range(0, n, ARGS.batch):
                train_step(model, opt, train.index_select(0, perm[i:i + ARGS.batch]))
            model.eval()
            t_loss, _, _ = evaluate(model, test)
        emit({"mode": "sweep_run", "latent": ARGS.latent, "beta": ARGS.beta, "epochs": ARGS.epochs,
              "train_images": n, "test_loss": round(t_loss, 4), "seconds": round(time.perf_counter() - t0, 3)})
    emit({"mode": "sweep", "seconds": round(time.perf_counter() - t_start, 3), "peak_rss_mb": round(peak_rss_mb(), 1),
          "loadavg": loadavg()})


def describe():
    model, _ = build(784)
    emit({"mode": "describe", **model_fields(),
          "shapes": {k: list(v.shape) for k, v in model.named_parameters()},
          "parameters": sum(p.numel() for p in model.parameters())})


if __name__ == "__main__":
    {"speed": speed, "elbo": elbo, "describe": describe, "loglik": loglik, "sweep": sweep}[ARGS.mode]()
