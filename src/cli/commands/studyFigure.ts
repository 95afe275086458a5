/**
 * The Table 1 study as a figure (issue 17 item 2): the SVG text of `tweedie study table1 --figure`, built from the
 * study's rows alone (pure: no file system, no DOM, no tfjs), so a test can read its structure.
 *
 * Two panels share one log-scale y axis: the ratio autodiff MSE / direct MSE of s2 against q_σ (top) and against
 * the clean p (bottom); above 1, direct wins, and a dashed line marks 1. Along x, one group per target (a density in
 * one dimension), gathered by family: Gaussians by covariance spectrum, then the mixtures of logistics. Inside a
 * group, one slot per setting (σ, VR, steps) and one mark per cell (seed) in it, with a dash at the geometric mean
 * over the seeds. Colour: σ. Shape: VR on (circle) or off (triangle). Fill: the smallest training budget filled,
 * larger ones hollow. A cross marks a diverged cell.
 */

/** What the figure reads of a study row (`StudyRow`; `spectrum` may be missing in files written before it existed). */
export interface FigureCell {
  target: string;
  dim: number;
  sigma: number;
  steps: number;
  seed: number;
  vr: boolean;
  ratioQ: number;
  ratioClean: number;
  diverged: boolean;
  spectrum?: string | null;
}

/** Two-line labels of the families, in the order they are drawn. */
const FAMILIES: { key: string; label: [string, string] }[] = [
  { key: 'geometric', label: ['Gaussian, geometric', 'eigenvalues 0.1 … 10'] },
  { key: 'iso', label: ['Gaussian, isotropic', 'covariance I'] },
  { key: 'wide', label: ['Gaussian, wide', 'eigenvalues 0.01 … 100'] },
  { key: 'spiked', label: ['Gaussian, spiked', 'D/10 at 10, rest 0.1'] },
  { key: 'logistic', label: ['mixture of', 'logistics'] },
];

/** Okabe–Ito colours (colour-blind safe), one per σ in ascending order. */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#000000'];

const FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"';
const SLOT_W = 12;
const GROUP_PAD = 10;
const GROUP_MIN_W = 58;
const PANEL_H = 230;
const PANEL_GAP = 34;
const LEFT = 78;
const RIGHT = 104;
const TOP = 96;
const BOTTOM = 62;
const MARK_R = 4;
const MIN_PLOT_W = 780;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const px = (v: number): string => (Math.round(v * 10) / 10).toString();

/** The family a cell belongs to: its spectrum for a Gaussian (geometric when the name says gauss<D>), else its name's letters. */
function familyOf(c: FigureCell): string {
  if (c.spectrum) return c.spectrum;
  const m = /^gauss\d+(?:-([a-z]+))?$/.exec(c.target);
  if (m) return m[1] ?? 'geometric';
  return /^[a-z]+/.exec(c.target)?.[0] ?? c.target;
}

/** Ticks of a log axis over [lo, hi]: 1-2-5 in each decade, or whole decades when the range is wide. */
function logTicks(lo: number, hi: number): number[] {
  const decades = Math.log10(hi / lo);
  const mantissas = decades > 4 ? [1] : [1, 2, 5];
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)) - 1; e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of mantissas) {
      const v = Number((m * Math.pow(10, e)).toPrecision(1));
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
    }
  }
  return out;
}

/** The axis range: the 1-2-5 values just outside the data (and 1 always inside). */
function logRange(values: number[]): [number, number] {
  const min = Math.min(1, ...values);
  const max = Math.max(1, ...values);
  const below = (v: number) => {
    const e = Math.floor(Math.log10(v));
    for (const m of [5, 2, 1]) if (m * Math.pow(10, e) <= v) return Number((m * Math.pow(10, e)).toPrecision(1));
    return Math.pow(10, e);
  };
  const above = (v: number) => {
    const e = Math.floor(Math.log10(v));
    for (const m of [1, 2, 5, 10]) if (m * Math.pow(10, e) >= v) return Number((m * Math.pow(10, e)).toPrecision(1));
    return Math.pow(10, e + 1);
  };
  const lo = below(min);
  const hi = above(max);
  return hi > lo ? [lo, hi] : [lo / 2, hi * 2];
}

