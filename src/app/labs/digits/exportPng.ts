/**
 * Digit images as PNG files: the 28 × 28 image upscaled with crisp pixels, and for a colour-mapped image (std maps,
 * eigenvectors) its colour bar with the range and what the values are, so a slide keeps the meaning of the colours.
 */
import { colorOf, formatValue, toRgba, type ImageScale } from './images.ts';

/** Upscale factor of an exported image (28 × 28 → 336 × 336). */
const CELL = 12;
const BAR = 14;
const TEXT = 16;

/** A canvas with the image at `cell` px per pixel and, unless the scale is grey, its colour bar and labels below. */
export function exportCanvas(values: ArrayLike<number>, scale: ImageScale, cell = CELL): HTMLCanvasElement {
  const side = 28 * cell;
  const withBar = scale.map !== 'grey';
  const canvas = document.createElement('canvas');
  canvas.width = side;
  canvas.height = withBar ? side + BAR + 2 * TEXT + 8 : side;
  const ctx = canvas.getContext('2d')!;
  const small = document.createElement('canvas');
  small.width = 28;
  small.height = 28;
  small.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(toRgba(values, scale.map, scale.range)), 28, 28), 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, side, side);
  if (!withBar) return canvas;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, side, side, canvas.height - side);
  const [lo, hi] = scale.range;
  for (let x = 0; x < side; x++) {
    const [r, g, b] = colorOf(lo + ((hi - lo) * (x + 0.5)) / side, scale.map, scale.range);
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect(x, side + 4, 1, BAR);
  }
  ctx.fillStyle = '#222';
  ctx.font = '12px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  ctx.textAlign = 'left';
  ctx.fillText(formatValue(lo), 2, side + 6 + BAR);
  ctx.textAlign = 'right';
  ctx.fillText(formatValue(hi), side - 2, side + 6 + BAR);
  ctx.textAlign = 'center';
  ctx.fillText(scale.label, side / 2, side + 6 + BAR + TEXT, side - 8);
  return canvas;
}

/** Saves the image as a PNG file named `fileName` (the browser's download). */
export async function downloadPng(values: ArrayLike<number>, scale: ImageScale, fileName: string): Promise<void> {
  const canvas = exportCanvas(values, scale);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('The browser could not encode the image as PNG.');
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
