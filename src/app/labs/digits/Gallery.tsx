/**
 * The MNIST test digits shipped in public/mnist-gallery.bin, as one sprite: click a digit, or focus the gallery
 * and move with the arrow keys (Home/End, Page Up/Down) and pick with Enter or Space. "larger" shows fewer
 * digits per row, big enough for a projector, in a scrolling box.
 */
import { useEffect, useRef, useState } from 'react';

export interface GalleryData {
  count: number;
  labels: number[];
  testIndices: number[];
  pixels: Uint8Array;
}

/** Digits per row: all 300 at a glance, or larger thumbnails. */
const COLS = { small: 30, large: 10 } as const;

/** Fetches the gallery's metadata and pixels; the error says which file is missing and how to make it. */
export async function loadGallery(): Promise<GalleryData> {
  const base = new URL('.', document.baseURI);
  const meta = await fetch(new URL('mnist-gallery.json', base)).then((r) => {
    if (!r.ok) throw new Error(`mnist-gallery.json is missing (HTTP ${r.status}); regenerate it with \`python3 training/make_gallery.py --out public\`.`);
    return r.json() as Promise<{ count: number; labels: number[]; testIndices: number[]; file: string }>;
  });
  const buf = await fetch(new URL(meta.file, base)).then((r) => {
    if (!r.ok) throw new Error(`${meta.file} is missing (HTTP ${r.status}).`);
    return r.arrayBuffer();
  });
  const pixels = new Uint8Array(buf);
  if (pixels.length !== meta.count * 784) throw new Error(`${meta.file} has ${pixels.length} bytes, expected ${meta.count * 784}.`);
  return { count: meta.count, labels: meta.labels, testIndices: meta.testIndices, pixels };
}

/** Digit `i` of the gallery as 784 values in [0, 1]. */
export function galleryDigit(g: GalleryData, i: number): Float32Array {
  return Float32Array.from(g.pixels.subarray(i * 784, (i + 1) * 784), (v) => v / 255);
}

/** The gallery index the key moves the cursor to from `at` (or null for a key the gallery does not use). */
export function galleryMove(key: string, at: number, count: number, cols: number): number | null {
  const step: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -cols, ArrowDown: cols, PageUp: -3 * cols, PageDown: 3 * cols };
  if (key === 'Home') return 0;
  if (key === 'End') return count - 1;
  if (!(key in step)) return null;
  return Math.min(count - 1, Math.max(0, at + step[key]));
}

/** Draws the sprite: every digit, the picked one tinted, the keyboard cursor outlined. */
function paint(ctx: CanvasRenderingContext2D, data: GalleryData, cols: number, selected: number, cursor: number): void {
  const rows = Math.ceil(data.count / cols);
  const img = ctx.createImageData(cols * 28, rows * 28);
  for (let i = 0; i < data.count; i++) {
    const ox = (i % cols) * 28;
    const oy = Math.floor(i / cols) * 28;
    const on = i === selected;
    for (let p = 0; p < 784; p++) {
      const g = data.pixels[i * 784 + p];
      const at = 4 * ((oy + Math.floor(p / 28)) * cols * 28 + ox + (p % 28));
      img.data.set([on ? Math.max(g, 40) : g, g, on ? Math.max(g, 90) : g, 255], at);
    }
  }
  ctx.putImageData(img, 0, 0);
  if (cursor >= 0) {
    ctx.strokeStyle = '#ffb000';
    ctx.lineWidth = 2;
    ctx.strokeRect((cursor % cols) * 28 + 1, Math.floor(cursor / cols) * 28 + 1, 26, 26);
  }
}

/** The gallery sprite with keyboard cursor and thumbnail size; `onPick` gets the index of a picked digit. */
export function Gallery({ data, selected, onPick }: { data: GalleryData | null; selected: number; onPick(i: number): void }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const [hover, setHover] = useState(-1);
  const [cursor, setCursor] = useState(-1);
  const [large, setLarge] = useState(false);
  const cols = large ? COLS.large : COLS.small;
  const rows = data ? Math.ceil(data.count / cols) : 0;
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (ctx && data) paint(ctx, data, cols, selected, cursor);
  }, [data, cols, selected, cursor]);
  useEffect(() => {
    // keep the cursor's row in view in the scrolling box of the larger thumbnails
    const c = ref.current;
    const b = box.current;
    if (!c || !b || cursor < 0) return;
    const rowH = c.clientHeight / rows;
    const top = Math.floor(cursor / cols) * rowH;
    if (top < b.scrollTop) b.scrollTop = top;
    else if (top + rowH > b.scrollTop + b.clientHeight) b.scrollTop = top + rowH - b.clientHeight;
  }, [cursor, cols, rows]);
  if (!data) return <p className="hint">loading the MNIST gallery…</p>;
  const pick = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    const cx = Math.floor(((e.clientX - r.left) / r.width) * cols);
    const cy = Math.floor(((e.clientY - r.top) / r.height) * rows);
    const i = cy * cols + cx;
    return i >= 0 && i < data.count ? i : -1;
  };
  const onKey = (e: React.KeyboardEvent<HTMLCanvasElement>) => {
    const at = cursor >= 0 ? cursor : Math.max(0, selected);
    if ((e.key === 'Enter' || e.key === ' ') && at < data.count) {
      e.preventDefault();
      setCursor(at);
      onPick(at);
      return;
    }
    const next = galleryMove(e.key, at, data.count, cols);
    if (next === null) return;
    e.preventDefault();
    setCursor(next);
  };
  const shown = hover >= 0 ? hover : cursor;
  return (
    <div className={`dlab-gallery${large ? ' large' : ''}`}>
      <div className="dlab-gallery-box" ref={box}>
        <canvas
          ref={ref}
          width={cols * 28}
          height={rows * 28}
          tabIndex={0}
          data-testid="d-gallery"
          data-cursor={cursor}
          onClick={(e) => {
            const i = pick(e);
            if (i >= 0) {
              setCursor(i);
              onPick(i);
            }
          }}
          onKeyDown={onKey}
          onFocus={() => cursor < 0 && setCursor(Math.max(0, selected))}
          onMouseMove={(e) => setHover(pick(e))}
          onMouseLeave={() => setHover(-1)}
          aria-label="MNIST test digits: click one, or move with the arrow keys and press Enter, to start from it"
        />
      </div>
      <div className="dlab-gallery-bar">
        <span className="hint" aria-live="polite" data-testid="d-gallery-hint">
          {shown >= 0
            ? `test digit #${data.testIndices[shown]} (label ${data.labels[shown]})${hover < 0 ? ': Enter picks it' : ''}`
            : `${data.count} MNIST test digits: click one, or use the arrow keys and Enter`}
        </span>
        <button type="button" aria-pressed={large} onClick={() => setLarge(!large)} data-testid="d-gallery-zoom">
          {large ? 'smaller thumbnails' : 'larger thumbnails'}
        </button>
      </div>
    </div>
  );
}
