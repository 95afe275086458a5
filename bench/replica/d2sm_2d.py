"""
PyTorch replica of `tweedie train` on the 2-D densities gmm2 and ring8 (README: "The advantage of direct s2
grows with the dimension; in 2-D autodiff is as good or better"). Same model as src/models: an s1 MLP and a
separate s2 MLP (full symmetric head, 3 outputs), tanh, Adam, fresh samples every step, the joint objective
D2SM(-VR) + gamma DSM(-VR) in the sigma-weighted units of MATH.md section 2. Prints the MSE of s1, of the direct
s2 and of the autodiff Jacobian of s1 (symmetrised) against the exact scores of q_sigma on fresh noisy points.

  python3 bench/replica/d2sm_2d.py --density gmm2 --steps 2000 --vr 1 --seed 1
  --init torch | glorot (Glorot weights, zero biases, inputs standardised: like src/models/mlp.ts) | glorotb
  --centre 1 (no VR): the centred target (z + o1)(z + o1)^T - I for S, o1 = sigma s1 held fixed
"""
import torch, math, time, argparse
torch.set_num_threads(1)
p = argparse.ArgumentParser()
p.add_argument('--sigma', type=float, default=0.3)
p.add_argument('--steps', type=int, default=2000)
p.add_argument('--vr', type=int, default=1)
p.add_argument('--sg', type=int, default=0)
p.add_argument('--w1', type=int, default=64)
p.add_argument('--w2', type=int, default=64)
p.add_argument('--d1', type=int, default=2)
p.add_argument('--d2', type=int, default=2)
p.add_argument('--lr', type=float, default=2e-3)
p.add_argument('--lr2', type=float, default=0)
p.add_argument('--tail', type=float, default=0.0)
p.add_argument('--batch', type=int, default=256)
p.add_argument('--gamma', type=float, default=1.0)
p.add_argument('--seed', type=int, default=1)
p.add_argument('--c2', type=float, default=1.0)
p.add_argument('--centre', type=int, default=0)
p.add_argument('--density', default='gmm2')
p.add_argument('--init', default='torch', choices=['torch', 'glorot', 'glorotb', 'std'])
p.add_argument('--neval', type=int, default=4000)
a = p.parse_args()
torch.set_default_dtype(torch.float32)
def rot(sx, sy, th):
    R = torch.tensor([[math.cos(th), -math.sin(th)], [math.sin(th), math.cos(th)]], dtype=torch.float64)
    return R @ torch.diag(torch.tensor([sx*sx, sy*sy], dtype=torch.float64)) @ R.T
if a.density == 'gmm2':
    w = torch.tensor([0.4, 0.6], dtype=torch.float64)
    mu = torch.tensor([[-1.5, 0.8], [1.5, -0.6]], dtype=torch.float64)
    Cs = [rot(0.8, 0.2, math.pi/4), rot(0.7, 0.25, -math.pi/6)]
else:
    w = torch.full((8,), 1/8, dtype=torch.float64)
    mu = torch.tensor([[2*math.cos(k*math.pi/4), 2*math.sin(k*math.pi/4)] for k in range(8)], dtype=torch.float64)
    Cs = [torch.eye(2, dtype=torch.float64)*0.04 for _ in range(8)]
K = len(w)
Ls = [torch.linalg.cholesky(C) for C in Cs]
sig = a.sigma
Pn = [torch.linalg.inv(C + sig**2*torch.eye(2, dtype=torch.float64)) for C in Cs]
def sample(n, g=None):
    k = torch.multinomial(w, n, replacement=True, generator=g)
    e = torch.randn(n, 2, generator=g, dtype=torch.float64)
    out = torch.empty(n, 2, dtype=torch.float64)
    for kk in range(K):
        m = k == kk
        out[m] = mu[kk] + e[m] @ Ls[kk].T
    return out
def truth(x):
    lps = []; gs = []
    for kk in range(K):
        d = x - mu[kk]
        P = Pn[kk]
        C = Cs[kk] + sig**2*torch.eye(2, dtype=torch.float64)
        lp = math.log(w[kk]) - 0.5*(d @ P * d).sum(1) - 0.5*torch.logdet(2*math.pi*C)
        lps.append(lp); gs.append(-(d @ P))
    lps = torch.stack(lps, 1); r = torch.softmax(lps, 1)
    s1 = sum(r[:, k:k+1]*gs[k] for k in range(K))
    s2 = sum(r[:, k, None, None]*(-Pn[k][None] + gs[k][:, :, None]*gs[k][:, None, :]) for k in range(K)) - s1[:, :, None]*s1[:, None, :]
    return s1, s2
