"""Exports the MNIST energy models (train_energy.py) to the tfjs weights-manifest format of export.py:

  public/models/digits-energy-acsm/   A-DSM + A-CSM (normalised energy)
  public/models/digits-energy-dsm/    A-DSM only (the ablation)

each with model.json (kind "energy", architecture "energy-unet"), weights.bin, card.json (data, covariance
families, steps, losses, denoising quality) and fixture.json (four test digits under four covariance families:
inputs y and log v, PyTorch's U, grad_y U and dU/dlog v, NHWC float32, for the tfjs parity test).

  /usr/bin/python3 training/export_energy.py --runs training/runs --out public/models
  /usr/bin/python3 training/export_energy.py --random --out /tmp/energy-port   # untrained, perturbed weights:
                                                                             # checks the tfjs port only
"""
import argparse
import datetime
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import load_state_npz, write_json  # noqa: E402
from data import load_mnist  # noqa: E402
from energy_model import EMB, VAR_MAX, VAR_MIN, EnergyModel  # noqa: E402
from export import b64, nhwc, write_model  # noqa: E402
from models import EPS, GROUPS, n_params  # noqa: E402
from train_energy import FAMILIES, FAMILY_P, losses, sample_log_var  # noqa: E402

REGEN = 'bash training/regenerate-energy.sh'
MODELS = {'acsm': 'A-DSM + A-CSM', 'dsm': 'A-DSM only'}


