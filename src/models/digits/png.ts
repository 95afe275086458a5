/**
 * A small PNG decoder for the CLI's `--image` (Node: zlib inflate is passed in): 8-bit greyscale, grey+alpha, RGB,
 * RGBA and palette images, non-interlaced. Returns the ink as a grey image in [0, 1] (dark-on-light images are
 * inverted, so the digit is the bright part as in MNIST; transparent pixels count as background).
 */
import type { GreyImage } from './preprocess.ts';
import { checkBudget } from '../../core/budgets.ts';

export class PngError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PngError';
  }
}

/**
 * Decodes a PNG's ink. The size its IHDR declares is checked against the pixel budget before anything is inflated
 * or allocated (a small file can declare 12000 × 12000); `inflate` gets the most bytes the image data may take and
 * should refuse more (Node: `inflateSync(z, { maxOutputLength })`).
 */
export function decodePngInk(bytes: Uint8Array, inflate: (data: Uint8Array, maxBytes: number) => Uint8Array): GreyImage {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  if (bytes.length < 8 || sig.some((v, i) => bytes[i] !== v)) throw new PngError('not a PNG file (bad signature)');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let width = 0;
  let height = 0;
  let depth = 0;
  let ctype = 0;
  let interlace = 0;
  let palette: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  while (pos + 8 <= bytes.length) {
    const len = dv.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    const data = bytes.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = dv.getUint32(pos + 8);
      height = dv.getUint32(pos + 12);
      depth = data[8];
      ctype = data[9];
      interlace = data[12];
    } else if (type === 'PLTE') palette = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  if (!width || !height) throw new PngError('no IHDR chunk');
  checkBudget('imagePixels', width * height, `the image is ${width} × ${height}; scale it down (a digit needs no more than a few hundred pixels a side)`);
  if (depth !== 8) throw new PngError(`bit depth ${depth} is not supported (8 only)`);
  if (interlace) throw new PngError('interlaced PNGs are not supported');
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[ctype as 0 | 2 | 3 | 4 | 6];
  if (!channels) throw new PngError(`colour type ${ctype} is not supported`);
  const total = idat.reduce((a, b) => a + b.length, 0);
  const z = new Uint8Array(total);
  let o = 0;
  for (const c of idat) {
    z.set(c, o);
    o += c.length;
  }
  let raw: Uint8Array;
  try {
    raw = inflate(z, height * (width * channels + 1));
  } catch (e) {
    throw new PngError(`the image data does not inflate to a ${width} × ${height} image (${(e as Error).message})`);
  }
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) throw new PngError('image data is truncated');
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? px[y * stride + x - channels] : 0;
      const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? px[(y - 1) * stride + x - channels] : 0;
      let pred = 0;
      if (f === 1) pred = a;
      else if (f === 2) pred = b;
      else if (f === 3) pred = (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (f !== 0) throw new PngError(`unknown filter ${f}`);
      px[y * stride + x] = (line[x] + pred) & 0xff;
    }
  }
  const lum = new Float32Array(width * height);
  const alpha = new Float32Array(width * height).fill(1);
  for (let i = 0; i < width * height; i++) {
    const p = px.subarray(i * channels, (i + 1) * channels);
    if (ctype === 3) {
      if (!palette) throw new PngError('palette image without PLTE');
      const k = p[0] * 3;
      lum[i] = (0.299 * palette[k] + 0.587 * palette[k + 1] + 0.114 * palette[k + 2]) / 255;
    } else if (channels <= 2) {
      lum[i] = p[0] / 255;
      if (channels === 2) alpha[i] = p[1] / 255;
    } else {
      lum[i] = (0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]) / 255;
      if (channels === 4) alpha[i] = p[3] / 255;
    }
  }
  // background = the brighter or darker side, judged on the border pixels
  let border = 0;
  let nb = 0;
  for (let x = 0; x < width; x++) {
    border += lum[x] + lum[(height - 1) * width + x];
    nb += 2;
  }
  const invert = border / nb > 0.5;
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = alpha[i] * (invert ? 1 - lum[i] : lum[i]);
  return { width, height, data };
}
