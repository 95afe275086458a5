import type { ExplainerContent } from '../../components/Explainer.tsx';

/** MATH.md sections 1 and 4 (images). */
export const digitsExplainer: ExplainerContent = {
  summary:
    'Pretrained MNIST models give, for a noisy digit you draw, the denoised mean, a per-pixel uncertainty map, and the ' +
    'directions of largest uncertainty, from a low-rank second-order score.',
  equations: [
    { tex: String.raw`s_2^\theta(\tilde x) = \mathrm{diag}(d) + U U^\top,\quad U \in \mathbb R^{784 \times r}`, caption: 'Low-rank second-order score.' },
    {
      tex: String.raw`\mathrm{Cov}[x \mid \tilde x] = \sigma^4 s_2^\theta(\tilde x) + \sigma^2 I`,
      caption: 'Its diagonal is the variance map; its leading eigenvectors (from an $r \\times r$ problem) are the alternatives the model hesitates between.',
    },
  ],
  look: [
    'The standard-deviation map: uncertainty concentrates on ambiguous strokes.',
    'The top eigenvectors, each between the Tweedie mean ∓ 2√λ v and their classes: they show which strokes the model is unsure of, and where the classifier label changes at the ends, the digit it could also be (the direction of the noise itself, where the learned factorisation has an artefact, is projected out).',
    'The chains: Langevin and Ozaki (diagonal s2) from your digit, and how often they change class after N steps (paper Fig. 8a).',
    'The timing: the Hessian diagonal by autodiff of s1 against one s2 evaluation (paper Table 2: about 500×).',
  ],
  tryThis:
    'Press “time it”: one evaluation of the low-rank $s_2$ head gives the whole posterior covariance, while the diagonal of the Hessian ' +
    'by autodiff of $s_1$ needs one backward pass per pixel. On WASM the quick run measures autodiff thousands of times slower ' +
    '(5,100× on the 2-core machine this lab was built on; the paper reports about 500× for a U-Net on a GPU).',
  tryScenario: 'why-direct-s2',
};
