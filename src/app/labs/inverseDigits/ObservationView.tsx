/**
 * The observation y of a degraded digit: seen pixels in grey (y clipped to [0, 1]), hidden pixels hatched in teal
 * (their y is noise of std 10, which would only show as salt and pepper). When `onBox` is given, dragging on it
 * hides the box spanned by the drag (a dashed outline follows the pointer); the current box is outlined. A small
 * button saves the picture as PNG.
 */
import { useEffect, useRef, useState } from 'react';
import { boxFromDrag, SIDE, type Box } from './params.ts';
import { saveUrl } from '../../export/files.ts';

/** Canvas pixels per digit pixel (the hatch needs a few). */
const CELL = 10;
const HIDDEN_FILL = '#0d3b47';
const HATCH = '#3fb7cf';

function hatchPattern(ctx: CanvasRenderingContext2D): CanvasPattern | string {
  const tile = document.createElement('canvas');
  tile.width = 8;
  tile.height = 8;
  const t = tile.getContext('2d');
  if (!t) return HATCH;
  t.fillStyle = HIDDEN_FILL;
  t.fillRect(0, 0, 8, 8);
  t.strokeStyle = HATCH;
  t.lineWidth = 1.5;
  t.beginPath();
  for (const o of [-8, 0, 8]) {
    t.moveTo(o, 8);
    t.lineTo(o + 8, 0);
  }
  t.stroke();
  return ctx.createPattern(tile, 'repeat') ?? HATCH;
}

/** Draws y and the hidden pixels on a 280 × 280 canvas, with the box outline and a drag rectangle when given. */
export function paintObservation(canvas: HTMLCanvasElement, y: ArrayLike<number> | null, seen: ArrayLike<number> | null, box: Box | null, drag: Box | null): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const side = SIDE * CELL;
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, side, side);
  if (y && seen) {
    const hatch = hatchPattern(ctx);
    for (let i = 0; i < SIDE * SIDE; i++) {
      const cx = (i % SIDE) * CELL;
      const cy = Math.floor(i / SIDE) * CELL;
      if (seen[i]) {
        const g = Math.round(255 * Math.min(1, Math.max(0, y[i])));
        ctx.fillStyle = `rgb(${g},${g},${g})`;
      } else {
        ctx.fillStyle = hatch;
      }
      ctx.fillRect(cx, cy, CELL, CELL);
    }
  }
  const outline = (b: Box, color: string, dash: number[]) => {
    ctx.save();
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.setLineDash(dash);
    ctx.strokeRect(b.x * CELL + 1, b.y * CELL + 1, b.w * CELL - 2, b.h * CELL - 2);
    ctx.restore();
  };
  if (box) outline(box, '#7fdcef', []);
  if (drag) outline(drag, '#ffb000', [6, 4]);
}

export function ObservationView({
  y,
  seen,
  box,
  onBox,
  size = 224,
  testId,
  fileName,
  label,
}: {
  y: ArrayLike<number> | null;
  seen: ArrayLike<number> | null;
  /** The hidden box to outline (box problems). */
  box: Box | null;
  /** Drag to hide a box: called with the box at the end of a drag over at least two pixels. */
  onBox?: (b: Box) => void;
  size?: number;
  testId?: string;
  fileName?: string;
  label: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const start = useRef<[number, number] | null>(null);
  const [drag, setDrag] = useState<Box | null>(null);

  useEffect(() => {
    if (ref.current) paintObservation(ref.current, y, seen, box, drag);
  }, [y, seen, box, drag]);

  const cell = (e: React.PointerEvent<HTMLCanvasElement>): [number, number] => {
    const r = e.currentTarget.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * SIDE, ((e.clientY - r.top) / r.height) * SIDE];
  };
  const onDown = (e: React.PointerEvent<HTMLCanvasElement>) => {
    if (!onBox) return;
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
    start.current = cell(e);
    setDrag(boxFromDrag(start.current, start.current));
  };
  const onMove = (e: React.PointerEvent<HTMLCanvasElement>) => {
    if (start.current) setDrag(boxFromDrag(start.current, cell(e)));
  };
  const onUp = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const s = start.current;
    start.current = null;
    setDrag(null);
    if (!s || !onBox) return;
    const b = boxFromDrag(s, cell(e));
    if (b.w * b.h >= 2) onBox(b);
  };
  const save = () => {
    const c = ref.current;
    if (!c || !fileName) return;
    c.toBlob((blob) => {
      if (!blob) return;
      const url = URL.createObjectURL(blob);
      saveUrl(url, fileName);
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    }, 'image/png');
  };
  let hidden = 0;
  if (seen) for (let i = 0; i < seen.length; i++) if (!seen[i]) hidden++;
  return (
    <figure className="idlab-obs">
      <canvas
        ref={ref}
        width={SIDE * CELL}
        height={SIDE * CELL}
        style={{ width: size, height: size, cursor: onBox ? 'crosshair' : 'default' }}
        data-testid={testId}
        data-hidden={seen ? hidden : ''}
        aria-label={label}
        role="img"
        onPointerDown={onDown}
        onPointerMove={onMove}
        onPointerUp={onUp}
        onPointerCancel={() => {
          start.current = null;
          setDrag(null);
        }}
      />
      <figcaption>
        {seen && hidden === 0 ? (
          'every pixel seen'
        ) : (
          <>
            <span className="idlab-swatch" aria-hidden="true" /> hidden ({hidden} px; y there is noise of std 10, not drawn)
          </>
        )}
        {fileName && (
          <button type="button" className="idlab-small" onClick={save} title={`save as ${fileName}`}>
            PNG
          </button>
        )}
      </figcaption>
    </figure>
  );
}
