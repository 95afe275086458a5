import { defineConfig } from 'vitest/config';

/**
 * WebGPU tests in Node through Dawn (the `webgpu` package) on a real adapter: Chromium's SwiftShader on a CPU
 * machine. `npm test` runs them with VK_ICD_FILENAMES and LD_LIBRARY_PATH pointing at Chromium's SwiftShader
 * (test/run.mjs); `setup.ts` installs navigator.gpu before tfjs loads and selects the webgpu backend.
 */
export default defineConfig({
  test: {
    include: ['test/gpu/**/*.gpu.test.ts'],
    setupFiles: ['test/gpu/setup.ts'],
    environment: 'node',
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
