/**
 * A 28 × 28 array drawn on a small canvas, upscaled with crisp pixels, with a caption. Clicking it (or Enter on
 * it) opens a projector-sized view with the image's colour bar and a PNG download named by `fileName`.
 */
import { useEffect, useRef, useState } from 'react';
import { GREY_SCALE, isNonBlank, toRgba, type ImageScale } from './images.ts';
import { ColorBar } from './ColorBar.tsx';
import { downloadPng } from './exportPng.ts';

/** Paints `values` on a 28 × 28 canvas under `scale` (clears it when there are none). */
function usePaint(ref: React.RefObject<HTMLCanvasElement | null>, values: ArrayLike<number> | null | undefined, scale: ImageScale): void {
  const { map, range } = scale;
  const [lo, hi] = range;
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    if (!values) {
      ctx.clearRect(0, 0, 28, 28);
      return;
    }
    ctx.putImageData(new ImageData(new Uint8ClampedArray(toRgba(values, map, [lo, hi])), 28, 28), 0, 0);
  }, [ref, values, map, lo, hi]);
}

/** One 28 × 28 image under a colour scale, enlargeable, with its caption. */
export function ImageView({
  values,
  scale = GREY_SCALE,
  caption,
  size = 112,
  testId,
  title,
  fileName,
}: {
  values: ArrayLike<number> | null | undefined;
  /** Colours and range; share one scale between images that are compared. Default: grey, [0, 1]. */
  scale?: ImageScale;
  caption?: string;
  size?: number;
  testId?: string;
  title?: string;
  /** The PNG file name of the download offered by the zoomed view (`digitFileName`). */
  fileName?: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [zoomed, setZoomed] = useState(false);
  usePaint(ref, values, scale);
  const canvas = (
    <canvas
      ref={ref}
      width={28}
      height={28}
      style={{ width: size, height: size }}
      data-testid={testId}
      data-nonblank={values ? String(isNonBlank(values)) : 'false'}
      data-range={scale.range.join(',')}
    />
  );
  return (
    <figure className="dlab-image" title={title}>
      {values ? (
        <button type="button" className="dlab-zoom-button" onClick={() => setZoomed(true)} aria-label={`enlarge ${caption ?? 'image'}`}>
          {canvas}
        </button>
      ) : (
        canvas
      )}
      {caption !== undefined && <figcaption style={{ maxWidth: Math.max(size, 112) }}>{caption}</figcaption>}
      {zoomed && values && <ZoomDialog values={values} scale={scale} caption={caption ?? title ?? ''} fileName={fileName} onClose={() => setZoomed(false)} />}
    </figure>
  );
}

/** The enlarged image in a modal dialog (Escape or "close" closes it), with its colour bar and the PNG download. */
function ZoomDialog({
  values,
  scale,
  caption,
  fileName,
  onClose,
}: {
  values: ArrayLike<number>;
  scale: ImageScale;
  caption: string;
  fileName?: string;
  onClose(): void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const ref = useRef<HTMLCanvasElement>(null);
  const [error, setError] = useState<string | null>(null);
  usePaint(ref, values, scale);
  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog ref={dialog} className="dlab-zoom" data-testid="d-zoom" onClose={onClose} onClick={(e) => e.target === dialog.current && dialog.current.close()}>
      <canvas ref={ref} width={28} height={28} className="dlab-zoom-image" />
      <p className="dlab-zoom-caption">{caption}</p>
      {scale.map !== 'grey' && <ColorBar scale={scale} width={320} />}
      {error && <p className="error-text">{error}</p>}
      <div className="dlab-buttons">
        {fileName && (
          <button type="button" data-testid="d-download" onClick={() => downloadPng(values, scale, fileName).catch((e: Error) => setError(e.message))}>
            download PNG ({fileName})
          </button>
        )}
        <button type="button" data-testid="d-zoom-close" onClick={() => dialog.current?.close()} autoFocus>
          close
        </button>
      </div>
    </dialog>
  );
}
