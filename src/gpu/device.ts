/**
 * The GPUDevice that tfjs's WebGPU backend owns. Fused WGSL kernels run on this same device, so they read and
 * write the backend's buffers directly (a tensor's buffer comes from `tensor.dataToGPU()`), with no copy
 * through the CPU. Only valid while the active tfjs backend is `webgpu`.
 */
import * as tf from '@tensorflow/tfjs';

/** The tfjs WebGPU backend's device; throws when the active backend is not webgpu. */
export function tfjsDevice(): GPUDevice {
  if (tf.getBackend() !== 'webgpu') throw new Error(`fused WebGPU kernels need the webgpu backend, but the active backend is ${tf.getBackend()}`);
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  if (!device) throw new Error('the webgpu backend exposes no GPUDevice');
  return device;
}
