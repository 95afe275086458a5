"""Trains the MNIST energy model of paper 2 (energy_model.py) by A-DSM + A-CSM (MATH.md section 5), or by A-DSM
alone (--no-csm, the ablation), on pixel-diagonal covariances Sigma = diag(v):

  A-DSM  (1/D)   || eps - sqrt(v) * grad_y U(y, v) ||^2
  A-CSM  (1/D^2) sum_i ( v_i dU/dv_i - (1 - eps_i^2) / 2 )^2,    v_i dU/dv_i = dU/d(log v_i)
  y = x + sqrt(v) eps,  D = 784,  loss = A-DSM + lambda * A-CSM  (lambda = 1)

Both need grad_y U and grad_{log v} U inside the loss: the loss is differentiated again (create_graph=True).

Covariance families (log v maps), so that every Sigma the Digits lab's inverse problems and its annealed sampler
visit is in the training distribution (v in [VAR_MIN, VAR_MAX], log-uniform levels):
  iso    v = t everywhere                                                        (denoising)
  box    a W x H box (W, H in 1..28, anywhere) at variance a, the rest at b <= a; half with a = VAR_MAX (the
         inpainting observation itself), a third with the box edge blurred (levels between b and a on its rim)
  kpix   k pixels (k log-uniform in 1..784) at b, the rest at a >= b              (random k-pixel observation)
  field  a smooth random log-variance field (7x7 noise, bilinear to 28x28)       (energy-guided schedules)

  /usr/bin/python3 training/train_energy.py --out training/runs/energy-acsm --max-minutes 55 --threads 1
  /usr/bin/python3 training/train_energy.py --out training/runs/energy-dsm --no-csm --max-minutes 55 --threads 1
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import EMA, save_state_npz, seed_all, write_json  # noqa: E402
from data import load_mnist  # noqa: E402
from energy_model import VAR_MAX, VAR_MIN, EnergyModel  # noqa: E402
from models import n_params  # noqa: E402

D = 784
LMIN, LMAX = math.log(VAR_MIN), math.log(VAR_MAX)
FAMILIES = ('iso', 'box', 'kpix', 'field')
FAMILY_P = (0.2, 0.35, 0.3, 0.15)


def uniform(n, lo, hi, gen):
    return lo + (hi - lo) * torch.rand(n, generator=gen)


def two_levels(n, gen):
    """(b, a) log-variances per sample with b <= a; half the samples at a = LMAX."""
    b = uniform(n, LMIN, LMAX, gen)
    a = b + (LMAX - b) * torch.rand(n, generator=gen)
    top = torch.rand(n, generator=gen) < 0.5
    a = torch.where(top, torch.full_like(a, LMAX), a)
    return b, a


def box_masks(n, gen):
    w = torch.randint(1, 29, (n,), generator=gen)
    h = torch.randint(1, 29, (n,), generator=gen)
    x0 = (torch.rand(n, generator=gen) * (29 - w)).long()
    y0 = (torch.rand(n, generator=gen) * (29 - h)).long()
    idx = torch.arange(28)
    cols = (idx[None, :] >= x0[:, None]) & (idx[None, :] < (x0 + w)[:, None])
    rows = (idx[None, :] >= y0[:, None]) & (idx[None, :] < (y0 + h)[:, None])
    m = (rows[:, :, None] & cols[:, None, :]).float().unsqueeze(1)
    soft = torch.rand(n, generator=gen) < 1 / 3
    if soft.any():
        blurred = F.avg_pool2d(F.pad(m, (1, 1, 1, 1), mode='replicate'), 3, stride=1)
        m = torch.where(soft[:, None, None, None], blurred, m)
    return m


def kpix_masks(n, gen):
    k = torch.exp(uniform(n, 0.0, math.log(D), gen)).round().clamp(1, D)
    scores = torch.rand(n, D, generator=gen)
    ranks = scores.argsort(dim=1).argsort(dim=1)
    seen = (ranks < k[:, None]).float()
    return (1 - seen).reshape(n, 1, 28, 28)  # 1 = hidden (variance a)


def field_maps(n, gen):
    coarse = torch.randn(n, 1, 7, 7, generator=gen)
    f = F.interpolate(coarse, size=(28, 28), mode='bilinear', align_corners=False)
    f = (f - f.amin(dim=(2, 3), keepdim=True)) / (f.amax(dim=(2, 3), keepdim=True) - f.amin(dim=(2, 3), keepdim=True) + 1e-6)
    lo = uniform(n, LMIN, LMAX, gen)
    hi = lo + (LMAX - lo) * torch.rand(n, generator=gen)
    return lo[:, None, None, None] + (hi - lo)[:, None, None, None] * f


def sample_log_var(n, gen):
    """(n, 1, 28, 28) log-variance maps drawn from the families above."""
    fam = torch.multinomial(torch.tensor(FAMILY_P), n, replacement=True, generator=gen)
    out = torch.empty(n, 1, 28, 28)
    for j, name in enumerate(FAMILIES):
        sel = (fam == j).nonzero().flatten()
        m = sel.numel()
        if m == 0:
            continue
        if name == 'iso':
            out[sel] = uniform(m, LMIN, LMAX, gen)[:, None, None, None].expand(m, 1, 28, 28)
        elif name == 'field':
            out[sel] = field_maps(m, gen)
        else:
            mask = box_masks(m, gen) if name == 'box' else kpix_masks(m, gen)
            b, a = two_levels(m, gen)
            out[sel] = b[:, None, None, None] + (a - b)[:, None, None, None] * mask
    return out


def losses(model, x, lv, eps, csm):
    """(A-DSM, A-CSM) per sample; both differentiable in the parameters. D = pixels per image (784 on MNIST)."""
    D = x[0].numel()
    v = torch.exp(lv)
    y = (x + torch.sqrt(v) * eps).requires_grad_(True)
    lv = lv.clone().requires_grad_(csm)
    u = model(y, lv)
    inputs = [y, lv] if csm else [y]
    grads = torch.autograd.grad(u.sum(), inputs, create_graph=True)
    dsm = ((eps - torch.sqrt(v) * grads[0]) ** 2).sum(dim=(1, 2, 3)) / D
    if not csm:
        return dsm, torch.zeros_like(dsm)
    target = 0.5 * (1 - eps ** 2)
    return dsm, ((grads[1] - target) ** 2).sum(dim=(1, 2, 3)) / D ** 2


def evaluate(model, images, seed, csm, n=512, batch=128):
    gen = torch.Generator().manual_seed(seed)
    tot = np.zeros(2)
    for i in range(0, n, batch):
        x = images[i:i + batch]
        lv = sample_log_var(x.shape[0], gen)
        eps = torch.randn(x.shape, generator=gen)
        dsm, cs = losses(model, x, lv, eps, True)
        tot += [dsm.sum().item(), cs.sum().item()]
    return (tot / n).tolist()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('--no-csm', action='store_true', help='A-DSM only (the ablation)')
    ap.add_argument('--csm-weight', type=float, default=1.0)
    ap.add_argument('--steps', type=int, default=100000)
    ap.add_argument('--max-minutes', type=float, default=55)
    ap.add_argument('--batch', type=int, default=48)
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--c0', type=int, default=24)
    ap.add_argument('--c1', type=int, default=48)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--threads', type=int, default=0)
    ap.add_argument('--data', default=None)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    seed_all(args.seed)
    os.makedirs(args.out, exist_ok=True)
    mn = load_mnist(args.data)
    train = torch.from_numpy(mn['train_images'].astype(np.float32) / 255).unsqueeze(1)
    test = torch.from_numpy(mn['test_images'].astype(np.float32) / 255).unsqueeze(1)
    model = EnergyModel(train.mean(0), train.var(0, unbiased=False), args.c0, args.c1)
    csm = not args.no_csm
    opt = torch.optim.Adam(model.net.parameters(), lr=args.lr)
    ema = EMA(model, 0.999)
    gen = torch.Generator().manual_seed(args.seed + 1)
    log = open(os.path.join(args.out, 'log.jsonl'), 'w')
    t0 = time.time()
    budget = args.max_minutes * 60
    warm = 200
    step = 0
    run_dsm = run_csm = None
    while step < args.steps and time.time() - t0 < budget:
        frac = max(step / args.steps, (time.time() - t0) / budget)
        lr = args.lr * min(1.0, (step + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(frac, 1.0)))
        for g in opt.param_groups:
            g['lr'] = lr
        idx = torch.randint(0, train.shape[0], (args.batch,), generator=gen)
        x = train[idx]
        lv = sample_log_var(args.batch, gen)
        eps = torch.randn(x.shape, generator=gen)
        dsm, cs = losses(model, x, lv, eps, csm)
        loss = dsm.mean() + (args.csm_weight * cs.mean() if csm else 0)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.net.parameters(), 1.0)
        opt.step()
        ema.update(model)
        step += 1
        d, c = dsm.mean().item(), cs.mean().item()
        run_dsm = d if run_dsm is None else 0.98 * run_dsm + 0.02 * d
        run_csm = c if run_csm is None else 0.98 * run_csm + 0.02 * c
        if step % 50 == 0 or step == 1:
            rec = {'step': step, 'seconds': round(time.time() - t0, 1), 'lr': lr, 'adsm': run_dsm, 'acsm': run_csm}
            log.write(json.dumps(rec) + '\n')
            log.flush()
            print(json.dumps(rec), flush=True)
    ema.copy_to(model)
    save_state_npz(os.path.join(args.out, 'energy.npz'), model)
    test_dsm, test_csm = evaluate(model, test, 12345, csm)
    write_json(os.path.join(args.out, 'train.json'), {
        'objective': 'A-DSM + A-CSM' if csm else 'A-DSM only',
        'csm_weight': args.csm_weight if csm else 0,
        'steps': step, 'batch': args.batch, 'lr': args.lr, 'seed': args.seed,
        'minutes': round((time.time() - t0) / 60, 1), 'threads': torch.get_num_threads(),
        'c0': args.c0, 'c1': args.c1, 'params': n_params(model.net),
        'test_adsm': test_dsm, 'test_acsm': test_csm,
        'torch': torch.__version__,
    })
    print('done', step, 'steps; test A-DSM', test_dsm, 'A-CSM', test_csm)


if __name__ == '__main__':
    main()
