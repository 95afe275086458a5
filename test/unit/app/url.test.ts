import { describe, expect, it } from 'vitest';
import { p, type ParamSchema } from '../../../src/app/state/schema.ts';
import { checkLabs, defaultState, parseAppUrl, serializeAppUrl, type LabParamsEntry } from '../../../src/app/state/url.ts';
import { createAppStore } from '../../../src/app/state/store.ts';
import { LABS } from '../../../src/app/labs/index.ts';

const labs: LabParamsEntry[] = [
  { id: 'scores', params: { sigma: p.number({ default: 0.3, min: 0.01, max: 5 }), density: p.enum(['gmm2', 'ring8'], 'gmm2') } satisfies ParamSchema },
  { id: 'samplers', params: { step: p.number({ default: 0.1, min: 1e-4, max: 10 }), sigma: p.number({ default: 1, min: 0, max: 2 }) } },
];

describe('parseAppUrl', () => {
  it('defaults to the first lab, seed 1, automatic backend, explainer closed', () => {
    const { state, notices } = parseAppUrl('', labs);
    expect(state.shell).toEqual({ tab: 'scores', seed: 1, backend: 'auto', explain: false });
    expect(state.labs).toEqual({ scores: { sigma: 0.3, density: 'gmm2' }, samplers: { step: 0.1, sigma: 1 } });
    expect(notices).toEqual([]);
  });

  it('reads the active lab\'s params against its own schema (keys may repeat across labs)', () => {
    expect(parseAppUrl('?tab=scores&sigma=2', labs).state.labs.scores.sigma).toBe(2);
    const r = parseAppUrl('?tab=samplers&sigma=2&step=0.5', labs);
    expect(r.state.labs.samplers).toEqual({ step: 0.5, sigma: 2 });
    expect(r.state.labs.scores.sigma).toBe(0.3);
    expect(r.notices).toEqual([]);
  });

  it('fixes bad values and lists every change: ?seed=abc&sigma=-5&tab=nope', () => {
    const r = parseAppUrl('?seed=abc&sigma=-5&tab=nope', labs);
    expect(r.state.shell.tab).toBe('scores');
    expect(r.state.shell.seed).toBe(1);
    expect(r.state.labs.scores.sigma).toBe(0.01);
    expect(r.notices.map((n) => n.key).sort()).toEqual(['seed', 'sigma', 'tab']);
  });

  it('drops keys that no schema of this view declares, with a notice', () => {
    const r = parseAppUrl('?tab=samplers&density=ring8&zoom=3', labs);
    expect(r.notices.map((n) => n.key)).toEqual(['density', 'zoom']);
    expect(r.state.labs.scores.density).toBe('gmm2');
  });

  it('keeps the inactive labs\' in-memory settings from `previous`', () => {
    const prev = defaultState(labs);
    prev.labs.samplers = { step: 3, sigma: 0.5 };
    const r = parseAppUrl('?tab=scores&sigma=1', labs, prev);
    expect(r.state.labs.samplers).toEqual({ step: 3, sigma: 0.5 });
  });

  it('clamps the seed to a 31-bit integer and validates the backend', () => {
    const r = parseAppUrl('?seed=99999999999&backend=metal', labs);
    expect(r.state.shell.seed).toBe(2 ** 31 - 1);
    expect(r.state.shell.backend).toBe('auto');
    expect(r.notices.map((n) => n.key)).toEqual(['seed', 'backend']);
  });
});

describe('serializeAppUrl', () => {
  it('always names the tab, and writes only non-default values of the shell and the active lab', () => {
    const s = defaultState(labs);
    expect(serializeAppUrl(s, labs)).toBe('tab=scores');
    s.shell = { tab: 'samplers', seed: 42, backend: 'webgpu', explain: true };
    s.labs.samplers = { step: 0.25, sigma: 1 };
    s.labs.scores = { sigma: 2, density: 'ring8' };
    expect(serializeAppUrl(s, labs)).toBe('tab=samplers&seed=42&backend=webgpu&explain=1&step=0.25');
  });

  it('round-trips: parse(serialize(state)) is the state, with no notice', () => {
    const s = defaultState(labs);
    s.shell = { tab: 'scores', seed: 7, backend: 'wasm', explain: false };
    s.labs.scores = { sigma: 0.1 + 0.2, density: 'ring8' };
    const back = parseAppUrl(serializeAppUrl(s, labs), labs);
    expect(back.notices).toEqual([]);
    expect(back.state.shell).toEqual(s.shell);
    expect(back.state.labs.scores).toEqual(s.labs.scores);
  });
});

describe('checkLabs', () => {
  it('refuses a lab that declares a key the shell owns, or a duplicate id', () => {
    expect(() => checkLabs([{ id: 'a', params: { seed: p.int({ default: 0 }) } }])).toThrow(/shell owns/);
    expect(() => checkLabs([{ id: 'a', params: {} }, { id: 'a', params: {} }])).toThrow(/Two labs/);
  });

  it('accepts the registered labs', () => {
    expect(() => checkLabs(LABS)).not.toThrow();
    expect(LABS.map((l) => l.id)).toEqual(['scores', 'uncertainty', 'samplers', 'digits', 'inverse', 'inverse-digits']);
  });
});

describe('createAppStore', () => {
  it('writes every change to the URL and clamps values set by controls', () => {
    const written: string[] = [];
    const store = createAppStore(labs, '?tab=scores', (q) => written.push(q));
    let calls = 0;
    const unsubscribe = store.subscribe(() => calls++);
    store.setLab('scores', { sigma: 99 });
    expect(store.getState().labs.scores.sigma).toBe(5);
    store.setShell({ seed: 5, tab: 'samplers' });
    expect(written).toEqual(['tab=scores&sigma=5', 'tab=samplers&seed=5']);
    store.setShell({ tab: 'scores' });
    expect(written.at(-1)).toBe('tab=scores&seed=5&sigma=5');
    expect(calls).toBe(3);
    unsubscribe();
    expect(() => store.setLab('scores', { nope: 1 })).toThrow(/Unknown setting "nope"/);
  });

  it('keeps the notices from the first read until dismissed', () => {
    const store = createAppStore(labs, '?seed=abc');
    expect(store.getState().notices).toHaveLength(1);
    store.dismissNotices();
    expect(store.getState().notices).toEqual([]);
    expect(store.search()).toBe('tab=scores');
  });

  it('re-reads an URL with load()', () => {
    const store = createAppStore(labs, '');
    store.load('?tab=samplers&step=2');
    expect(store.getState().shell.tab).toBe('samplers');
    expect(store.getState().labs.samplers.step).toBe(2);
  });
});
