/** The key of a colour scale: its gradient from lo to hi, the two ends and the middle, and what the values are. */
import { useEffect, useRef } from 'react';
import { colorOf, formatValue, type ImageScale } from './images.ts';

const STEPS = 64;

/** The colour bar of `scale`, `width` px wide; `data-range` holds "lo,hi" for tests. */
export function ColorBar({ scale, testId, width = 220 }: { scale: ImageScale; testId?: string; width?: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [lo, hi] = scale.range;
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(STEPS, 1);
    for (let i = 0; i < STEPS; i++) img.data.set(colorOf(lo + ((hi - lo) * (i + 0.5)) / STEPS, scale.map, [lo, hi]), 4 * i);
    ctx.putImageData(img, 0, 0);
  }, [lo, hi, scale.map]);
  return (
    <figure className="dlab-colorbar" data-testid={testId} data-range={`${lo},${hi}`} style={{ width }}>
      <canvas ref={ref} width={STEPS} height={1} aria-hidden="true" />
      <div className="dlab-colorbar-ticks">
        <span>{formatValue(lo)}</span>
        <span>{formatValue((lo + hi) / 2)}</span>
        <span>{formatValue(hi)}</span>
      </div>
      <figcaption>{scale.label}</figcaption>
    </figure>
  );
}
