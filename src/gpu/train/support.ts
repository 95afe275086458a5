/**
 * Which training configurations the fused WebGPU step runs (the trainer falls back to the op-by-op tfjs step
 * otherwise, and says why): every activation with WGSL, every head and objective of MATH.md section 2, within
 * the device's buffer limits and a dimension bound for the matrix-valued D2SM (its per-row work is O(D²·r)).
 */
import type { ScoreModelSpec } from '../../models/scoreModelSpec.ts';
import { hasActivationWgsl } from '../activationsWgsl.ts';
import { ADAM_WORKGROUP } from './kernelWgsl.ts';
import { blockFloats, paramLayout, partition, scratchLayout } from './layout.ts';

/** Largest dimension for the s2 heads whose objective is the full (matrix) D2SM. */
export const MAX_FULL_HEAD_DIM = 16;

export interface FusedLimits {
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupsPerDimension: number;
}

/** What the fused step needs to know of a device: its limits, and whether it is a fallback (software) adapter. */
export interface FusedDevice {
  limits: FusedLimits;
  adapterInfo?: { isFallbackAdapter?: boolean };
}

/**
 * Samples per workgroup the batch is split into (fewer workgroups when the partial gradients would be too big): 256 on
 * a fallback adapter, 128 on any other. On SwiftShader (2-core VM, 2-128-128-2, batch 512) 8 samples per group took
 * 56–64 ms a step, 32 took 35–42, 128 took 27–30 and 256 took 25–27: each workgroup writes a whole partial gradient
 * and the Adam kernel sums them, and a CPU runs few workgroups at once anyway. A real GPU would rather have more,
 * smaller groups (256 would leave it two at batch 512); not measured (no GPU this round).
 */
export function samplesPerGroup(device: FusedDevice): number {
  return isFallback(device) ? 256 : 128;
}

/** A fallback (software) adapter, e.g. SwiftShader: it runs workgroups on CPU threads, 4 lanes at a time. */
function isFallback(device: FusedDevice): boolean {
  return device.adapterInfo?.isFallbackAdapter === true;
}

/**
 * Workgroups of the Adam kernel, whose invocations each update every N-th parameter (N invocations in all): enough
 * for 32 parameters per invocation on a fallback adapter, one elsewhere. On SwiftShader every 4-lane subgroup carries a
 * fixed cost (the loss statistics' code included, though one invocation runs it): 2-128-128-2 (17k parameters) took
 * 1.5 ms of CPU per step with 32 parameters per invocation against 2.3 ms with one.
 */
export function adamWorkgroups(paramCount: number, device: FusedDevice): number {
  const perInvocation = isFallback(device) ? 32 : 1;
  return Math.max(1, Math.ceil(paramCount / (ADAM_WORKGROUP * perInvocation)));
}

/** Why the fused step cannot train this model with this batch and VR setting on this device; null when it can. */
export function fusedTrainRefusal(spec: ScoreModelSpec, s: { batch: number; vr: boolean }, device: FusedDevice): string | null {
  const limits = device.limits;
  if (!hasActivationWgsl(spec.act)) return `the fused step has no WGSL for the activation "${spec.act}"`;
  if (spec.s2 !== 'none' && spec.s2 !== 'diag' && spec.dim > MAX_FULL_HEAD_DIM) {
    return `the fused step runs the ${spec.s2} s2 head up to dimension ${MAX_FULL_HEAD_DIM}, this model has ${spec.dim}`;
  }
  const p = paramLayout(spec);
  const part = partition(s.batch, s.vr, p.size, samplesPerGroup(device));
  if (part.groups > limits.maxComputeWorkgroupsPerDimension) return `the batch needs ${part.groups} workgroups, over the device's ${limits.maxComputeWorkgroupsPerDimension}`;
  const biggest = Math.max(part.groups * blockFloats(scratchLayout(spec, p), part, spec.dim), part.groups * p.size) * 4;
  if (biggest > limits.maxStorageBufferBindingSize) {
    return `the fused step would need a ${(biggest / 2 ** 20).toFixed(0)} MiB buffer, over the device's ${(limits.maxStorageBufferBindingSize / 2 ** 20).toFixed(0)} MiB binding limit`;
  }
  return null;
}
