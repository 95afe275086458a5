/**
 * A Plotly panel (DESIGN.md rule 6). Its spec is drawn with `Plotly.react` only when its value changes, with a stable
 * `uirevision` so zoom survives updates. A `live` panel splits its spec in two layers (`liveSplit.ts`): the static
 * one (contours, axes, legends, colour bars: the expensive part) drawn by Plotly, and what moves every frame
 * (chains, trails, arrows, ellipses, curves, error maps) drawn on a canvas over the plot area, in the axes Plotly
 * laid out.
 *
 * Both draw through the app's `FrameScheduler`: at most once per animation frame, the newest data wins, within a
 * frame budget shared by all panels. A draw that fails is reported on the console and retried on a clean graph; if
 * that fails too the panel shows why and the next data retries. Plotly (the custom bundle of `plotly.ts`) loads on
 * first use.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { PlotlyHTMLElement } from 'plotly.js';
import { frames } from './frameScheduler.ts';
import { splitLive } from './liveSplit.ts';
import { countMarks, drawOverlay, type AxisFrame, type Overlay } from './overlay.ts';
import { panelLayout, PLOT_CONFIG, sameValue, type PlotSpec } from './spec.ts';
import { saveUrl } from '../export/files.ts';
import { panelFileName, panelImage } from '../export/panelImage.ts';

type PlotlyApi = typeof import('./plotly.ts').default;
let plotlyPromise: Promise<PlotlyApi> | null = null;

/** Loads the custom Plotly bundle once. */
export function loadPlotly(): Promise<PlotlyApi> {
  plotlyPromise ??= import('./plotly.ts').then((m) => m.default);
  return plotlyPromise;
}

export interface PlotlyPanelProps {
  /** The static layer. Rebuilding an equal spec costs a comparison, not a draw. */
  spec: PlotSpec;
  /**
   * Split `spec` into the two layers (`liveSplit.ts`): its scatter, quiver and heat-map traces go to the canvas,
   * the rest stays static. For panels whose traces move while their background does not.
   */
  live?: boolean;
  /** Change it to reset zoom (e.g. when the density changes); constant by default. */
  uirevision?: string;
  /** Draw the static layer at most this often (a secondary chart next to a live view); the latest spec is always drawn. */
  minIntervalMs?: number;
  /** CSS height of the panel (default 360px). */
  height?: number | string;
  className?: string;
  /** Short accessible description of the figure. */
  label?: string;
  /**
   * Called once with the graph element after the first draw, to attach DOM listeners (they survive a redraw from
   * scratch after a failed draw; Plotly's own `gd.on` handlers would not).
   */
  onReady?: (el: PlotlyHTMLElement) => void;
}

interface LaidOut {
  _fullLayout?: { width: number; height: number; xaxis?: LaidOutAxis; yaxis?: LaidOutAxis };
}

interface LaidOutAxis {
  _offset: number;
  _length: number;
  range: [number, number];
  type?: string;
}

/** The overlay's view of an axis Plotly laid out (null before layout or on an axis type the overlay cannot map). */
function axisFrame(ax: LaidOutAxis | undefined): AxisFrame | null {
  if (!ax || !(ax._length > 0) || (ax.type !== 'linear' && ax.type !== 'log' && ax.type !== '-')) return null;
  const range: [number, number] = [Number(ax.range[0]), Number(ax.range[1])];
  if (!Number.isFinite(range[0]) || !Number.isFinite(range[1]) || range[0] === range[1]) return null;
  return { offset: ax._offset, length: ax._length, range, log: ax.type === 'log' };
}

