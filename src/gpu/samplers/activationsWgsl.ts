/**
 * The activations of the 2-D score models (src/models/activations.ts) in WGSL: each one's value and first
 * derivative (the derivative is what the forward-mode Jacobian of the autodiff Hessian needs). Written in forms
 * that stay finite in float32 for any input (no exp overflow, no builtin tanh, which some drivers return NaN for
 * at large |x|).
 *
 * Adding an activation: add its name to `ActivationName` (src/models/hyper.ts) and its tfjs form to
 * activations.ts; TypeScript then requires an entry here (`act(z)` and `actDeriv(z)`, z an f32), and the
 * parity test of test/gpu/fusedSamplers.gpu.test.ts should gain a model with it.
 */
import type { ActivationName } from '../../models/hyper.ts';

const SIGMOID = 'fn sigmoidF(z: f32) -> f32 { let e = exp(-abs(z)); return select(e / (1.0 + e), 1.0 / (1.0 + e), z >= 0.0); }';

const BODIES: Record<ActivationName, { value: string; deriv: string }> = {
  softplus: { value: 'return max(z, 0.0) + log(1.0 + exp(-abs(z)));', deriv: 'return sigmoidF(z);' },
  tanh: { value: 'let e = exp(-2.0 * abs(z)); return sign(z) * (1.0 - e) / (1.0 + e);', deriv: 'let y = act(z); return 1.0 - y * y;' },
  silu: { value: 'return z * sigmoidF(z);', deriv: 'let s = sigmoidF(z); return s + z * s * (1.0 - s);' },
  relu: { value: 'return max(z, 0.0);', deriv: 'return select(0.0, 1.0, z > 0.0);' },
};

/** WGSL defining `act(z)`, `actDeriv(z)` and `sigmoidF(z)` for one activation (also `softplusF` for the psd head). */
export function activationWgsl(name: ActivationName): string {
  const b = BODIES[name];
  return `${SIGMOID}
fn softplusF(z: f32) -> f32 { return max(z, 0.0) + log(1.0 + exp(-abs(z))); }
fn act(z: f32) -> f32 { ${b.value} }
fn actDeriv(z: f32) -> f32 { ${b.deriv} }
`;
}
