/**
 * Counts what reaches the GPU while a piece of work runs: compute dispatches (`dispatchWorkgroups` and its
 * indirect form, on every compute pass) and queue submissions. The bench and the tests use it to check the
 * fused kernels' budgets (issue 16: ≤ 4 dispatches per training step, 1 per sampler step) against tfjs's
 * op-by-op path. It wraps the WebGPU prototypes for the duration of `work`, so it sees passes that tfjs opened
 * before the count began; counts are global, so only one count may run at a time.
 */

export interface DispatchCount<T> {
  value: T;
  /** Compute dispatches issued while `work` ran. */
  dispatches: number;
  /** `queue.submit` calls while `work` ran. */
  submits: number;
}

let active = false;

/** Runs `work` and counts its compute dispatches and queue submissions (the WebGPU globals must exist). */
export async function countDispatches<T>(work: () => Promise<T>): Promise<DispatchCount<T>> {
  if (active) throw new Error('countDispatches: a count is already running');
  const g = globalThis as { GPUComputePassEncoder?: { prototype: GPUComputePassEncoder }; GPUQueue?: { prototype: GPUQueue } };
  if (!g.GPUComputePassEncoder || !g.GPUQueue) throw new Error('countDispatches needs WebGPU (GPUComputePassEncoder and GPUQueue are not defined)');
  const pass = g.GPUComputePassEncoder.prototype;
  const queue = g.GPUQueue.prototype;
  const original = { direct: pass.dispatchWorkgroups, indirect: pass.dispatchWorkgroupsIndirect, submit: queue.submit };
  let dispatches = 0;
  let submits = 0;
  active = true;
  pass.dispatchWorkgroups = function (this: GPUComputePassEncoder, ...args: Parameters<GPUComputePassEncoder['dispatchWorkgroups']>) {
    dispatches++;
    return original.direct.apply(this, args);
  };
  pass.dispatchWorkgroupsIndirect = function (this: GPUComputePassEncoder, ...args: Parameters<GPUComputePassEncoder['dispatchWorkgroupsIndirect']>) {
    dispatches++;
    return original.indirect.apply(this, args);
  };
  queue.submit = function (this: GPUQueue, ...args: Parameters<GPUQueue['submit']>) {
    submits++;
    return original.submit.apply(this, args);
  };
  try {
    const value = await work();
    return { value, dispatches, submits };
  } finally {
    pass.dispatchWorkgroups = original.direct;
    pass.dispatchWorkgroupsIndirect = original.indirect;
    queue.submit = original.submit;
    active = false;
  }
}