/** Counts the panel's draws in its `data-draws` attribute (read by the e2e tests and `tweedie bench-ui`; no React render). */
function countDraw(panel: Element | null | undefined): void {
  panel?.setAttribute('data-draws', String(Number(panel.getAttribute('data-draws') ?? 0) + 1));
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function PlotlyPanel({ spec: given, live = false, uirevision, minIntervalMs = 0, height = 360, className, label, onReady }: PlotlyPanelProps) {
  const split = useMemo(() => (live ? splitLive(given) : null), [live, given]);
  const spec = split?.background ?? given;
  const overlay = split?.overlay ?? null;
  const ref = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [plotly, setPlotly] = useState<PlotlyApi | null>(null);
  const [error, setError] = useState<string | null>(null);
  const readyCalled = useRef(false);
  /** Whether Plotly's `plotly_afterplot` (repaint the canvas after a zoom or relayout) is attached to the graph. */
  const listening = useRef(false);
  const onReadyRef = useRef(onReady);
  /** The static layer last asked for (null after a failure: the next spec redraws from scratch). */
  const wanted = useRef<{ spec: PlotSpec; uirevision?: string } | null>(null);
  const lastDrawAt = useRef(-Infinity);
  /** A static draw waiting for `minIntervalMs` to pass (it draws whatever `wanted` holds then). */
  const throttled = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const overlayRef = useRef<Overlay | null | undefined>(overlay);
  /** Plotly.react is asynchronous: draws are serialised (a purge or a second draw mid-flight breaks Plotly). */
  const drawing = useRef<Promise<unknown>>(Promise.resolve());
  const keys = useRef({ plot: Symbol('plot'), resize: Symbol('resize'), overlay: Symbol('overlay') });

  useEffect(() => {
    onReadyRef.current = onReady;
  }, [onReady]);

  useEffect(() => {
    let alive = true;
    loadPlotly().then(
      (p) => alive && setPlotly(() => p),
      (e: unknown) => alive && setError(`Plotly failed to load: ${message(e)}`),
    );
    return () => {
      alive = false;
    };
  }, []);

  /** Draws the overlay in the axes Plotly laid out last (cleared before the first draw or after a purge). */
  const paintOverlay = useRef(() => {
    countDraw(canvasRef.current?.parentElement);
    const canvas = canvasRef.current;
    const gd = ref.current as (HTMLDivElement & LaidOut) | null;
    const layout = gd?._fullLayout;
    if (!canvas) return;
    if (!layout) {
      // No graph (a failed draw purged it): nothing of the old frame may stay on screen.
      canvas.getContext('2d')?.clearRect(0, 0, canvas.width, canvas.height);
      return;
    }
    const dpr = window.devicePixelRatio || 1;
    const [w, h] = [Math.round(layout.width), Math.round(layout.height)];
    if (canvas.width !== w * dpr || canvas.height !== h * dpr) {
      canvas.width = w * dpr;
      canvas.height = h * dpr;
      canvas.style.width = `${w}px`;
      canvas.style.height = `${h}px`;
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const xa = axisFrame(layout.xaxis);
    const ya = axisFrame(layout.yaxis);
    const o = overlayRef.current;
    if (o && xa && ya) drawOverlay(ctx, o, xa, ya);
    // What the canvas shows, for tests (the canvas has no DOM of its own): "name|kind|points|dashed" per layer.
    canvas.dataset.layers = JSON.stringify((o?.layers ?? []).map((l) => `${l.name ?? ''}|${l.kind}|${countMarks(l)}|${l.kind === 'lines' && l.dash ? 'dash' : ''}`));
  });

  // The static layer: only when the spec's value changed, at most once a frame (and once per minIntervalMs). The
  // draw takes the newest spec asked for when it runs, so a throttled draw is never lost to a later equal spec.
  useEffect(() => {
    const el = ref.current;
    if (!plotly || !el) return;
    const last = wanted.current;
    if (last && last.uirevision === uirevision && sameValue(last.spec, spec)) return;
    wanted.current = { spec, uirevision };
    if (throttled.current) return;
    /** Clears Plotly's state of the element (its event handlers with it; the element and its DOM listeners stay). */
    const purge = () => {
      try {
        plotly.purge(el);
      } catch {
        /* nothing left to clean */
      }
      listening.current = false;
    };
    const draw = () => {
      lastDrawAt.current = performance.now();
      drawing.current = drawing.current.then(async () => {
        const target = wanted.current;
        if (!el.isConnected || !target) return;
        // Plotly writes into the objects it is given (titles, legends, axes): it gets copies, so the spec stays as
        // the lab built it and the next comparison is of values, not of Plotly's annotations.
        const attempt = () => {
          const { data, layout } = structuredClone({ data: target.spec.data, layout: panelLayout(target.spec, target.uirevision) });
          return plotly.react(el, data, layout, PLOT_CONFIG);
        };
        let gd: PlotlyHTMLElement;
        try {
          gd = await attempt();
        } catch (first) {
          // Reported, then retried once on a clean graph: a half-drawn or corrupted Plotly graph fails every later
          // draw, a fresh one often does not. If the retry fails too, the panel says why and the next data retries.
          console.error('Plot failed:', first);
          purge();
          try {
            gd = await attempt();
          } catch (again) {
            console.error('Plot failed again on a clean graph:', again);
            wanted.current = null;
            setError(`Plot failed: ${message(again)}`);
            purge();
            paintOverlay.current();
            return;
          }
        }
        setError(null);
        if (!listening.current) {
          listening.current = true;
          gd.on('plotly_afterplot', () => void frames.schedule(keys.current.overlay, paintOverlay.current));
        }
        if (!readyCalled.current) {
          readyCalled.current = true;
          onReadyRef.current?.(gd);
        }
        paintOverlay.current();
      });
    };
    const key = keys.current.plot;
    const wait = minIntervalMs - (performance.now() - lastDrawAt.current);
    if (wait <= 0) {
      void frames.schedule(key, draw);
      return;
    }
    throttled.current = setTimeout(() => {
      throttled.current = undefined;
      void frames.schedule(key, draw);
    }, wait);
  }, [plotly, spec, uirevision, minIntervalMs]);

  // The dynamic layer: every new overlay, at most once a frame.
  useEffect(() => {
    overlayRef.current = overlay;
    void frames.schedule(keys.current.overlay, paintOverlay.current);
  }, [overlay]);

  useEffect(() => {
    const el = ref.current;
    if (!plotly || !el) return;
    const k = keys.current;
    const ro = new ResizeObserver(() => {
      void frames.schedule(k.resize, () => {
        drawing.current = drawing.current.then(async () => {
          if (el.isConnected && el.clientWidth > 0 && '_fullLayout' in el) await plotly.Plots.resize(el);
          paintOverlay.current();
        });
      });
    });
    ro.observe(el);
    const draws = drawing;
    return () => {
      ro.disconnect();
      clearTimeout(throttled.current);
      for (const key of Object.values(k)) frames.drop(key);
      void draws.current.finally(() => plotly.purge(el));
    };
  }, [plotly]);

  /** Downloads the panel as the reader sees it (static layer and canvas layer), named after the lab's settings. */
  const download = async (format: 'png' | 'svg') => {
    const gd = ref.current as (HTMLDivElement & LaidOut) | null;
    const layout = gd?._fullLayout;
    if (!plotly || !gd || !layout) return;
    const image = await panelImage(plotly.toImage as Parameters<typeof panelImage>[0], gd, canvasRef.current, format, { width: Math.round(layout.width), height: Math.round(layout.height) });
    saveUrl(image, panelFileName(window.location.search, label ?? 'panel', format));
  };

  return (
    <div className={`plot-panel ${className ?? ''}`} style={{ height }} role="figure" aria-label={label}>
      <div ref={ref} className="plot-root" />
      <canvas ref={canvasRef} className="plot-overlay" aria-hidden="true" />
      {!error && <PanelDownload onDownload={(f) => void download(f).catch((e: unknown) => console.error('panel export failed:', e))} />}
      {error && <p className="plot-error">{error}</p>}
    </div>
  );
}

/** The panel's download menu: a small button in its corner (shown on hover or keyboard focus), PNG or SVG. */
function PanelDownload({ onDownload }: { onDownload(format: 'png' | 'svg'): void }) {
  const [open, setOpen] = useState(false);
  return (
    <div className={`plot-tools${open ? ' open' : ''}`} onMouseLeave={() => setOpen(false)}>
      <button type="button" className="plot-tools-toggle" aria-label="Download this panel" aria-expanded={open} title="Download as PNG or SVG (double-click the plot to reset a zoom)" onClick={() => setOpen((o) => !o)}>
        ⤓
      </button>
      {open && (
        <span className="plot-tools-menu" role="menu">
          {(['png', 'svg'] as const).map((f) => (
            <button
              key={f}
              type="button"
              role="menuitem"
              data-testid={`download-${f}`}
              onClick={() => {
                setOpen(false);
                onDownload(f);
              }}
            >
              {f.toUpperCase()}
            </button>
          ))}
        </span>
      )}
    </div>
  );
}
