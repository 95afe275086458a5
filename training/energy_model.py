"""The MNIST energy model of paper 2 (MATH.md section 5): U(y, Sigma) ~ -log p(y | Sigma) for pixel-diagonal
Sigma = diag(v), v > 0 per pixel.

    y_hat = (y - m) / sqrt(d + v)                     (m, d: per-pixel mean and variance of the training digits)
    (g, c) = UNet(y_hat, log v)                       (two output channels per pixel)
    U(y, v) = 1/2 sum_i y_hat_i (y_hat_i + g_i) + 1/2 sum_i c_i + 1/2 sum_i log(2 pi (d_i + v_i))

This is the homogeneous-coordinate form of the 2-D lab, U = 1/2 <y~, f> with y~ = (y - m, 1),
f_i = (y_hat_i + g_i) / sqrt(d_i + v_i) and the constant coordinate's partner
f_0 = sum_i c_i + sum_i log(2 pi (d_i + v_i)): with g = c = 0, U is exactly the normalised energy of the Gaussian
N(m, diag(d) + Sigma), and the network learns corrections. c carries the Sigma-dependent part of the constant that
the Gaussian gets wrong; A-CSM pins it down (with A-DSM alone it is left free: the ablation). Without the analytic
log-det, c has to learn 1/2 log v per pixel from the 1/D^2-weighted A-CSM alone: a first model trained that way
(8k steps) placed box sizes right but its log p(y | sigma1) kept rising up to the grid's largest sigma1.

Sigma enters by gain modulation (paper 2, after EDM): every normalised activation is multiplied by (1 + e) before
its SiLU, x <- SiLU(GN(x) * (1 + e)), with e a 1x1 convolution of an embedding of the log-variance map at that
resolution (the embedding: two 3x3 convolutions with SiLU on the rescaled log v, average-pooled to 14x14 and 7x7).

Ops are those of models.py (3x3 / 1x1 convolutions, GroupNorm with 8 groups, SiLU, 2x2 average pooling,
nearest 2x upsampling, concatenation) so src/models/inverse/networkEnergy.ts can port it op for op (NHWC).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from models import EPS, GROUPS, avgpool2, upsample2

VAR_MIN = 1e-4
VAR_MAX = 1e2
# log v is rescaled to [-1, 1] over [VAR_MIN, VAR_MAX]
LOG_MID = 0.5 * (math.log(VAR_MIN) + math.log(VAR_MAX))
LOG_HALF = 0.5 * (math.log(VAR_MAX) - math.log(VAR_MIN))
DATA_VAR_FLOOR = 1e-4
EMB = 16


class GainBlock(nn.Module):
    """ResBlock whose two normalised activations are gain-modulated: SiLU(GN(x) * (1 + e))."""

    def __init__(self, cin, cout):
        super().__init__()
        self.norm1 = nn.GroupNorm(GROUPS, cin, eps=EPS)
        self.gain1 = nn.Conv2d(EMB, cin, 1)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm2 = nn.GroupNorm(GROUPS, cout, eps=EPS)
        self.gain2 = nn.Conv2d(EMB, cout, 1)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None
        for g in (self.gain1, self.gain2):
            nn.init.zeros_(g.weight)
            nn.init.zeros_(g.bias)

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x) * (1 + self.gain1(emb))))
        h = self.conv2(F.silu(self.norm2(h) * (1 + self.gain2(emb))))
        s = x if self.skip is None else self.skip(x)
        return s + h


class EnergyNet(nn.Module):
    """(y_hat, log v) -> (g, c), 28x28 -> 28x28x2, resolutions 28/14/7 with channels (c0, c1, c1)."""

    def __init__(self, c0=24, c1=48):
        super().__init__()
        self.c0, self.c1 = c0, c1
        self.emb1 = nn.Conv2d(1, EMB, 3, padding=1)
        self.emb2 = nn.Conv2d(EMB, EMB, 3, padding=1)
        self.conv_in = nn.Conv2d(2, c0, 3, padding=1)
        self.down0 = GainBlock(c0, c0)
        self.down1 = GainBlock(c0, c1)
        self.mid = GainBlock(c1, c1)
        self.up1 = GainBlock(c1 + c1, c1)
        self.up0 = GainBlock(c1 + c0, c0)
        self.norm_out = nn.GroupNorm(GROUPS, c0, eps=EPS)
        self.gain_out = nn.Conv2d(EMB, c0, 1)
        self.conv_out = nn.Conv2d(c0, 2, 3, padding=1)
        for g in (self.gain_out, self.conv_out):
            nn.init.zeros_(g.weight)
            nn.init.zeros_(g.bias)

    def forward(self, yhat, lv_scaled):
        e0 = F.silu(self.emb2(F.silu(self.emb1(lv_scaled))))
        e1 = avgpool2(e0)
        e2 = avgpool2(e1)
        h = self.conv_in(torch.cat([yhat, lv_scaled], dim=1))
        h0 = self.down0(h, e0)
        h1 = self.down1(avgpool2(h0), e1)
        mid = self.mid(avgpool2(h1), e2)
        u1 = self.up1(torch.cat([upsample2(mid), h1], dim=1), e1)
        u0 = self.up0(torch.cat([upsample2(u1), h0], dim=1), e0)
        return self.conv_out(F.silu(self.norm_out(u0) * (1 + self.gain_out(e0))))


class EnergyModel(nn.Module):
    """U(y, log v) per image, with the data statistics m, d as buffers."""

    def __init__(self, mean, var, c0=24, c1=48):
        super().__init__()
        self.net = EnergyNet(c0, c1)
        self.register_buffer('data_mean', mean.reshape(1, 1, 28, 28).clone())
        self.register_buffer('data_var', var.clamp_min(DATA_VAR_FLOOR).reshape(1, 1, 28, 28).clone())

    def forward(self, y, lv):
        """y, lv: (B, 1, 28, 28). Returns U: (B,)."""
        s = torch.sqrt(self.data_var + torch.exp(lv))
        yhat = (y - self.data_mean) / s
        out = self.net(yhat, (lv - LOG_MID) / LOG_HALF)
        g, c = out[:, 0:1], out[:, 1:2]
        logdet = torch.log(2 * math.pi * (self.data_var + torch.exp(lv)))
        return 0.5 * (yhat * (yhat + g) + c + logdet).sum(dim=(1, 2, 3))
