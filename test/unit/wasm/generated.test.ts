/**
 * The committed WebAssembly modules (src/wasm/generated/) are the compilation of their AssemblyScript sources
 * (src/wasm/assembly/) with the pinned compiler: recompiles every kernel and compares the generated text byte for
 * byte, so sources and modules cannot drift apart (`npm run build:wasm` regenerates them). Also checks that each
 * module loads through src/wasm/instantiate.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileKernel, generatedModule, kernelNames } from '../../../src/wasm/build.mjs';
import { instantiateKernel, wasmSimdSupported } from '../../../src/wasm/instantiate.ts';

const root = new URL('../../../', import.meta.url);

describe('generated WebAssembly modules', () => {
  it('are current: recompiling every src/wasm/assembly entry gives the committed src/wasm/generated module', { timeout: 120_000 }, async () => {
    const names = kernelNames();
    expect(names).toContain('samplers');
    for (const name of names) {
      const committed = readFileSync(new URL(`src/wasm/generated/${name}.ts`, root), 'utf8');
      const bytes = await compileKernel(name);
      expect(generatedModule(name, bytes) === committed, `src/wasm/generated/${name}.ts is stale: run npm run build:wasm`).toBe(true);
    }
  });

  it('load once compiled, each instance with its own memory; SIMD is detected', async () => {
    expect(wasmSimdSupported()).toBe(true);
    const { samplersWasm } = await import('../../../src/wasm/generated/samplers.ts');
    const [a, b] = await Promise.all([instantiateKernel('samplers', samplersWasm), instantiateKernel('samplers', samplersWasm)]);
    expect(a.exports.memory).toBeInstanceOf(WebAssembly.Memory);
    expect(a.exports.memory).not.toBe(b.exports.memory);
    expect(Object.keys(a.exports)).toEqual(expect.arrayContaining(['langevin', 'ozaki', 'ozakiFull', 'mala', 'malaCache', 'configure']));
  });
});
