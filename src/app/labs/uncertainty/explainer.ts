import type { ExplainerContent } from '../../components/Explainer.tsx';

/** MATH.md sections 1 and 4. */
export const uncertaintyExplainer: ExplainerContent = {
  summary:
    'Given one noisy point $\\tilde x$, Tweedie\'s formula turns the scores into the mean and the covariance of what the clean ' +
    'point could have been: a best guess, and how unsure to be about it.',
  equations: [
    { tex: String.raw`\mathbb E[x \mid \tilde x] = \tilde x + \sigma^2 s_1(\tilde x)`, caption: 'First-order Tweedie: the posterior mean.' },
    {
      tex: String.raw`\mathrm{Cov}[x \mid \tilde x] = \sigma^4 s_2(\tilde x) + \sigma^2 I \;\succeq\; 0`,
      caption: 'Second-order Tweedie: the posterior covariance, drawn as 1σ and 2σ ellipses. A learned $s_2$ can break positivity: such ellipses are drawn dashed.',
    },
  ],
  look: [
    'The learned ellipse against the exact one: they agree where the model is good (near the data) and drift apart where it is not (far out, where it saw few samples).',
    'The cloud of exact posterior samples around the Tweedie mean: the ellipse is its Gaussian summary.',
    'The field of ellipses coloured by their error (W2 or KL) against the exact covariance, with the count of non-PSD predictions.',
    'Point estimate vs uncertainty: the same means, with and without the covariance that says how far to trust them.',
  ],
  tryThis:
    'On gmm2 at $\\sigma = 1$, put the noisy point half-way between the two modes: the exact posterior stretches from one mode to the ' +
    'other, its longest axis twice as long as at either mode, because the clean point could be in either. At $\\sigma = 0.3$ the same ' +
    'point is too far from both modes for that: the posterior is a small round blob.',
  tryScenario: 'between-modes',
};
