/**
 * The activations of the 2-D score models (src/models/activations.ts) in WGSL, shared by the fused sampler and
 * training kernels. Values use tfjs-backend-webgpu's own formulas (softplus with its thresholds, tanh through
 * e^{−2|x|}, sigmoid as 1/(1 + e^{−x})), so fused passes match the op-by-op reference to rounding; derivatives
 * are those of models/activations.ts. The WGSL defines, for one activation:
 * - `act(x)`: f(x); `actDeriv(x)`: f'(x); `actPair(x)`: vec2(f(x), f'(x)) (a forward pass that stores f' for its
 *   backward pass);
 * - `sigmoidF(x)` and `softplusF(x)`, which the psd s2 head also uses.
 *
 * Adding an activation: add its name to `ACTIVATIONS` (models/hyper.ts) and its tfjs form to activations.ts;
 * TypeScript then requires an entry here (value and derivative of an f32 `x`), and the parity tests of
 * test/gpu/fusedSamplers.gpu.test.ts and fusedTrain.gpu.test.ts should gain a model with it.
 */
import type { ActivationName } from '../models/hyper.ts';

const HELPERS = `fn sigmoidF(x: f32) -> f32 { return 1.0 / (1.0 + exp(-1.0 * x)); }
fn softplusF(x: f32) -> f32 {
  let threshold = log(1.1920928955078125e-7) + 2.0;
  let e = exp(x);
  return select(select(log(e + 1.0), e, x < threshold), x, x > -threshold);
}`;

/** Body of `fn actPair(x: f32) -> vec2<f32>` per activation: (f(x), f'(x)). */
const PAIRS: Record<ActivationName, string> = {
  softplus: 'return vec2<f32>(softplusF(x), sigmoidF(x));',
  tanh: 'let e2x = exp(-2.0 * abs(x)); let t = sign(x) * (1.0 - e2x) / (1.0 + e2x); return vec2<f32>(t, 1.0 - t * t);',
  silu: 'let s = sigmoidF(x); return vec2<f32>(x * s, s + x * (s * (1.0 - s)));',
  relu: 'return vec2<f32>(max(x, 0.0), select(0.0, 1.0, x > 0.0));',
};

/** Whether the fused kernels have WGSL for this activation. */
export function hasActivationWgsl(name: string): name is ActivationName {
  return Object.prototype.hasOwnProperty.call(PAIRS, name);
}

/** WGSL defining `actPair`, `act`, `actDeriv`, `sigmoidF` and `softplusF` for one activation. */
export function activationWgsl(name: ActivationName): string {
  if (!hasActivationWgsl(name)) throw new Error(`the fused WebGPU kernels have no WGSL for the activation "${name}"`);
  return `${HELPERS}
fn actPair(x: f32) -> vec2<f32> { ${PAIRS[name]} }
fn act(x: f32) -> f32 { return actPair(x).x; }
fn actDeriv(x: f32) -> f32 { return actPair(x).y; }
`;
}
