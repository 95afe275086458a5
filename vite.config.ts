import { defineConfig, type Plugin } from 'vitest/config';
import react from '@vitejs/plugin-react';

/**
 * The headers that make the page cross-origin isolated (`crossOriginIsolated`), which the WASM backend's
 * threads need (SharedArrayBuffer). Every file the app loads is same-origin, so `require-corp` blocks nothing.
 * A static host must send the same two headers (README, "WASM threads").
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** The opening of tfjs-backend-wasm's threaded Emscripten factory (4.22): `_scriptDir` is a closure variable. */
const THREADED_FACTORY_HEAD =
  /(var WasmBackendModuleThreadedSimd = \(\(\) => \{\r?\n)(\s*var _scriptDir = [^\n]*\n\s*if \(typeof __filename !== 'undefined'\) _scriptDir = _scriptDir \|\| __filename;\r?\n)(\s*return \(\r?\nfunction\(WasmBackendModuleThreadedSimd\) \{\r?\n)/;

/**
 * tfjs starts each pthread worker from the threaded factory's source text (`factory.toString()` in a Blob), so
 * that function must not refer to variables of its enclosing scope. It refers to `_scriptDir` behind a
 * `typeof` guard; the minifier renames the variable and drops the guard (it is declared), and the pthread
 * worker then dies with "e is not defined". Declaring `_scriptDir` inside the factory keeps its text
 * self-contained (in a browser it is undefined either way). Fails the build if tfjs's file changes shape.
 */
function selfContainedThreadedWasmFactory(): Plugin {
  return {
    name: 'tweedie:self-contained-threaded-wasm-factory',
    enforce: 'pre',
    transform(code, id) {
      if (!/tfjs-backend-wasm-threaded-simd\.js(\?|$)/.test(id)) return null;
      if (!THREADED_FACTORY_HEAD.test(code)) {
        this.error(`${id}: the threaded WASM factory no longer opens as expected; update selfContainedThreadedWasmFactory in vite.config.ts`);
      }
      return { code: code.replace(THREADED_FACTORY_HEAD, '$1$3$2'), map: null };
    },
  };
}

/**
 * Static build. `BASE_PATH` sets the public base path for deployment under a sub-path
 * (e.g. `BASE_PATH=/tweedie-lab/ npm run build`).
 */
export default defineConfig({
  base: process.env.BASE_PATH ?? './',
  plugins: [react(), selfContainedThreadedWasmFactory()],
  worker: { format: 'es', plugins: () => [selfContainedThreadedWasmFactory()] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  server: { headers: ISOLATION_HEADERS },
  preview: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    pool: 'forks',
  },
});
