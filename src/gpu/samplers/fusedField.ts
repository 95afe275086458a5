/**
 * Score sources evaluated at many points, one dispatch per field, all in one submission (issue 16, "grid fields"):
 * s1 = ∇ log p, and when asked s2 = ∇² log p (D×D, row-major) and log p (sources that have one), at every point —
 * the quantities the Scores lab's panels draw on a grid (`train.fields`). Each field runs the same WGSL `evalField`
 * the fused samplers use (source.ts), so a learned model's s1θ with its direct s2θ head or its autodiff Hessian
 * (the symmetrised Jacobian of s1θ, MATH.md section 2), or the exact mixture's s1, s2, log q (MATH.md section 6),
 * cost one dispatch each instead of tfjs's op-by-op graph (and its reverse-mode Jacobian).
 */
import { tfjsDevice } from '../device.ts';
import { createBuffer, destroyBuffer, readBack } from '../buffers.ts';
import { compileSource, type CompiledSource, type FusedScoreSource } from './source.ts';
import { WORKGROUP_SIZE } from './stepWgsl.ts';

/** One field to evaluate: a source, and whether its s2 is wanted. */
export interface FusedFieldRequest {
  source: FusedScoreSource;
  /** Also evaluate s2 (default false). */
  hessian?: boolean;
}

export interface FusedFieldValues {
  /** s1 at each point, [n·D]. */
  s1: Float32Array;
  /** s2 at each point, [n·D·D] row-major (when asked). A diagonal head fills the diagonal and leaves zeros. */
  s2?: Float32Array;
  /** log p at each point, [n] (when the source has one; up to the source's constant). */
  logp?: Float32Array;
}

/**
 * The kernel of one field: invocation p evaluates point p and writes OUT = [s1 (n·D) | s2 (n·D·D) | log p (n)],
 * each block written only when the field has it.
 */
function fieldShader(src: CompiledSource, hessian: boolean): string {
  const D = src.dim;
  return /* wgsl */ `
const D: u32 = ${D}u;
const DD: u32 = ${D * D}u;
const NEED_H: bool = ${hessian};
const HAS_LOGP: bool = ${src.logp};
struct Params { n: u32, pad0: u32, pad1: u32, pad2: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> POINTS: array<f32>;
@group(0) @binding(2) var<storage, read_write> OUT: array<f32>;
@group(0) @binding(3) var<storage, read> MODEL: array<f32>;
var<private> fx: array<f32, D>;
var<private> fG: array<f32, D>;
var<private> fH: array<f32, DD>;
var<private> fLogp: f32;
${src.wgsl}
@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let p = gid.x;
  let n = P.n;
  if (p >= n) { return; }
  for (var i = 0u; i < D; i++) { fx[i] = POINTS[p * D + i]; }
  evalField();
  for (var i = 0u; i < D; i++) { OUT[p * D + i] = fG[i]; }
  if (NEED_H) { for (var i = 0u; i < DD; i++) { OUT[n * D + p * DD + i] = fH[i]; } }
  if (HAS_LOGP) { OUT[n * (D + DD) + p] = fLogp; }
}
`;
}

/** Pipelines by shader text: a model's shader depends on its architecture only (weights are data), so it compiles once. */
const pipelines = new WeakMap<GPUDevice, Map<string, Promise<GPUComputePipeline>>>();

function pipelineFor(device: GPUDevice, code: string): Promise<GPUComputePipeline> {
  let byCode = pipelines.get(device);
  if (!byCode) pipelines.set(device, (byCode = new Map()));
  let p = byCode.get(code);
  if (!p) {
    const module = device.createShaderModule({ code, label: 'fused field' });
    p = module.getCompilationInfo().then((info) => {
      const errors = info.messages.filter((m) => m.type === 'error');
      if (errors.length) throw new Error(`the fused field kernel does not compile: ${errors.map((m) => `line ${m.lineNum}: ${m.message}`).join('; ')}`);
      return device.createComputePipelineAsync({ label: 'fused field', layout: 'auto', compute: { module, entryPoint: 'main' } });
    });
    byCode.set(code, p);
    p.catch(() => byCode!.delete(code));
  }
  return p;
}

/**
 * Each requested field at `points` ([n·D], row-major) on tfjs's WebGPU device: one dispatch per field, one
 * submission and one read-back for all. Sources are read when called (a learned model's current weights).
 */
export async function evaluateFusedFields(points: Float32Array, requests: readonly FusedFieldRequest[]): Promise<FusedFieldValues[]> {
  if (requests.length === 0) return [];
  const device = tfjsDevice();
  const compiled = await Promise.all(requests.map((r) => compileSource(r.source)));
  const D = compiled[0].dim;
  if (compiled.some((c) => c.dim !== D)) throw new Error(`fused fields: every source must have the same dimension, got ${compiled.map((c) => c.dim).join(', ')}`);
  if (points.length % D !== 0 || points.length === 0) throw new Error(`fused fields: points must hold n·${D} numbers (n ≥ 1), got ${points.length}`);
  const n = points.length / D;
  const maxGroups = device.limits.maxComputeWorkgroupsPerDimension;
  if (Math.ceil(n / WORKGROUP_SIZE) > maxGroups) throw new Error(`fused fields: at most ${maxGroups * WORKGROUP_SIZE} points per call on this device, got ${n}`);
  const pipes = await Promise.all(compiled.map((c, k) => pipelineFor(device, fieldShader(c, !!requests[k].hessian))));
  const outBytes = n * (D + D * D + 1) * 4;
  const S = GPUBufferUsage.STORAGE;
  const DST = GPUBufferUsage.COPY_DST;
  const made: GPUBuffer[] = [];
  const buffer = (size: number, usage: GPUBufferUsageFlags, label: string) => {
    const b = createBuffer(device, size, usage, label);
    made.push(b);
    return b;
  };
  try {
    const params = buffer(16, GPUBufferUsage.UNIFORM | DST, 'fused field parameters');
    const pts = buffer(points.byteLength, S | DST, 'fused field points');
    device.queue.writeBuffer(params, 0, Uint32Array.of(n, 0, 0, 0));
    device.queue.writeBuffer(pts, 0, points);
    const encoder = device.createCommandEncoder({ label: 'fused fields' });
    const pass = encoder.beginComputePass();
    const outs = compiled.map((c, k) => {
      const out = buffer(outBytes, S | GPUBufferUsage.COPY_SRC, 'fused field values');
      const model = buffer(c.data.byteLength, S | DST, 'fused field source');
      device.queue.writeBuffer(model, 0, c.data);
      pass.setPipeline(pipes[k]);
      pass.setBindGroup(0, device.createBindGroup({
        layout: pipes[k].getBindGroupLayout(0),
        entries: [params, pts, out, model].map((b, binding) => ({ binding, resource: { buffer: b } })),
      }));
      pass.dispatchWorkgroups(Math.ceil(n / WORKGROUP_SIZE));
      return out;
    });
    pass.end();
    const bytes = await readBack(device, encoder, outs, outBytes);
    return bytes.map((b, k) => {
      const all = new Float32Array(b);
      const s1 = all.slice(0, n * D);
      const s2 = requests[k].hessian ? all.slice(n * D, n * (D + D * D)) : undefined;
      const logp = compiled[k].logp ? all.slice(n * (D + D * D), n * (D + D * D + 1)) : undefined;
      return { s1, ...(s2 ? { s2 } : {}), ...(logp ? { logp } : {}) };
    });
  } finally {
    for (const b of made) destroyBuffer(b);
  }
}
