/**
 * The drawing pad: pointer events (mouse, touch and pen alike), a brush size, undo and clear. Strokes are drawn
 * immediately on the canvas (the models run in the engine's worker, so the pen never waits for them); at the end
 * of each stroke `onInk` receives the pad's ink as a grey image in [0, 1]. An optional base image (a gallery
 * digit) is drawn under the strokes. Give it a new React `key` to start over (e.g. when a gallery digit is picked).
 * The pad takes the keyboard focus: Backspace or Ctrl+Z undoes the last stroke, Delete or Escape clears it.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { GreyImage } from '../../../models/digits/preprocess.ts';
import { placeImage } from '../../../models/digits/preprocess.ts';

export const PAD = 280;

interface Stroke {
  width: number;
  points: [number, number][];
}

function drawStroke(ctx: CanvasRenderingContext2D, s: Stroke): void {
  ctx.strokeStyle = '#fff';
  ctx.fillStyle = '#fff';
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.lineWidth = s.width;
  if (s.points.length === 1) {
    ctx.beginPath();
    ctx.arc(s.points[0][0], s.points[0][1], s.width / 2, 0, 2 * Math.PI);
    ctx.fill();
    return;
  }
  ctx.beginPath();
  ctx.moveTo(s.points[0][0], s.points[0][1]);
  for (const [x, y] of s.points.slice(1)) ctx.lineTo(x, y);
  ctx.stroke();
}

/** The pad with its undo and clear buttons; `onInk` gets the ink after each stroke, undo and clear. */
export function DrawingPad({
  brush,
  base,
  onInk,
  onClear,
}: {
  brush: number;
  /** 784 values to draw under the strokes (scaled to the pad, MNIST-sized), or null. */
  base: Float32Array | null;
  onInk(img: GreyImage | null, strokes: number): void;
  /** Called by the clear button (after the strokes and the base image are gone). */
  onClear?(): void;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [strokes, setStrokes] = useState<Stroke[]>([]);
  const current = useRef<Stroke | null>(null);
  const baseLayer = useRef<ImageData | null>(null);

  useEffect(() => {
    if (!base) {
      baseLayer.current = null;
      return;
    }
    const grey = placeImage(base, PAD, PAD, PAD / 28, 0, 0);
    const rgba = new Uint8ClampedArray(PAD * PAD * 4);
    for (let i = 0; i < PAD * PAD; i++) {
      const g = Math.round(255 * grey[i]);
      rgba.set([g, g, g, 255], 4 * i);
    }
    baseLayer.current = new ImageData(rgba, PAD, PAD);
  }, [base]);

  const redraw = useCallback((list: Stroke[]) => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, PAD, PAD);
    if (baseLayer.current) ctx.putImageData(baseLayer.current, 0, 0);
    for (const s of list) drawStroke(ctx, s);
  }, []);

  const emit = useCallback(
    (list: Stroke[]) => {
      const ctx = ref.current?.getContext('2d', { willReadFrequently: true });
      if (!ctx || (list.length === 0 && !baseLayer.current)) {
        onInk(null, list.length);
        return;
      }
      const d = ctx.getImageData(0, 0, PAD, PAD).data;
      const data = new Float32Array(PAD * PAD);
      for (let i = 0; i < data.length; i++) data[i] = d[4 * i] / 255;
      onInk({ width: PAD, height: PAD, data }, list.length);
    },
    [onInk],
  );

  useEffect(() => {
    redraw(strokes);
  }, [strokes, redraw, base]);

  const pos = (e: React.PointerEvent<HTMLCanvasElement>): [number, number] => {
    const r = e.currentTarget.getBoundingClientRect();
    return [((e.clientX - r.left) * PAD) / r.width, ((e.clientY - r.top) * PAD) / r.height];
  };

  const onDown = (e: React.PointerEvent<HTMLCanvasElement>) => {
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
    const width = e.pointerType === 'pen' && e.pressure > 0 ? brush * (0.5 + e.pressure) : brush;
    current.current = { width, points: [pos(e)] };
    const ctx = ref.current?.getContext('2d');
    if (ctx) drawStroke(ctx, current.current);
  };
  const onMove = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const s = current.current;
    if (!s) return;
    const events = typeof e.nativeEvent.getCoalescedEvents === 'function' ? e.nativeEvent.getCoalescedEvents() : [];
    const prev = s.points[s.points.length - 1];
    if (events.length > 1) {
      const r = e.currentTarget.getBoundingClientRect();
      for (const ev of events) s.points.push([((ev.clientX - r.left) * PAD) / r.width, ((ev.clientY - r.top) * PAD) / r.height]);
    } else {
      s.points.push(pos(e));
    }
    const ctx = ref.current?.getContext('2d');
    if (ctx) drawStroke(ctx, { width: s.width, points: [prev, ...s.points.slice(s.points.indexOf(prev) + 1)] });
  };
  const onUp = () => {
    const s = current.current;
    current.current = null;
    if (!s) return;
    const next = [...strokes, s];
    setStrokes(next);
    redraw(next);
    emit(next);
  };

  const undo = () => {
    const next = strokes.slice(0, -1);
    setStrokes(next);
    redraw(next);
    emit(next);
  };
  const clear = () => {
    setStrokes([]);
    baseLayer.current = null;
    redraw([]);
    onInk(null, 0);
    onClear?.();
  };
  const onKey = (e: React.KeyboardEvent<HTMLCanvasElement>) => {
    if ((e.key === 'Backspace' || (e.key === 'z' && (e.ctrlKey || e.metaKey))) && strokes.length > 0) {
      e.preventDefault();
      undo();
    } else if (e.key === 'Delete' || e.key === 'Escape') {
      e.preventDefault();
      clear();
    }
  };

  return (
    <div className="dlab-pad">
      <canvas
        ref={ref}
        width={PAD}
        height={PAD}
        data-testid="d-pad"
        tabIndex={0}
        aria-label="Drawing pad: draw a digit with the mouse, a finger or a pen; Backspace undoes a stroke, Delete clears"
        onKeyDown={onKey}
        onPointerDown={onDown}
        onPointerMove={onMove}
        onPointerUp={onUp}
        onPointerCancel={onUp}
      />
      <div className="dlab-pad-buttons">
        <button
          type="button"
          data-testid="d-undo"
          disabled={strokes.length === 0}
          onClick={undo}
        >
          undo
        </button>
        <button
          type="button"
          data-testid="d-clear"
          onClick={clear}
        >
          clear
        </button>
      </div>
    </div>
  );
}
