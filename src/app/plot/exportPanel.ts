/**
 * Export of a panel as the reader sees it (issue 14): Plotly's static layer (`Plotly.toImage`) with the canvas layer
 * of a live panel painted over it, as PNG or SVG, under a file name that says the lab, its settings and the seed.
 */

/** `tweedie-<lab>-<setting>-<value>…-seed-<n>-<panel>.<ext>`, from the app's URL query and the panel's label. */
export function exportFileName(search: string, label: string, ext: 'png' | 'svg' | 'csv' | 'json'): string {
  const q = new URLSearchParams(search);
  const lab = q.get('tab') ?? 'lab';
  const settings = [...q].filter(([k]) => !['tab', 'explain', 'backend', 'seed'].includes(k)).map(([k, v]) => `${k}-${v}`);
  const parts = ['tweedie', lab, ...settings, `seed-${q.get('seed') ?? '1'}`, label];
  const name = parts
    .join('-')
    .normalize('NFKD')
    .replace(/σ/g, 'sigma')
    .replace(/ε/g, 'eps')
    .replace(/[^A-Za-z0-9.+-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 180);
  return `${name}.${ext}`;
}

/** Saves a Blob or data URL under `name` (a temporary link). */
export function saveAs(data: Blob | string, name: string): void {
  const url = typeof data === 'string' ? data : URL.createObjectURL(data);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  if (typeof data !== 'string') setTimeout(() => URL.revokeObjectURL(url), 10_000);
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