/** The marker of a cell at (x, y): circle (VR on) or triangle (VR off), filled or hollow. */
function marker(x: number, y: number, vr: boolean, colour: string, filled: boolean, attrs: string): string {
  const fill = filled ? colour : 'white';
  const style = `fill="${fill}" stroke="${colour}" stroke-width="1.5"`;
  if (vr) return `<circle ${attrs} cx="${px(x)}" cy="${px(y)}" r="${MARK_R}" ${style}/>`;
  const r = MARK_R + 1;
  const pts = [
    [x, y - r],
    [x + r * 0.9, y + r * 0.6],
    [x - r * 0.9, y + r * 0.6],
  ];
  return `<polygon ${attrs} points="${pts.map(([a, b]) => `${px(a)},${px(b)}`).join(' ')}" ${style}/>`;
}

/** A setting's key inside a group (the seeds of one setting share a slot). */
const settingKey = (c: FigureCell): string => JSON.stringify([c.sigma, !c.vr, c.steps]);

/**
 * The SVG text of the study figure (module comment) for `cells`, the rows of one or more `tweedie study table1`
 * runs. Marks carry `class="cell"` and `data-panel` (q or p), `data-target`, `data-sigma`, `data-steps`,
 * `data-seed`, `data-vr` and `data-ratio`; the ratio-1 lines carry `class="ratio-one"`. A cell whose ratio cannot
 * go on a log axis (not finite or ≤ 0) is left out and counted in a note.
 */
