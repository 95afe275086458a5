/**
 * The pure backend decision (DESIGN.md rule 8): WebGPU on a real adapter; WASM on a software fallback adapter
 * or none; then WebGL; then CPU; a requested backend first, or a notice when it is unavailable.
 */
import { describe, expect, it } from 'vitest';
import { planBackends, type WebGpuProbe } from '../../../src/engine/backend.ts';
import type { BackendName } from '../../../src/engine/protocol.ts';

const REAL: WebGpuProbe = { available: true, fallback: false, description: 'nvidia hopper NVIDIA H100' };
const FALLBACK: WebGpuProbe = { available: true, fallback: true, description: 'google swiftshader' };
const NONE: WebGpuProbe = { available: false, fallback: false, description: 'no navigator.gpu' };
const BROWSER: BackendName[] = ['webgpu', 'wasm', 'webgl', 'cpu'];
const NODE: BackendName[] = ['wasm', 'cpu'];

describe('planBackends', () => {
  it('real adapter: webgpu first, no notice', () => {
    expect(planBackends(REAL, BROWSER)).toEqual({ order: ['webgpu', 'wasm', 'webgl', 'cpu'], notices: [] });
  });

  it('software fallback adapter: wasm first, webgpu not tried, and a notice says why', () => {
    const plan = planBackends(FALLBACK, BROWSER);
    expect(plan.order).toEqual(['wasm', 'webgl', 'cpu']);
    expect(plan.notices).toEqual(['WebGPU adapter "google swiftshader" is a software fallback; WASM is faster here']);
  });

  it('no adapter: wasm first, quietly', () => {
    expect(planBackends(NONE, BROWSER)).toEqual({ order: ['wasm', 'webgl', 'cpu'], notices: [] });
  });

  it('Node (only cpu and wasm registered): wasm, then cpu', () => {
    expect(planBackends(NONE, NODE)).toEqual({ order: ['wasm', 'cpu'], notices: [] });
  });

  it('a requested backend goes first, even webgpu on a fallback adapter', () => {
    expect(planBackends(FALLBACK, BROWSER, 'webgpu')).toEqual({ order: ['webgpu', 'wasm', 'webgl', 'cpu'], notices: [] });
    expect(planBackends(REAL, BROWSER, 'cpu')).toEqual({ order: ['cpu', 'webgpu', 'wasm', 'webgl'], notices: [] });
  });

  it('a requested backend that is unavailable: the automatic order and a notice', () => {
    const noGpu = planBackends(NONE, BROWSER, 'webgpu');
    expect(noGpu.order).toEqual(['wasm', 'webgl', 'cpu']);
    expect(noGpu.notices).toEqual(['webgpu was requested but is unavailable (no navigator.gpu)']);
    const node = planBackends(NONE, NODE, 'webgl');
    expect(node.order).toEqual(['wasm', 'cpu']);
    expect(node.notices[0]).toMatch(/^webgl was requested but is unavailable \(not available in this environment\)/);
    const unregistered = planBackends(REAL, NODE, 'webgpu');
    expect(unregistered.order).toEqual(['wasm', 'cpu']);
    expect(unregistered.notices[0]).toMatch(/navigator\.gpu was missing when it loaded/);
  });
});
