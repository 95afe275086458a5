/**
 * The Table 1 study's figure (`studyFigureSvg`, `tweedie study table1 --figure`) on a small fixed set of cells: one
 * mark per cell in each panel with the cell's ratio, the ratio-1 line at the height of the tick labelled 1, the axis
 * and group labels, families in their order, colours by σ and shapes by VR, and the old files' rows (no spectrum).
 */
import { describe, expect, it } from 'vitest';
import { studyFigureSvg, type FigureCell } from '../../../src/cli/commands/studyFigure.ts';

const cell = (target: string, dim: number, sigma: number, vr: boolean, seed: number, ratioQ: number, ratioClean: number, extra: Partial<FigureCell> = {}): FigureCell => ({
  target,
  dim,
  sigma,
  steps: 1000,
  seed,
  vr,
  ratioQ,
  ratioClean,
  diverged: false,
  ...extra,
});

const CELLS: FigureCell[] = [
  cell('logistic50', 50, 0.1, true, 1, 0.7, 0.75, { spectrum: null }),
  cell('gauss10', 10, 0.05, true, 1, 1.3, 1.4), // an old row: no spectrum, geometric by its name
  cell('gauss10', 10, 0.05, true, 2, 1.2, 1.5),
  cell('gauss10', 10, 0.1, false, 1, 0.02, 0.1, { steps: 2000 }),
  cell('gauss30-iso', 30, 0.1, true, 1, 2.5, 2.4, { spectrum: 'iso' }),
  cell('gauss10-iso', 10, 0.1, false, 1, 0.5, 0.6, { spectrum: 'iso', diverged: true }),
];

/** The attributes of every element of `svg` that has class `cls`. */
function elements(svg: string, cls: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const m of svg.matchAll(new RegExp(`<(\\w+) class="${cls}"([^>]*)>`, 'g'))) {
    const attrs: Record<string, string> = { tag: m[1] };
    for (const a of m[2].matchAll(/([\w-]+)="([^"]*)"/g)) attrs[a[1]] = a[2];
    out.push(attrs);
  }
  return out;
}

describe('studyFigureSvg', () => {
  const svg = studyFigureSvg(CELLS);

  it('is one SVG document with a white background', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<svg /g)).toHaveLength(1);
  });

  it('draws one mark per cell in each panel (q_σ and clean p), carrying the cell and its ratio', () => {
    const marks = elements(svg, 'cell');
    expect(marks).toHaveLength(2 * CELLS.length);
    for (const [panel, key] of [
      ['q', 'ratioQ'],
      ['p', 'ratioClean'],
    ] as const) {
      const ms = marks.filter((m) => m['data-panel'] === panel);
      expect(ms).toHaveLength(CELLS.length);
      for (const c of CELLS) {
        const m = ms.filter((x) => x['data-target'] === c.target && Number(x['data-seed']) === c.seed && Number(x['data-sigma']) === c.sigma && x['data-vr'] === (c.vr ? 'on' : 'off'));
        expect(m, `${panel} ${c.target} ${c.seed}`).toHaveLength(1);
        expect(Number(m[0]['data-ratio'])).toBe(c[key]);
        // Shape by VR: circle on, triangle off.
        expect(m[0].tag).toBe(c.vr ? 'circle' : 'polygon');
      }
    }
    // Colour by σ: the two σ get two colours, the same in both panels.
    const colour = (sigma: number) => new Set(marks.filter((m) => Number(m['data-sigma']) === sigma).map((m) => m.stroke));
    expect(colour(0.05).size).toBe(1);
    expect(colour(0.1).size).toBe(1);
    expect([...colour(0.05)][0]).not.toBe([...colour(0.1)][0]);
    // Fill by budget: the 2000-step cell is hollow, the others filled.
    for (const m of marks) expect(m.fill === 'white').toBe(m['data-steps'] === '2000');
    // Higher ratio, higher on the page (smaller y), within a panel.
    const y = (m: Record<string, string>) => Number(m.cy ?? m.points.split(/[ ,]/)[1]);
    const q = marks.filter((m) => m['data-panel'] === 'q');
    const iso30 = q.find((m) => m['data-target'] === 'gauss30-iso')!;
    const logistic = q.find((m) => m['data-target'] === 'logistic50')!;
    expect(y(iso30)).toBeLessThan(y(logistic));
  });

  it('draws the ratio-1 line in each panel at the tick labelled 1, the axis label, dimension and family labels, and marks the diverged cell', () => {
    const ones = elements(svg, 'ratio-one');
    expect(ones).toHaveLength(2);
    const tickOne = [...svg.matchAll(/<text class="tick" x="[\d.]+" y="([\d.]+)" text-anchor="end">1<\/text>/g)].map((m) => Number(m[1]) - 4);
    expect(tickOne).toHaveLength(2);
    ones.forEach((l, i) => {
      expect(l.y1).toBe(l.y2);
      expect(Number(l.y1)).toBeCloseTo(tickOne[i], 0);
    });
    expect(svg).toContain('autodiff MSE / direct MSE of s2 (log scale)');
    expect(svg).toContain('against q_σ');
    expect(svg).toContain('against the clean p');
    expect(svg).toContain('↑ direct wins');
    const groups = [...svg.matchAll(/<text class="group-label"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    // Families in order (geometric, iso, logistics), dimensions ascending inside a family.
    expect(groups).toEqual(['D = 10', 'D = 10', 'D = 30', 'D = 50']);
    const families = [...svg.matchAll(/<text class="family-label"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(families).toEqual(['Gaussian, geometric', 'Gaussian, isotropic', 'mixture of']);
    expect(elements(svg, 'diverged')).toHaveLength(2);
    expect(svg).toContain('σ = 0.05');
    expect(svg).toContain('VR off');
    expect(svg).toContain('2000 steps');
  });

  it('leaves a ratio that a log axis cannot show out, and says so', () => {
    const s = studyFigureSvg([...CELLS, cell('gauss100', 100, 0.1, true, 1, 0, 1)]);
    expect(elements(s, 'cell')).toHaveLength(2 * CELLS.length + 1);
    expect(s).toContain('1 ratio(s) not finite or ≤ 0, not drawn');
    expect(() => studyFigureSvg([])).toThrow(/no cells/);
  });
});
