"""
PyTorch replica of `tweedie train --density gauss100 --s2 diag --stop-grad` (README, Table 1 and the dimension
table): a D-dimensional correlated Gaussian (eigenvalues log-spaced in [0.1, 10], a random rotation), s1 and a
separate diagonal s2 MLP (tanh), Adam, the joint objective with or without VR. Prints the MSE of the direct
diagonal s2 and of the autodiff diagonal of the Jacobian of s1 against the closed form of q_sigma (and of p).

  python3 bench/replica/d2sm_gauss.py --dim 100 --sigma 0.1 --steps 1500 --vr 1 --pre 1 --seed 1
  --pre 1: the s2 head's output scale c = sigma^2 / mean(v + sigma^2) (`--s2-scale auto`); 3: the s1 head scaled
  the same way too; 2: both heads as a Gaussian skip plus the network
  --centre 1 (no VR): the centred target (z + o1)^2 - 1 for the diagonal S
"""
import torch, math, sys, time, argparse
torch.set_num_threads(1)
p = argparse.ArgumentParser()
p.add_argument('--sigma', type=float, default=0.1)
p.add_argument('--steps', type=int, default=2000)
p.add_argument('--vr', type=int, default=1)
p.add_argument('--sg', type=int, default=1)
p.add_argument('--w2', type=int, default=128)   # s2 width
p.add_argument('--lr', type=float, default=2e-3)
p.add_argument('--tail', type=float, default=0.3)
p.add_argument('--batch', type=int, default=256)
p.add_argument('--gamma', type=float, default=1.0)
p.add_argument('--seed', type=int, default=1)
p.add_argument('--dim', type=int, default=100)
p.add_argument('--centre', type=int, default=0)
p.add_argument('--pre', type=int, default=0)  # 1: S = c2*net ; 2: + skips on both
a = p.parse_args()
torch.manual_seed(2021)
D = a.dim
Q, _ = torch.linalg.qr(torch.randn(D, D, dtype=torch.float64))
ev = torch.logspace(-1, 1, D, dtype=torch.float64)
C = (Q * ev) @ Q.T
L = torch.linalg.cholesky(C).float()
sig = a.sigma
Pn = torch.linalg.inv(C + sig**2 * torch.eye(D, dtype=torch.float64)).float()
Pc = torch.linalg.inv(C).float()
torch.manual_seed(a.seed)
def mlp(i, w, o): return torch.nn.Sequential(torch.nn.Linear(i, w), torch.nn.Tanh(), torch.nn.Linear(w, w), torch.nn.Tanh(), torch.nn.Linear(w, o))
f1 = mlp(D, 128, D); f2 = mlp(D, a.w2, D)
opt = torch.optim.Adam(list(f1.parameters()) + list(f2.parameters()), lr=a.lr)
sd2 = float(ev.mean())
c2 = sig**2 / (sig**2 + sd2)
c1 = sig * sd2**0.5 / (sig**2 + sd2)
def F1(X):
    o = f1(X)
    if a.pre == 3: o = c1 * o
    return o - sig * X / (sig**2 + sd2) if a.pre == 2 else o
def F2(X):
    S = f2(X)
    if a.pre in (1, 3): S = c2 * S
    if a.pre == 2: S = S - c2
    return S
def H(o1, S):
    o = o1.detach() if a.sg else o1
    return S + o * o
t0 = time.time()
for step in range(a.steps):
    lr = a.lr * (0.1 if step >= a.steps * (1 - a.tail) else 1)
    for g in opt.param_groups: g['lr'] = lr
    x = torch.randn(a.batch, D) @ L.T
    z = torch.randn(a.batch, D)
    if a.vr:
        X = torch.cat([x + sig * z, x - sig * z, x])
        o1 = F1(X); S = F2(X)
        n = a.batch
        op, om, oc = o1[:n], o1[n:2*n], o1[2*n:]
        hp, hm, hc = H(op, S[:n]), H(om, S[n:2*n]), H(oc, S[2*n:])
        first = (op**2).sum(1) + 2 * (z * (op - oc)).sum(1)
        Dz = 1 - z**2
        second = 0.5 * (hp**2 + hm**2 + 2 * Dz * (hp + hm - 2 * hc)).sum(1)
    else:
        X = x + sig * z
        o1 = F1(X); S = F2(X)
        first = ((o1 + z)**2).sum(1)
        if a.centre:
            u = z + o1.detach()
            second = ((S - (u**2 - 1))**2).sum(1)
        else:
            second = ((H(o1, S) - (z**2 - 1))**2).sum(1)
    loss = (second + a.gamma * first).mean()
    opt.zero_grad(); loss.backward(); opt.step()
el = time.time() - t0
g = torch.Generator().manual_seed(99)
x = torch.randn(500, D, generator=g) @ L.T
xt = (x + sig * torch.randn(500, D, generator=g)).requires_grad_(True)
o1 = F1(xt)
direct = (F2(xt) / sig**2).detach()
ad = torch.zeros(500, D)
for i in range(D):
    gi, = torch.autograd.grad(o1[:, i].sum(), xt, retain_graph=True)
    ad[:, i] = gi[:, i] / sig
tn = -torch.diag(Pn); tc = -torch.diag(Pc)
s1true = -(xt.detach() @ Pn)
s1err = ((o1.detach() / sig - s1true)**2).mean().item()
inh = direct - (tn + s1true**2 - (o1.detach()/sig)**2)  # residual beyond inheritance
print(f"centre={a.centre} pre={a.pre} sig={sig} vr={a.vr} sg={a.sg} steps={a.steps} w2={a.w2} | direct {((direct-tn)**2).mean():.5f} autodiff {((ad-tn)**2).mean():.5f} | vs clean: direct {((direct-tc)**2).mean():.5f} ad {((ad-tc)**2).mean():.5f} | s1mse {s1err:.5f} inherit-part {(( (s1true**2 - (o1.detach()/sig)**2))**2).mean():.5f} rest {(inh**2).mean():.5f} | {el:.1f}s")
