/**
 * A score source evaluated at many points in one dispatch (issue 16, item "grid fields"): s1 = ∇ log p, and when
 * asked s2 = ∇² log p (D×D, row-major) and log p (sources that have one), for every point — the quantities the
 * panels draw on a grid, from the same WGSL `evalField` the fused samplers use (source.ts), so a learned model's
 * s1, direct s2 or autodiff Hessian, or the exact mixture's s1, s2, log q, cost one dispatch instead of tfjs's
 * op-by-op graph (and its reverse-mode Jacobian).
 */
import { tfjsDevice } from '../device.ts';
import { createBuffer, destroyBuffer, readBack } from '../buffers.ts';
import { compileSource, type CompiledSource, type FusedScoreSource } from './source.ts';
import { WORKGROUP_SIZE } from './stepWgsl.ts';

export interface FusedFieldValues {
  /** s1 at each point, [n·D]. */
  s1: Float32Array;
  /** s2 at each point, [n·D·D] (when asked). */
  s2?: Float32Array;
  /** log p at each point, [n] (when asked and the source has one; up to the source's constant). */
  logp?: Float32Array;
}

function fieldShader(src: CompiledSource, hessian: boolean): string {
  const D = src.dim;
  return /* wgsl */ `
const D: u32 = ${D}u;
const DD: u32 = ${D * D}u;
const NEED_H: bool = ${hessian};
const ROW: u32 = D + DD + 1u;
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
  if (p >= P.n) { return; }
  for (var i = 0u; i < D; i++) { fx[i] = POINTS[p * D + i]; }
  evalField();
  for (var i = 0u; i < D; i++) { OUT[p * ROW + i] = fG[i]; }
  if (NEED_H) { for (var i = 0u; i < DD; i++) { OUT[p * ROW + D + i] = fH[i]; } }
  OUT[p * ROW + D + DD] = fLogp;
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
 * s1 (and s2 with `hessian`, and log p where the source has one) of `source` at `points` ([n·D], row-major), in one
 * dispatch on tfjs's WebGPU device; the source is read when called (a learned model's current weights).
 */
export async function evaluateFusedField(source: FusedScoreSource, points: Float32Array, opts: { hessian?: boolean } = {}): Promise<FusedFieldValues> {
  const device = tfjsDevice();
  const src = await compileSource(source);
  const D = src.dim;
  if (points.length % D !== 0 || points.length === 0) throw new Error(`fused field: points must hold n·${D} numbers (n ≥ 1), got ${points.length}`);
  const n = points.length / D;
  if (Math.ceil(n / WORKGROUP_SIZE) > device.limits.maxComputeWorkgroupsPerDimension) throw new Error(`fused field: at most ${device.limits.maxComputeWorkgroupsPerDimension * WORKGROUP_SIZE} points per call, got ${n}`);
  const hessian = !!opts.hessian;
  const pipeline = await pipelineFor(device, fieldShader(src, hessian));
  const row = D + D * D + 1;
  const S = GPUBufferUsage.STORAGE;
  const DST = GPUBufferUsage.COPY_DST;
  const params = createBuffer(device, 16, GPUBufferUsage.UNIFORM | DST, 'fused field parameters');
  const pts = createBuffer(device, points.byteLength, S | DST, 'fused field points');
  const out = createBuffer(device, n * row * 4, S | GPUBufferUsage.COPY_SRC, 'fused field values');
  const model = createBuffer(device, src.data.byteLength, S | DST, 'fused field source');
  try {
    device.queue.writeBuffer(params, 0, Uint32Array.of(n, 0, 0, 0));
    device.queue.writeBuffer(pts, 0, points);
    device.queue.writeBuffer(model, 0, src.data);
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [params, pts, out, model].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const encoder = device.createCommandEncoder({ label: 'fused field' });
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(Math.ceil(n / WORKGROUP_SIZE));
    pass.end();
    const [bytes] = await readBack(device, encoder, [out], n * row * 4);
    const all = new Float32Array(bytes);
    const s1 = new Float32Array(n * D);
    const s2 = hessian ? new Float32Array(n * D * D) : undefined;
    const logp = src.logp ? new Float32Array(n) : undefined;
    for (let p = 0; p < n; p++) {
      s1.set(all.subarray(p * row, p * row + D), p * D);
      s2?.set(all.subarray(p * row + D, p * row + D + D * D), p * D * D);
      if (logp) logp[p] = all[p * row + D + D * D];
    }
    return { s1, ...(s2 ? { s2 } : {}), ...(logp ? { logp } : {}) };
  } finally {
    for (const b of [params, pts, out, model]) destroyBuffer(b);
  }
}