torch.manual_seed(a.seed)
def mlp(i, w, d, o):
    L = [torch.nn.Linear(i, w), torch.nn.Tanh()]
    for _ in range(d-1): L += [torch.nn.Linear(w, w), torch.nn.Tanh()]
    return torch.nn.Sequential(*L, torch.nn.Linear(w, o))
f1 = mlp(2, a.w1, a.d1, 2); f2 = mlp(2, a.w2, a.d2, 3)
def glorot(net, bias0=True):
    for m in net:
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.xavier_uniform_(m.weight)
            if bias0: torch.nn.init.zeros_(m.bias)
if a.init == 'glorot':
    glorot(f1); glorot(f2)
if a.init == 'glorotb':
    glorot(f1, False); glorot(f2, False)
xs = sample(20000)
shift = xs.mean(0).float(); scale = xs.std(0).float()
_f1, _f2 = f1, f2
if a.init in ('glorot', 'std', 'glorotb'):
    f1 = lambda X: _f1((X - shift) / scale)
    f2 = lambda X: _f2((X - shift) / scale)
lr2 = a.lr2 or a.lr
opt = torch.optim.Adam([{'params': _f1.parameters(), 'lr': a.lr}, {'params': _f2.parameters(), 'lr': lr2}])
def F2(X):
    o = a.c2 * f2(X)
    S = torch.stack([torch.stack([o[:,0], o[:,2]], 1), torch.stack([o[:,2], o[:,1]], 1)], 1)
    return S
def H(o1, S):
    o = o1.detach() if a.sg else o1
    return S + o[:, :, None]*o[:, None, :]
I = torch.eye(2)
t0 = time.time()
for step in range(a.steps):
    f = 0.1 if step >= a.steps*(1-a.tail) else 1
    opt.param_groups[0]['lr'] = a.lr*f; opt.param_groups[1]['lr'] = lr2*f
    x = sample(a.batch).float(); z = torch.randn(a.batch, 2)
    zz = z[:, :, None]*z[:, None, :] - I
    if a.vr:
        X = torch.cat([x+sig*z, x-sig*z, x]); o1 = f1(X); S = F2(X); n = a.batch
        op, om, oc = o1[:n], o1[n:2*n], o1[2*n:]
        hp, hm, hc = H(op, S[:n]), H(om, S[n:2*n]), H(oc, S[2*n:])
        first = (op**2).sum(1) + 2*(z*(op-oc)).sum(1)
        second = 0.5*(hp**2 + hm**2 - 2*zz*(hp+hm-2*hc)).sum((1, 2))
    else:
        X = x+sig*z; o1 = f1(X); S = F2(X)
        first = ((o1+z)**2).sum(1)
        if a.centre:
            u = z + o1.detach()
            second = ((S - (u[:, :, None]*u[:, None, :] - I))**2).sum((1, 2))
        else:
            second = ((H(o1, S) - zz)**2).sum((1, 2))
    loss = (second + a.gamma*first).mean()
    opt.zero_grad(); loss.backward(); opt.step()
el = time.time()-t0
g = torch.Generator().manual_seed(12345)
x = sample(a.neval, g)
xt64 = x + sig*torch.randn(a.neval, 2, generator=g, dtype=torch.float64)
s1t, s2t = truth(xt64)
xt = xt64.float().requires_grad_(True)
o1 = f1(xt)
direct = (F2(xt)/sig**2).detach().double()
ad = torch.zeros(a.neval, 2, 2)
for i in range(2):
    gi, = torch.autograd.grad(o1[:, i].sum(), xt, retain_graph=True)
    ad[:, i, :] = gi/sig
ad = 0.5*(ad + ad.transpose(1, 2)).double()
s1e = ((o1.detach().double()/sig - s1t)**2).mean().item()
print(f"{vars(a)} | s1 {s1e:.4f} direct {((direct-s2t)**2).mean():.4f} autodiff {((ad-s2t)**2).mean():.4f} | ref |s2|^2 {(s2t**2).mean():.2f} | {el:.0f}s")
