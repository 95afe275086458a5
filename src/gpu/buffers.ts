/**
 * GPU buffers of the fused kernels (samplers and training), counted: every buffer made here is registered until
 * destroyed, so the tests can check that what they allocate is released (`liveFusedBuffers()` back to its value
 * before).
 */

const live = new Set<GPUBuffer>();

/**
 * Creates a buffer on `device` and registers it. Size is rounded up to a multiple of 16 bytes (at least 16), unless
 * `exact` (a multiple of 4): a buffer handed to tfjs as a tensor's data must have the tensor's size, since tfjs
 * copies and reads back the whole buffer.
 */
export function createBuffer(device: GPUDevice, size: number, usage: GPUBufferUsageFlags, label: string, exact = false): GPUBuffer {
  const buf = device.createBuffer({ size: exact ? size : Math.max(16, Math.ceil(size / 16) * 16), usage, label });
  live.add(buf);
  return buf;
}

/** Destroys a buffer made by `createBuffer` (no-op for undefined). */
export function destroyBuffer(buf: GPUBuffer | undefined): void {
  if (!buf) return;
  buf.destroy();
  live.delete(buf);
}

/** Buffers made by the fused kernels and not yet destroyed (in this process). */
export function liveFusedBuffers(): number {
  return live.size;
}

/**
 * Appends to `encoder` copies of the first `bytes` (a multiple of 4) of each source into one fresh mappable
 * buffer, submits it, and resolves to a copy of each source's bytes.
 */
export async function readBack(device: GPUDevice, encoder: GPUCommandEncoder, srcs: GPUBuffer[], bytes: number): Promise<ArrayBuffer[]> {
  const staging = createBuffer(device, bytes * srcs.length, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, 'fused sampler read-back');
  try {
    srcs.forEach((src, i) => encoder.copyBufferToBuffer(src, 0, staging, i * bytes, bytes));
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const all = staging.getMappedRange(0, bytes * srcs.length);
    const out = srcs.map((_, i) => all.slice(i * bytes, (i + 1) * bytes));
    staging.unmap();
    return out;
  } finally {
    destroyBuffer(staging);
  }
}
