# PyTorch mirror of vaelab's VAE graphs (see org.vaelab.model's package-info): rebuilds the forward pass
# and objective from the parameters TorchMirrorTest exports, in float64, and prints the largest differences
# as JSON. Also the reference for how vaelab's parameter layouts map to torch's.
# usage: /usr/bin/python3 torch_mirror.py export.json ENC DEC REC K EST FREE_BITS ACT
#        /usr/bin/python3 torch_mirror.py export.json LAYERS   (a layer list: loss, gradients, running statistics)
import json, sys, math, torch, torch.nn.functional as F
torch.set_default_dtype(torch.float64)

def layers_mode(d):
    # our layouts: linear W [in,out]; conv W [kH,kW,in,out]; conv_transpose W [kH,kW,out,in]; norm W,b in
    # PyTorch's shapes. Leaves in our layouts, so autograd gives gradients in them.
    P = {k: torch.tensor(v['data']).reshape(v['shape']).requires_grad_() for k, v in d['params'].items()}
    S = {k: torch.tensor(v) for k, v in d['state'].items()}
    training, side, n, K = d['training'], d['side'], d['n'], d['K']
    acts = {'relu': F.relu, 'leaky_relu': lambda t: F.leaky_relu(t, 0.01), 'elu': F.elu, 'tanh': torch.tanh,
            'sigmoid': torch.sigmoid}
    nxt = {}
    def run(layers, h):
        for L in layers:
            k, nm = L['kind'], L['name']
            if k == 'linear': h = h @ P[nm + '_W'] + P[nm + '_b']
            elif k == 'conv':
                pad = 'same' if L['same'] else (L['padH'], L['padW'])
                h = F.conv2d(h, P[nm + '_W'].permute(3, 2, 0, 1), P[nm + '_b'], stride=L['stride'], padding=pad)
            elif k == 'conv_transpose':
                h = F.conv_transpose2d(h, P[nm + '_W'].permute(3, 2, 0, 1), P[nm + '_b'], stride=L['stride'],
                                       padding=(L['padH'], L['padW']), output_padding=(L['outPadH'], L['outPadW']))
            elif k == 'maxpool': h = F.max_pool2d(h, L['k'])
            elif k == 'upsample': h = F.interpolate(h, scale_factor=L['k'], mode='nearest')
            elif k == 'layernorm': h = F.layer_norm(h, h.shape[1:], P[nm + '_W'], P[nm + '_b'], 1e-5)
            elif k == 'batchnorm':
                rm, rv = S[nm + '_mean'].clone(), S[nm + '_var'].clone()
                h = F.batch_norm(h, rm, rv, P[nm + '_W'], P[nm + '_b'], training=training, momentum=0.1, eps=1e-5)
                nxt[nm + '_mean'], nxt[nm + '_var'] = rm, rv
            elif k == 'flatten': h = h.flatten(1)
            elif k == 'reshape': h = h.reshape(-1, L['channels'], L['height'], L['width'])
            else: h = acts[k](h)
        return h
    D, lat = side * side, 3
    x = torch.tensor(d['x']).reshape(n, D); eps = torch.tensor(d['eps']).reshape(K * n, lat)
    h = run(d['encoder'], x.reshape(n, 1, side, side))
    mu, lv = h @ P['enc_mu_W'] + P['enc_mu_b'], h @ P['enc_logvar_W'] + P['enc_logvar_b']
    z = mu.repeat(K, 1) + torch.exp(0.5 * lv.repeat(K, 1)) * eps
    logits = run(d['decoder'], z).reshape(-1, D)
    r = F.binary_cross_entropy_with_logits(logits, x.repeat(K, 1), reduction='none').sum(1)
    loss = r.mean() + 0.7 * (0.5 * (mu ** 2 + lv.exp() - 1 - lv)).sum(1).mean()
    loss.backward()
    def cmp(a, b): return (torch.tensor(a).reshape(b.shape) - b.detach()).abs().max().item()
    gworst = max(cmp(d['grads'][k], P[k].grad) / max(1.0, P[k].grad.abs().max().item()) for k in P)
    sworst = max([cmp(d['next_state'][k], nxt[k]) for k in d['next_state']] or [0.0])
    print(json.dumps({"mu": cmp(d['mu'], mu), "logvar": cmp(d['logvar'], lv), "logits": cmp(d['logits'], logits),
                      "loss": abs(d['loss'] - loss.item()), "torch_loss": loss.item(), "grads": gworst,
                      "next_state": sworst, "state_entries": len(d['next_state'])}))

