/**
 * Loading the generated WebAssembly kernels (src/wasm/generated/<name>.ts, built by `npm run build:wasm` from
 * src/wasm/assembly/): each module is compiled once per thread and instantiated as often as asked (an instance
 * owns its linear memory). The kernels use 128-bit SIMD; where WebAssembly or its SIMD is missing, loading fails
 * with one clear line and callers keep their JavaScript path (`wasmSimdSupported` tells them beforehand).
 */
import { base64ToBytes } from '../core/base64.ts';

/** The smallest module using a SIMD instruction (i8x16.popcnt of a splat), as wasm-feature-detect checks it. */
const SIMD_PROBE = Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11);

let simd: boolean | undefined;

/** Whether this runtime has WebAssembly with 128-bit SIMD (checked once). */
export function wasmSimdSupported(): boolean {
  simd ??= typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  return simd;
}

const compiled = new Map<string, Promise<WebAssembly.Module>>();

/** The kernel `name` (its generated base64 bytes), compiled once (a module can be sent to other threads: workers.ts). */
export function compiledKernel(name: string, base64: string): Promise<WebAssembly.Module> {
  let m = compiled.get(name);
  if (!m) {
    m = WebAssembly.compile(new Uint8Array(base64ToBytes(base64)));
    compiled.set(name, m);
  }
  return m;
}

/** A fresh instance of the kernel `name` (no imports: the kernels are self-contained). */
export async function instantiateKernel(name: string, base64: string): Promise<WebAssembly.Instance> {
  if (!wasmSimdSupported()) throw new Error(`the ${name} kernel needs WebAssembly SIMD, which this runtime does not have`);
  return WebAssembly.instantiate(await compiledKernel(name, base64), {});
}