class Exported(torch.nn.Module):
    """The state dict as tfjs wants it: data statistics as [28, 28, 1] (broadcast against NHWC batches)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def state_dict(self, *a, **k):
        sd = self.model.state_dict()
        return {name: (v.reshape(28, 28, 1) if name.startswith('data_') else v) for name, v in sd.items()}


def fixture_inputs(x, gen):
    """Four digits under four families: box 12x12 (sigma1 0.05), 100 random pixels, iso 0.1, a random field."""
    lv = torch.empty(4, 1, 28, 28)
    box = torch.full((28, 28), np.log(0.05 ** 2))
    box[8:20, 8:20] = np.log(VAR_MAX)
    lv[0, 0] = box
    k = torch.full((784,), np.log(VAR_MAX))
    k[torch.randperm(784, generator=gen)[:100]] = np.log(0.02 ** 2)
    lv[1, 0] = k.reshape(28, 28)
    lv[2] = np.log(0.1 ** 2)
    lv[3] = sample_log_var(64, gen)[-1]
    y = x + torch.exp(0.5 * lv) * torch.randn(x.shape, generator=gen)
    return y, lv


def grads(model, y, lv):
    y = y.clone().requires_grad_(True)
    lv = lv.clone().requires_grad_(True)
    u = model(y, lv)
    gy, glv = torch.autograd.grad(u.sum(), [y, lv])
    return u.detach(), gy, glv


def quality(model, x, seed):
    """Per-pixel MSE of the anisotropic Tweedie mean x_hat = y - v grad_y U on test digits, per problem."""
    gen = torch.Generator().manual_seed(seed)
    out = {}
    cases = {'noise0.1': ('iso', 0.1), 'noise0.3': ('iso', 0.3), 'box12-sigma0.05': ('box', 0.05), 'kpix100-sigma0.02': ('kpix', 0.02)}
    for name, (kind, s) in cases.items():
        lv = torch.full(x.shape, float(np.log(s * s)))
        region = torch.ones(x.shape, dtype=torch.bool)
        if kind == 'box':
            lv[:, :, 8:20, 8:20] = np.log(VAR_MAX)
            region = lv > np.log(VAR_MAX) - 1e-3
        elif kind == 'kpix':
            for j in range(x.shape[0]):
                hide = torch.ones(784, dtype=torch.bool)
                hide[torch.randperm(784, generator=gen)[:100]] = False
                lv[j, 0].view(-1)[hide] = np.log(VAR_MAX)
            region = lv > np.log(VAR_MAX) - 1e-3
        y = x + torch.exp(0.5 * lv) * torch.randn(x.shape, generator=gen)
        _, gy, _ = grads(model, y, lv)
        xhat = y - torch.exp(lv) * gy
        base = model.data_mean.expand_as(x)
        out[name] = {'mseTweedie': float(((xhat - x) ** 2)[region].mean()),
                     'mseDataMean': float(((base - x) ** 2)[region].mean()),
                     'region': 'hidden pixels' if kind in ('box', 'kpix') else 'all pixels'}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--runs', default='training/runs')
    ap.add_argument('--out', default='public/models')
    ap.add_argument('--random', action='store_true', help='export untrained, perturbed weights (port check)')
    ap.add_argument('--data', default=None)
    a = ap.parse_args()
    mn = load_mnist(a.data)
    train = torch.from_numpy(mn['train_images'].astype(np.float32) / 255).unsqueeze(1)
    test = torch.from_numpy(mn['test_images'].astype(np.float32) / 255).unsqueeze(1)
    date = datetime.date.today().isoformat()
    for tag, objective in MODELS.items():
        if a.random:
            tj = {'c0': 16, 'c1': 32, 'steps': 0}
            model = EnergyModel(train.mean(0), train.var(0, unbiased=False), 16, 32)
            g = torch.Generator().manual_seed(7 if tag == 'acsm' else 8)
            with torch.no_grad():
                for p in model.net.parameters():
                    p.add_(0.1 * torch.randn(p.shape, generator=g))
        else:
            run = os.path.join(a.runs, f'energy-{tag}')
            tj = json.load(open(os.path.join(run, 'train.json')))
            model = EnergyModel(torch.zeros(28, 28), torch.ones(28, 28), tj['c0'], tj['c1'])
            load_state_npz(os.path.join(run, 'energy.npz'), model)
        model.eval()
        gen = torch.Generator().manual_seed(2025)
        y, lv = fixture_inputs(test[:4], gen)
        u, gy, glv = grads(model, y, lv)
        fixture = {'inputs': {'shape': [4, 28, 28, 1], 'y': b64(nhwc(y)), 'logVar': b64(nhwc(lv))},
                   'outputs': {'u': b64(u.numpy()), 'gradY': b64(nhwc(gy)), 'gradLogVar': b64(nhwc(glv))},
                   'cases': ['box 12x12 hidden, sigma1 0.05', '100 random pixels seen, sigma1 0.02', 'isotropic 0.1',
                             'a random smooth log-variance field'],
                   'labels': mn['test_labels'][:4].tolist()}
        arch = {'type': 'energy-unet', 'c0': tj['c0'], 'c1': tj['c1'], 'emb': EMB, 'groups': GROUPS, 'eps': EPS,
                'varMin': VAR_MIN, 'varMax': VAR_MAX, 'params': n_params(model.net),
                'layout': 'NHWC y and log v [n, 28, 28, 1]; U = 1/2 sum yhat (yhat + g) + 1/2 sum c, '
                          'yhat = (y - data_mean) / sqrt(data_var + v); see training/energy_model.py'}
        card = {'objective': objective, 'date': date, 'command': REGEN,
                'data': 'MNIST training digits (60k) in [0, 1]; data_mean and data_var are their per-pixel statistics '
                        '(variance floored at 1e-4)',
                'covarianceFamilies': {f: p for f, p in zip(FAMILIES, FAMILY_P)},
                'covarianceNote': 'pixel-diagonal, v in [1e-4, 1e2]; see training/train_energy.py',
                'training': {k: tj.get(k) for k in ['steps', 'batch', 'lr', 'seed', 'minutes', 'threads', 'torch',
                                                    'csm_weight']},
                'testLosses': {'adsm': tj.get('test_adsm'), 'acsm': tj.get('test_acsm'),
                               'note': '512 test digits, covariances from the training families, one noise draw each'},
                'quality': None if a.random else quality(model, test[:256], 99)}
        meta = {'kind': 'energy', 'objective': objective, 'architecture': arch,
                'outputTransform': 'the network returns (g, c) per pixel; the exported model is the scalar U'}
        info = write_model(a.out, f'digits-energy-{tag}', Exported(model), meta, fixture, card)
        print(tag, 'exported', info['bytes'], 'bytes;', json.dumps(card['quality']))


if __name__ == '__main__':
    main()