if sys.argv[2] == 'LAYERS':
    layers_mode(json.load(open(sys.argv[1])))
    sys.exit(0)
d = json.load(open(sys.argv[1])); enc, dec, rec, K, est, fb, act = sys.argv[2:9]
K = int(K); fb = float(fb)
P = {k: torch.tensor(v['data']).reshape(v['shape']) for k, v in d['params'].items()}
A = {'RELU': F.relu, 'TANH': torch.tanh, 'ELU': F.elu, 'LEAKY_RELU': lambda t: F.leaky_relu(t, 0.01)}[act]
hidden, ch, D, lat = [20, 12], [4, 8, 16], 784, 3
def lin(h, name): return h @ P[name + '_W'] + P[name + '_b']   # our W is [in,out] = torch weight.T
n = 5
x = torch.tensor(d['x']).reshape(n, D); eps = torch.tensor(d['eps']).reshape(K * n, lat)
# encoder
if enc == 'MLP':
    h = x
    for i in range(len(hidden)): h = A(lin(h, f'enc_dense{i}'))
else:
    h = x.reshape(n, 1, 28, 28)
    for i in range(len(ch)):
        w = P[f'enc_conv{i}_W'].permute(3, 2, 0, 1)   # [kH,kW,in,out] -> [out,in,kH,kW]
        h = A(F.conv2d(h, w, P[f'enc_conv{i}_b'], stride=2, padding=1))
    h = h.flatten(1)
mu, lv = lin(h, 'enc_mu'), lin(h, 'enc_logvar')
z = mu.repeat(K, 1) + torch.exp(0.5 * lv.repeat(K, 1)) * eps
if dec == 'MLP':
    h = z
    for j in range(len(hidden)): h = A(lin(h, f'dec_dense{j}'))
    logits = lin(h, f'dec_dense{len(hidden)}')
else:
    sizes = [28]
    for _ in ch: sizes.append((sizes[-1] - 1) // 2 + 1)
    h = A(lin(z, 'dec_dense0')).reshape(-1, ch[-1], sizes[-1], sizes[-1])
    L = len(ch)
    for j in range(L):
        lev = L - j
        w = P[f'dec_deconv{j}_W'].permute(3, 2, 0, 1)  # [kH,kW,out,in] -> [in,out,kH,kW]
        h = F.conv_transpose2d(h, w, P[f'dec_deconv{j}_b'], stride=2, padding=1)
        assert h.shape[-1] == sizes[lev - 1], (h.shape, sizes)
        if j < L - 1: h = A(h)
    logits = h.reshape(-1, D)
xK = x.repeat(K, 1)
if rec == 'BCE':
    r = F.binary_cross_entropy_with_logits(logits, xK, reduction='none').sum(1)
else:
    r = 0.5 * ((xK - torch.sigmoid(logits)) ** 2).sum(1) + 0.5 * D * math.log(2 * math.pi)
kld = 0.5 * (mu ** 2 + lv.exp() - 1 - lv)
beta = 0.7
if est == 'ELBO':
    klt = torch.clamp(kld.mean(0), min=fb).sum() if fb > 0 else kld.sum(1).mean()
    loss = r.mean() + beta * klt
else:
    lr_ = -0.5 * (z ** 2).sum(1) + 0.5 * (eps ** 2 + lv.repeat(K, 1)).sum(1)
    lw = (-r + beta * lr_).reshape(K, n)
    loss = -(torch.logsumexp(lw, 0) - math.log(K)).mean()
def cmp(a, b): return (torch.tensor(a).reshape(b.shape) - b).abs().max().item()
print(json.dumps({"mu": cmp(d['mu'], mu), "logvar": cmp(d['logvar'], lv), "logits": cmp(d['logits'], logits),
                  "loss": abs(d['loss'] - loss.item()), "torch_loss": loss.item()}))
