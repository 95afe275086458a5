/**
 * GPU buffers of the fused training step, counted: every buffer it creates goes through `createTrainBuffer` and
 * every release through `destroyTrainBuffer`, so tests can check that none is left behind.
 */

let live = 0;

/** Number of fused-training buffers created and not yet destroyed (in this process). */
export function liveTrainBuffers(): number {
  return live;
}

export function createTrainBuffer(device: GPUDevice, label: string, bytes: number, usage: GPUBufferUsageFlags): GPUBuffer {
  const size = Math.max(16, Math.ceil(bytes / 16) * 16);
  const b = device.createBuffer({ label: `fused-train ${label}`, size, usage });
  live++;
  return b;
}

export function destroyTrainBuffer(b: GPUBuffer): void {
  b.destroy();
  live--;
}
