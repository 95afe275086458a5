"""Checks of the digits energy model's training objective (train_energy.py) against closed forms, float64, fixed
seeds. Run: /usr/bin/python3 training/test_energy.py (npm test runs it when PyTorch is installed).

1. On a Gaussian prior N(m, diag(c)) in any dimension d, the exact energy
   U = 1/2 sum (y - m)^2 / (c + v) + 1/2 sum log(2 pi (c + v)) has
   - anisotropic Tweedie mean y - v grad_y U = E[x | y] = m + c (y - m) / (c + v)  (exact),
   - E[A-DSM] = (1/d) sum c / (c + v)  (Monte Carlo, 200k draws, within 4 standard errors),
   - E[A-CSM] = (1/d^2) sum E[(v dU/dv - (1 - eps^2)/2)^2] = (1/d^2) sum Var[(1 - eps^2)/2 | y] averaged over y,
     with the A-CSM target's conditional mean equal to v dU/dv (the covariance Tweedie identity):
     checked by sampling x | y for fixed y.
2. On a tiny energy network, the gradient of the loss (which contains grad_y U and grad_logv U: double backprop)
   matches central finite differences in every parameter checked (relative error < 1e-5).
"""
import math
import os
import sys
import unittest

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from energy_model import EnergyModel  # noqa: E402
from train_energy import losses, sample_log_var  # noqa: E402

torch.set_default_dtype(torch.float64)


class GaussianEnergy(torch.nn.Module):
    """Exact U(y, log v) for x ~ N(m, diag(c)), images (B, 1, H, W)."""

    def __init__(self, m, c):
        super().__init__()
        self.m, self.c = m, c

    def forward(self, y, lv):
        s = self.c + torch.exp(lv)
        return 0.5 * (((y - self.m) ** 2) / s + torch.log(2 * math.pi * s)).sum(dim=(1, 2, 3))


class GaussianClosedForms(unittest.TestCase):
    def setUp(self):
        g = torch.Generator().manual_seed(0)
        self.shape = (1, 1, 4, 4)  # d = 16
        self.m = torch.rand(self.shape, generator=g)
        self.c = 0.02 + 0.1 * torch.rand(self.shape, generator=g)
        self.U = GaussianEnergy(self.m, self.c)
        self.g = g

    def test_tweedie_mean(self):
        lv = torch.log(torch.full(self.shape, 0.3)).expand(5, 1, 4, 4).clone()
        lv[:, :, :2] = math.log(100.0)  # some pixels "hidden"
        y = torch.randn((5, 1, 4, 4), generator=self.g).requires_grad_(True)
        gy, = torch.autograd.grad(self.U(y, lv).sum(), [y])
        xhat = y - torch.exp(lv) * gy
        want = self.m + self.c * (y - self.m) / (self.c + torch.exp(lv))
        self.assertLess((xhat - want).abs().max().item(), 1e-12)

    def test_expected_losses(self):
        n = 200_000
        d = 16
        lv = sample_log_var(1, torch.Generator().manual_seed(3)).double()[:, :, :4, :4].expand(n, 1, 4, 4).clone()
        v = torch.exp(lv[0:1])
        x = self.m + torch.sqrt(self.c) * torch.randn((n, 1, 4, 4), generator=self.g)
        eps = torch.randn((n, 1, 4, 4), generator=self.g)
        dsm, csm = losses(self.U, x, lv, eps, True)
        want_dsm = (self.c / (self.c + v)).sum().item() / d
        se = dsm.detach().std().item() / math.sqrt(n)
        self.assertLess(abs(dsm.mean().item() - want_dsm), 4 * se)
        # A-CSM at the exact energy: the residual is target - E[target | y]; its expected square per pixel is
        # Var[(1 - eps^2)/2 | y] = E[(1 - eps^2)^2 / 4] - (v dU/dv)^2, averaged over y.
        y = (x + torch.sqrt(v) * eps).requires_grad_(True)
        lvr = lv.clone().requires_grad_(True)
        _, glv = torch.autograd.grad(self.U(y, lvr).sum(), [y, lvr])
        want_csm = (((1 - eps ** 2) ** 2 / 4) - glv ** 2).sum(dim=(1, 2, 3)).mean().item() / d ** 2
        se = csm.detach().std().item() / math.sqrt(n)
        self.assertLess(abs(csm.mean().item() - want_csm), 4 * se + 1e-12)

    def test_acsm_target_conditional_mean(self):
        # For fixed y: E[(1 - eps^2)/2 | y] with eps = (y - x)/sqrt(v), x ~ p(x | y), equals v dU/dv.
        n = 400_000
        v = torch.full(self.shape, 0.05)
        v[..., 0, :] = 2.0
        y = self.m + 0.3 * torch.randn(self.shape, generator=self.g)
        post_var = self.c * v / (self.c + v)
        post_mean = self.m + self.c * (y - self.m) / (self.c + v)
        x = post_mean + torch.sqrt(post_var) * torch.randn((n, 1, 4, 4), generator=self.g)
        target = 0.5 * (1 - (y - x) ** 2 / v)
        yy = y.clone().requires_grad_(True)
        lv = torch.log(v).requires_grad_(True)
        _, glv = torch.autograd.grad(self.U(yy, lv).sum(), [yy, lv])
        se = target.std(dim=0) / math.sqrt(n)
        self.assertLess(((target.mean(dim=0) - glv[0]).abs() / se).max().item(), 4.5)


class DoubleBackprop(unittest.TestCase):
    def test_loss_gradient_matches_finite_differences(self):
        torch.manual_seed(0)
        g = torch.Generator().manual_seed(1)
        model = EnergyModel(torch.rand(28, 28, generator=g), 0.05 + 0.1 * torch.rand(28, 28, generator=g), c0=8, c1=8).double()
        with torch.no_grad():
            for p in model.net.parameters():
                p.add_(0.1 * torch.randn(p.shape, generator=g))
        x = torch.rand((2, 1, 28, 28), generator=g)
        lv = sample_log_var(2, g).double()
        eps = torch.randn((2, 1, 28, 28), generator=g)

        def loss():
            dsm, csm = losses(model, x, lv, eps, True)
            return dsm.mean() + csm.mean()

        params = dict(model.net.named_parameters())
        grads = dict(zip(params, torch.autograd.grad(loss(), list(params.values()))))
        checked = 0
        for name in ['conv_in.weight', 'down0.gain1.weight', 'mid.conv2.weight', 'up0.norm1.weight', 'conv_out.weight', 'conv_out.bias', 'emb1.weight']:
            p = params[name]
            for idx in [0, p.numel() // 2, p.numel() - 1]:
                h = 1e-6
                flat = p.data.view(-1)
                old = flat[idx].item()
                flat[idx] = old + h
                up = loss().item()
                flat[idx] = old - h
                down = loss().item()
                flat[idx] = old
                fd = (up - down) / (2 * h)
                ad = grads[name].reshape(-1)[idx].item()
                self.assertLess(abs(fd - ad), 1e-5 * max(1.0, abs(fd)), f'{name}[{idx}]: autograd {ad}, finite differences {fd}')
                checked += 1
        self.assertEqual(checked, 21)


if __name__ == '__main__':
    unittest.main(verbosity=1)
