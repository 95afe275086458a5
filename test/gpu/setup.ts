import { installNodeWebGpu } from '../../src/cli/nodeWebGpu.ts';

const why = await installNodeWebGpu();
if (why) throw new Error(`WebGPU tests need Dawn for Node: ${why}`);
const tf = await import('@tensorflow/tfjs');
await import('@tensorflow/tfjs-backend-webgpu');
if (!(await tf.setBackend('webgpu'))) throw new Error('the tfjs webgpu backend did not start: no WebGPU adapter (see test/gpu/vitest.config.ts)');
await tf.ready();
