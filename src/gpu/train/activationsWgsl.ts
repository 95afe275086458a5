/**
 * The MLP activations in WGSL, each as `act(x) -> vec2<f32>(f(x), f'(x))`: the forward pass stores f'(x) next to
 * f(x) and the backward pass multiplies the incoming gradient by it. The value formulas are tfjs-backend-webgpu's
 * own (softplus with its thresholds, tanh through e^{−2|x|}, sigmoid as 1/(1 + e^{−x})), so the fused forward pass
 * matches the op-by-op one to rounding; derivatives are those of `models/activations.ts`.
 *
 * To add an activation: add its name to `ACTIVATIONS` (models/hyper.ts) and its tfjs form to models/activations.ts,
 * then one entry here returning vec2(value, derivative); the fused step and its parity test pick it up.
 */
import type { ActivationName } from '../../models/hyper.ts';

/** sigmoid_ and softplus_ as tfjs-backend-webgpu computes them (also used by the PSD head). */
const HELPERS = `fn sigmoid_(x: f32) -> f32 { return 1.0 / (1.0 + exp(-1.0 * x)); }
fn softplus_(x: f32) -> f32 {
  let threshold = log(1.1920928955078125e-7) + 2.0;
  let e = exp(x);
  if (x > -threshold) { return x; }
  if (x < threshold) { return e; }
  return log(e + 1.0);
}`;

const BODIES: Record<ActivationName, string> = {
  softplus: `
  return vec2<f32>(softplus_(x), sigmoid_(x));`,
  tanh: `
  let e2x = exp(-2.0 * abs(x));
  let t = sign(x) * (1.0 - e2x) / (1.0 + e2x);
  return vec2<f32>(t, 1.0 - t * t);`,
  silu: `
  let s = sigmoid_(x);
  return vec2<f32>(x * s, s + x * (s * (1.0 - s)));`,
  relu: `
  return vec2<f32>(max(x, 0.0), select(0.0, 1.0, x > 0.0));`,
};

/** WGSL of `fn act(x: f32) -> vec2<f32>` (value, derivative) for an activation, with the helpers sigmoid_ and softplus_. */
export function activationWgsl(name: ActivationName): string {
  const body = BODIES[name];
  if (!body) throw new Error(`the fused training step has no WGSL for the activation "${name}"`);
  return `${HELPERS}\nfn act(x: f32) -> vec2<f32> {${body}\n}`;
}

/** Whether the fused step has this activation. */
export function hasActivationWgsl(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(BODIES, name);
}
