import type { ExplainerContent } from '../../components/Explainer.tsx';

/** MATH.md sections 1-2. */
export const scoresExplainer: ExplainerContent = {
  summary:
    'Add Gaussian noise of size $\\sigma$ to samples of a 2-D density $p$ and train two small networks by denoising: ' +
    '$s_1^\\theta$ learns the score $\\nabla \\log q_\\sigma$ of the noisy density, and $s_2^\\theta$ learns its Hessian ' +
    '$\\nabla^2 \\log q_\\sigma$ directly, instead of differentiating $s_1^\\theta$.',
  equations: [
    {
      tex: String.raw`\tilde x = x + \sigma z,\quad z\sim\mathcal N(0, I),\qquad \mathcal L_{\mathrm{DSM}} = \mathbb E\,\big\|\sigma\, s_1^\theta(\tilde x) + z\big\|^2`,
      caption: 'First order (DSM): the best $s_1^\\theta$ is the score of the noisy density.',
    },
    {
      tex: String.raw`\mathcal L_{\mathrm{D2SM}} = \mathbb E\,\big\|\sigma^2 h^\theta(\tilde x) - (z z^\top - I)\big\|_F^2,\qquad h^\theta = s_2^\theta + s_1^\theta {s_1^\theta}^{\!\top}`,
      caption: 'Second order (D2SM), because $\\mathbb E[(zz^\\top - I)/\\sigma^2 \\mid \\tilde x] = s_2(\\tilde x) + s_1 s_1^\\top$.',
    },
  ],
  look: [
    'The learned $s_1$ arrows beside the true ones, and the error heat-map: where is the model wrong?',
    'The second-order glyphs: the direct $s_2^\\theta$ against autodiff $\\nabla s_1^\\theta$ against the truth.',
    'The metrics table: MSE of $s_2$ direct vs autodiff (the paper\'s Table 1) and the time per evaluation (Table 2). ' +
      'In 2-D the Jacobian of a well-trained $s_1^\\theta$ is hard to beat and the two run close. The paper makes its accuracy claim in 50 to 100 dimensions; ' +
      'the README reproduces its direction on the 100-d gauss100 from the tweedie command line.',
  ],
  tryThis:
    'Set up ring8 at $\\sigma = 0.1$ with VR off, press Start, and after a few hundred steps turn VR on: the per-sample loss variance ' +
    'falls by two to three orders of magnitude (about 250 to under 1). At the default $\\sigma = 0.3$ the same toggle gains about ten times ' +
    'early in training and much less later: VR matters most at small $\\sigma$.',
  tryScenario: 'vr-small-sigma',
};
