/**
 * How many threads the WASM backend is asked for (backend.ts planWasmThreads): every core on a cross-origin
 * isolated page, else one with the reason the badge shows; and in Node (no page) the engine runs one thread.
 */
import { describe, expect, it } from 'vitest';
import { planWasmThreads } from '../../../src/engine/backend.ts';

describe('planWasmThreads', () => {
  it('isolated page: every core the browser reports', () => {
    expect(planWasmThreads(true, 2)).toEqual({ threads: 2 });
    expect(planWasmThreads(true, 16)).toEqual({ threads: 16 });
  });

  it('not isolated, or one core, or no page: one thread and why', () => {
    expect(planWasmThreads(false, 8)).toEqual({ threads: 1, why: 'the page is not cross-origin isolated' });
    expect(planWasmThreads(true, 1)).toEqual({ threads: 1, why: 'the browser reports one core' });
    expect(planWasmThreads(true, undefined)).toEqual({ threads: 1, why: 'the browser reports one core' });
    expect(planWasmThreads(undefined, 8)).toEqual({ threads: 1, why: 'tfjs-wasm has no threads outside a browser page' });
  });
});
