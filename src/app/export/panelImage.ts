/**
 * Export of a panel as the reader sees it (issue 14): Plotly's static layer (`Plotly.toImage`) with the canvas layer
 * of a live panel painted over it, as PNG or SVG, under a file name that says the lab, its settings and the seed.
 */
import { exportFileName } from './files.ts';

/** The file name of a panel: the lab and its settings from the app's URL query, the panel's label, the seed. */
export function panelFileName(search: string, label: string, ext: 'png' | 'svg'): string {
  const q = new URLSearchParams(search);
  const setting = [...q].filter(([k]) => !['tab', 'explain', 'backend', 'seed'].includes(k)).map(([k, v]) => `${k}${v}`);
  const what = label.normalize('NFKD').replace(/σ/g, 'sigma').replace(/ε/g, 'eps').slice(0, 60);
  return exportFileName(q.get('tab') ?? 'lab', what, setting, Number(q.get('seed') ?? 1), ext);
}

type ToImage = (gd: HTMLElement, opts: { format: 'png' | 'svg'; width: number; height: number; scale?: number }) => Promise<string>;

function loadImage(src: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('the panel image could not be decoded'));
    img.src = src;
  });
}

/**
 * The panel as an image data URL: Plotly's layers at `scale`, then the canvas layer (which covers the same paper
 * area) drawn over it. SVG keeps Plotly's vector layers and embeds the canvas layer as a bitmap.
 */
export async function panelImage(toImage: ToImage, gd: HTMLElement, overlay: HTMLCanvasElement | null, format: 'png' | 'svg', size: { width: number; height: number }): Promise<string> {
  const scale = format === 'png' ? 2 : 1;
  const base = await toImage(gd, { format, width: size.width, height: size.height, scale });
  const hasOverlay = overlay !== null && overlay.width > 0 && overlay.height > 0;
  if (format === 'svg') {
    if (!hasOverlay) return base;
    const svg = decodeURIComponent(base.slice(base.indexOf(',') + 1));
    const layer = `<image x="0" y="0" width="${size.width}" height="${size.height}" href="${overlay.toDataURL('image/png')}"/>`;
    return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg.replace(/<\/svg>\s*$/, `${layer}</svg>`))}`;
  }
  if (!hasOverlay) return base;
  const canvas = document.createElement('canvas');
  canvas.width = size.width * scale;
  canvas.height = size.height * scale;
  const ctx = canvas.getContext('2d');
  if (!ctx) return base;
  ctx.drawImage(await loadImage(base), 0, 0, canvas.width, canvas.height);
  ctx.drawImage(overlay, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL('image/png');
}