export function studyFigureSvg(cells: readonly FigureCell[]): string {
  if (cells.length === 0) throw new Error('studyFigureSvg: no cells');
  const sigmas = [...new Set(cells.map((c) => c.sigma))].sort((a, b) => a - b);
  const budgets = [...new Set(cells.map((c) => c.steps))].sort((a, b) => a - b);
  const colourOf = (sigma: number) => PALETTE[sigmas.indexOf(sigma) % PALETTE.length];

  // Groups (targets) in family order, then by dimension; slots (settings) by σ, VR on first, steps.
  const familyRank = (f: string) => {
    const i = FAMILIES.findIndex((x) => x.key === f);
    return i < 0 ? FAMILIES.length : i;
  };
  const byTarget = new Map<string, FigureCell[]>();
  for (const c of cells) byTarget.set(c.target, [...(byTarget.get(c.target) ?? []), c]);
  const groups = [...byTarget.entries()]
    .map(([target, cs]) => {
      const family = familyOf(cs[0]);
      const slots = [...new Set(cs.map(settingKey))].sort((a, b) => {
        const [pa, pb] = [JSON.parse(a) as [number, boolean, number], JSON.parse(b) as [number, boolean, number]];
        return pa[0] - pb[0] || Number(pa[1]) - Number(pb[1]) || pa[2] - pb[2];
      });
      return { target, family, dim: cs[0].dim, cells: cs, slots, x0: 0, w: Math.max(GROUP_MIN_W, slots.length * SLOT_W + 2 * GROUP_PAD) };
    })
    .sort((a, b) => familyRank(a.family) - familyRank(b.family) || a.family.localeCompare(b.family) || a.dim - b.dim || a.target.localeCompare(b.target));
  // A family is at least as wide as its label (about 7.5 px a character), and the plot at least MIN_PLOT_W wide.
  for (const f of new Set(groups.map((g) => g.family))) {
    const gs = groups.filter((g) => g.family === f);
    const label = FAMILIES.find((x) => x.key === f)?.label ?? [f, ''];
    const need = 7.5 * Math.max(label[0].length, label[1].length) + 8;
    const have = gs.reduce((a, g) => a + g.w, 0);
    if (have < need) for (const g of gs) g.w *= need / have;
  }
  const total = groups.reduce((a, g) => a + g.w, 0);
  if (total < MIN_PLOT_W) for (const g of groups) g.w *= MIN_PLOT_W / total;
  let x = LEFT;
  groups.forEach((g, i) => {
    if (i > 0 && groups[i - 1].family !== g.family) x += 8;
    g.x0 = x;
    x += g.w;
  });
  const plotRight = x;
  const width = Math.ceil(plotRight + RIGHT);

  const finite = (v: number) => Number.isFinite(v) && v > 0;
  const plotted = cells.flatMap((c) => [c.ratioQ, c.ratioClean]).filter(finite);
  const [lo, hi] = logRange(plotted.length ? plotted : [1]);
  const ticks = logTicks(lo, hi);
  const panels = [
    { key: 'q', title: 'against q_σ, the noisy density the model learns', get: (c: FigureCell) => c.ratioQ, top: TOP },
    { key: 'p', title: "against the clean p (paper 1's protocol)", get: (c: FigureCell) => c.ratioClean, top: TOP + PANEL_H + PANEL_GAP },
  ];
  const height = TOP + 2 * PANEL_H + PANEL_GAP + BOTTOM;
  const yOf = (top: number, v: number) => top + PANEL_H * (1 - Math.log(v / lo) / Math.log(hi / lo));

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${LEFT}" y="22" font-size="15" font-weight="bold">Table 1 study: MSE of autodiff ∇s1 / MSE of direct s2, one mark per cell (above 1, direct wins)</text>`);
  out.push(
    `<text x="${LEFT}" y="41" fill="#444">${cells.length} cells. Group: target and dimension; slot: setting (σ, VR, steps); mark: seed; dash: geometric mean over seeds</text>`,
  );

  // Legend: σ colours, VR shapes, budget fills, the mean dash, diverged.
  let lx = LEFT;
  const ly = 66;
  const legend = (svg: string, label: string, w: number) => {
    out.push(svg, `<text x="${px(lx + 10)}" y="${ly + 4}">${esc(label)}</text>`);
    lx += w;
  };
  for (const s of sigmas) legend(marker(lx, ly, true, colourOf(s), true, 'class="legend"'), `σ = ${s}`, 78);
  legend(marker(lx, ly, true, '#555', true, 'class="legend"'), 'VR on', 62);
  legend(marker(lx, ly, false, '#555', true, 'class="legend"'), 'VR off', 68);
  legend(marker(lx, ly, true, '#555', true, 'class="legend"'), `${budgets[0]} steps`, 92);
  if (budgets.length > 1) legend(marker(lx, ly, true, '#555', false, 'class="legend"'), `${budgets.slice(1).join(', ')} steps`, 98);
  legend(`<line x1="${px(lx - 6)}" x2="${px(lx + 6)}" y1="${ly}" y2="${ly}" stroke="#222" stroke-width="2"/>`, 'geometric mean', 116);
  if (cells.some((c) => c.diverged)) legend(`<path d="M${px(lx - 4)},${ly - 4}l8,8m0,-8l-8,8" stroke="#222" stroke-width="1.5"/>`, 'diverged', 80);

  for (const p of panels) {
    const { top } = p;
    const bottom = top + PANEL_H;
    out.push(`<g class="panel" data-panel="${p.key}">`);
    out.push(`<rect x="${LEFT}" y="${top}" width="${plotRight - LEFT}" height="${PANEL_H}" fill="none" stroke="#888"/>`);
    for (const t of ticks) {
      const y = yOf(top, t);
      out.push(`<line x1="${LEFT}" x2="${plotRight}" y1="${px(y)}" y2="${px(y)}" stroke="#e6e6e6"/>`);
      out.push(`<line x1="${LEFT - 4}" x2="${LEFT}" y1="${px(y)}" y2="${px(y)}" stroke="#888"/>`);
      out.push(`<text class="tick" x="${LEFT - 7}" y="${px(y + 4)}" text-anchor="end">${t}</text>`);
    }
    // Group separators (heavier between families).
    groups.forEach((g, i) => {
      if (i === 0) return;
      const between = groups[i - 1].family !== g.family;
      const sx = between ? g.x0 - 4 : g.x0;
      out.push(`<line x1="${px(sx)}" x2="${px(sx)}" y1="${top}" y2="${bottom}" stroke="${between ? '#999' : '#ddd'}"${between ? ' stroke-width="1.5"' : ''}/>`);
    });
    const y1 = yOf(top, 1);
    out.push(`<line class="ratio-one" x1="${LEFT}" x2="${plotRight}" y1="${px(y1)}" y2="${px(y1)}" stroke="#222" stroke-dasharray="5,4"/>`);
    out.push(`<text x="${LEFT + 6}" y="${top + 16}" font-weight="bold">${esc(p.title)}</text>`);
    out.push(`<text x="${plotRight + 6}" y="${px(y1 - 5)}" fill="#444">↑ direct wins</text>`);
    out.push(`<text x="${plotRight + 6}" y="${px(y1 + 14)}" fill="#444">↓ autodiff wins</text>`);
    for (const g of groups) {
      g.slots.forEach((key, si) => {
        const cx = g.x0 + (g.w - g.slots.length * SLOT_W) / 2 + (si + 0.5) * SLOT_W;
        const cs = g.cells.filter((c) => settingKey(c) === key);
        const vs = cs.map(p.get).filter(finite);
        if (vs.length) {
          const mean = Math.exp(vs.reduce((a, v) => a + Math.log(v), 0) / vs.length);
          const my = yOf(top, mean);
          out.push(`<line class="mean" x1="${px(cx - 5)}" x2="${px(cx + 5)}" y1="${px(my)}" y2="${px(my)}" stroke="#222" stroke-width="2"/>`);
        }
        cs.forEach((c, k) => {
          const v = p.get(c);
          if (!finite(v)) return;
          const jx = cx + (cs.length > 1 ? (k - (cs.length - 1) / 2) * Math.min(3, 6 / (cs.length - 1)) : 0);
          const y = yOf(top, v);
          const attrs = `class="cell" data-panel="${p.key}" data-target="${esc(c.target)}" data-sigma="${c.sigma}" data-steps="${c.steps}" data-seed="${c.seed}" data-vr="${c.vr ? 'on' : 'off'}" data-ratio="${v}"`;
          out.push(marker(jx, y, c.vr, colourOf(c.sigma), c.steps === budgets[0], attrs));
          if (c.diverged) out.push(`<path class="diverged" d="M${px(jx - 4)},${px(y - 4)}l8,8m0,-8l-8,8" stroke="#222" stroke-width="1.5"/>`);
        });
      });
    }
    out.push('</g>');
  }

  // Axis titles and the x labels: the dimension under each group, the family under its groups.
  const midY = TOP + PANEL_H + PANEL_GAP / 2;
  out.push(`<text class="axis-label" transform="translate(20,${px(midY)}) rotate(-90)" text-anchor="middle">autodiff MSE / direct MSE of s2 (log scale)</text>`);
  const labelY = TOP + 2 * PANEL_H + PANEL_GAP;
  for (const g of groups) out.push(`<text class="group-label" x="${px(g.x0 + g.w / 2)}" y="${labelY + 16}" text-anchor="middle">D = ${g.dim}</text>`);
  for (const f of [...new Set(groups.map((g) => g.family))]) {
    const gs = groups.filter((g) => g.family === f);
    const cx = (gs[0].x0 + gs[gs.length - 1].x0 + gs[gs.length - 1].w) / 2;
    const label = FAMILIES.find((x) => x.key === f)?.label ?? [f, ''];
    out.push(`<text class="family-label" x="${px(cx)}" y="${labelY + 34}" text-anchor="middle" font-weight="bold">${esc(label[0])}</text>`);
    if (label[1]) out.push(`<text x="${px(cx)}" y="${labelY + 49}" text-anchor="middle" fill="#444">${esc(label[1])}</text>`);
  }
  const off = cells.length * 2 - plotted.length;
  if (off > 0) out.push(`<text x="${LEFT}" y="${height - 4}" fill="#a00">${off} ratio(s) not finite or ≤ 0, not drawn</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
