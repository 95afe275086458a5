/**
 * Plain Plotly specs (data + layout) and the shared defaults every panel gets. Labs write pure builders
 * `(data) => PlotSpec` in their own modules (unit-testable as plain objects); `PlotlyPanel` draws them.
 * Type-only imports: this module does not pull Plotly into the bundle.
 */
import type { Config, Data, Layout } from 'plotly.js';

export interface PlotSpec {
  data: Data[];
  layout?: Partial<Layout>;
}

/** Keeps zoom and pan across updates as long as the panel's `revision` key stays the same. */
export const DEFAULT_UIREVISION = 'keep';

/**
 * Plotly's own toolbar is off: it covered titles and legends. Each panel has a small download menu of its own
 * (`PlotlyPanel`, PNG and SVG with the canvas layer), and a double-click resets a zoom.
 */
export const PLOT_CONFIG: Partial<Config> = {
  displaylogo: false,
  displayModeBar: false,
  showSendToCloud: false,
  responsive: false,
};

/** A horizontal legend above the plot area, left-aligned: it never collides with the x axis's ticks or title. */
export const LEGEND_ABOVE: Partial<Layout['legend']> = { orientation: 'h', x: 0, xanchor: 'left', y: 1.02, yanchor: 'bottom' };

/**
 * The layout a panel draws: the spec's layout over the shared defaults, with a stable `uirevision`. The main axes
 * grow the margins to fit their tick labels and titles (`automargin`) unless the spec says otherwise.
 */
export function panelLayout(spec: PlotSpec, uirevision: string = DEFAULT_UIREVISION): Partial<Layout> {
  const layout = spec.layout ?? {};
  // A legend above the plot starts with room for two rows (56 px): Plotly widens the margin for a legend in a second,
  // asynchronous pass, which frequent redraws of a live panel can outrun, leaving the legend on the curves.
  const legendAbove = layout.showlegend === true && (layout.legend?.y ?? 0) >= 1;
  return {
    margin: { l: 48, r: 16, t: layout.title ? 36 : legendAbove ? 56 : 12, b: 40 },
    font: { family: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif', size: 12 },
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: '#fff',
    showlegend: false,
    autosize: true,
    ...layout,
    xaxis: { automargin: true, ...layout.xaxis },
    yaxis: { automargin: true, ...layout.yaxis },
    uirevision: layout.uirevision ?? uirevision,
  };
}

/**
 * Value equality of two specs (plain objects, arrays and typed arrays; NaN equals NaN). A panel whose new spec
 * equals the drawn one does not redraw: a lab that rebuilds a static figure on every render costs a comparison,
 * not a Plotly draw.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b) || ArrayBuffer.isView(a) !== ArrayBuffer.isView(b)) return false;
  if (Array.isArray(a) || ArrayBuffer.isView(a)) {
    const x = a as ArrayLike<unknown>;
    const y = b as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!sameValue(x[i], y[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}
