/**
 * Issue 18, the URL boundary: a seeded fuzz of 400 hostile query strings over every lab's schema. The parser never
 * throws; every value it did not take as written gets a notice naming the key; and its output is a fixed point (the
 * URL the app writes back parses to the same state with no notice).
 */
import { describe, expect, it } from 'vitest';
import { LABS } from '../../../src/app/labs/index.ts';
import { parseAppUrl, serializeAppUrl } from '../../../src/app/state/url.ts';
import { formatValue, parseValue, type ParamSpec } from '../../../src/app/state/schema.ts';
import { hostileQueries } from '../../fuzz/urls.ts';

describe('URL fuzz (400 seeded hostile queries)', () => {
  it('never throws, names every value it changed, and writes back a URL that parses cleanly', () => {
    let noticed = 0;
    for (const q of hostileQueries(18, 400)) {
      const { state, notices } = parseAppUrl(q, LABS);
      noticed += notices.length;
      const lab = LABS.find((l) => l.id === state.shell.tab)!;
      // Every key of the active lab that the URL set: either a notice names it, or the state holds exactly its value.
      const last = new Map(new URLSearchParams(q));
      for (const [key, raw] of last) {
        const spec = (lab.params as Record<string, ParamSpec>)[key];
        if (!spec || notices.some((n) => n.key === key)) continue;
        const taken = parseValue(spec, raw);
        expect(taken.message, `${q}: ${key}`).toBeUndefined();
        expect(formatValue(spec, state.labs[lab.id][key]), `${q}: ${key}`).toBe(formatValue(spec, taken.value));
      }
      const again = parseAppUrl(serializeAppUrl(state, LABS), LABS);
      expect(again.notices, q).toEqual([]);
      expect(again.state.shell, q).toEqual(state.shell);
      expect(again.state.labs[lab.id], q).toEqual(state.labs[lab.id]);
    }
    expect(noticed).toBeGreaterThan(300);
  });

  it('the blank-page reproductions (at=1e400,0 and at=0,-1e309) give a notice and no point', () => {
    for (const q of ['tab=uncertainty&at=1e400,0', 'tab=uncertainty&at=0,-1e309']) {
      const { state, notices } = parseAppUrl(q, LABS);
      expect(state.labs.uncertainty.at).toBeNull();
      expect(notices.map((n) => n.key)).toEqual(['at']);
    }
  });
});
