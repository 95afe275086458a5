/**
 * Where everything of the fused training step lives in GPU memory (pure, no WebGPU): the packed parameter vector
 * (every weight of `ScoreModel.namedVariables`, in that order and shape, so Adam's moments share the layout), the
 * networks as chains of dense layers over it, the per-workgroup scratch regions of the forward/backward kernel, and
 * how a batch is split into workgroups.
 */
import { s2IsFull } from '../../models/scoreModel.ts';
import { weightLayout, type ScoreModelSpec } from '../../models/scoreModelSpec.ts';

/** One dense layer y = x W + b inside the packed parameter vector (W row-major [fanIn, fanOut]). */
export interface DenseAt {
  fanIn: number;
  fanOut: number;
  /** Float offsets of W and b in the parameter vector. */
  w: number;
  b: number;
  /**
   * Float offset of a copy of Wᵀ (row-major [fanOut, fanIn]) past the parameters, kept by the Adam kernel, for the
   * lane-tiled backpropagation through this layer (`transposedLayers`); absent when the layer has none.
   */
  wt?: number;
}

/** A network as its dense layers: every layer but the last is followed by the activation. */
export interface NetAt {
  name: 's1' | 's2';
  layers: DenseAt[];
}

export interface ParamLayout {
  /** Float offset and element count of every variable, in `namedVariables` order. */
  tensors: { name: string; shape: number[]; offset: number; size: number }[];
  /** Total floats of the parameters (and of Adam's moments and every partial gradient). */
  size: number;
  /** Floats of the parameter buffer: the parameters, then the transposed copies (`DenseAt.wt`). */
  bufferSize: number;
  /** The s1 network (outputs o1 = σ s1θ). */
  s1: NetAt;
  /** A separate s2 network (outputs the raw head), when the trunk is not shared. */
  s2?: NetAt;
  /** The linear s2 head on s1's last hidden layer, when the trunk is shared. */
  head?: DenseAt;
  /** Outputs of the raw s2 head (0 for s2 = none). */
  rawSize: number;
}

/** n rounded up to a multiple of 4 (a vec4). */
export function pad4(n: number): number {
  return Math.ceil(n / 4) * 4;
}

/**
 * The packed parameter layout of a spec (MATH.md section 2's models, `scoreModel.ts`). Every tensor starts on a
 * multiple of 4 floats (the kernels load weight rows as vec4); the gaps get zero gradients and stay zero.
 */
export function paramLayout(spec: ScoreModelSpec): ParamLayout {
  const tensors: ParamLayout['tensors'] = [];
  let size = 0;
  for (const t of weightLayout(spec)) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    tensors.push({ ...t, offset: size, size: n });
    size += pad4(n);
  }
  const at = (name: string) => {
    const t = tensors.find((x) => x.name === name);
    if (!t) throw new Error(`internal: no weight "${name}" in the layout`);
    return t;
  };
  const net = (name: 's1' | 's2'): NetAt => {
    const layers: DenseAt[] = [];
    for (let l = 0; tensors.some((t) => t.name === `${name}.${l}.W`); l++) {
      const W = at(`${name}.${l}.W`);
      layers.push({ fanIn: W.shape[0], fanOut: W.shape[1], w: W.offset, b: at(`${name}.${l}.b`).offset });
    }
    return { name, layers };
  };
  const s1 = net('s1');
  const s2 = tensors.some((t) => t.name === 's2.0.W') ? net('s2') : undefined;
  const hw = tensors.find((t) => t.name === 's2head.W');
  const head = hw ? { fanIn: hw.shape[0], fanOut: hw.shape[1], w: hw.offset, b: at('s2head.b').offset } : undefined;
  const rawSize = s2 ? s2.layers[s2.layers.length - 1].fanOut : head ? head.fanOut : 0;
  let bufferSize = size;
  for (const l of transposedLayers(s1, s2, head)) {
    l.wt = bufferSize;
    bufferSize += l.fanIn * l.fanOut;
  }
  return { tensors, size, bufferSize, s1, ...(s2 ? { s2 } : {}), ...(head ? { head } : {}), rawSize };
}

/** Every dense layer of a layout (the networks' and the shared-trunk head). */
export function denseLayers(p: ParamLayout): DenseAt[] {
  return [...p.s1.layers, ...(p.s2?.layers ?? []), ...(p.head ? [p.head] : [])];
}

/**
 * Whether a layer's products run lane-tiled (both sizes multiples of 8, kernelWgsl.ts): every group of 4
 * invocations reads 4 consecutive floats of one operand and one float of the other.
 */
export function laneTiled(l: DenseAt): boolean {
  return l.fanIn % 8 === 0 && l.fanOut % 8 === 0;
}

/**
 * The layers whose backpropagation δWᵀ runs lane-tiled on a transposed copy of W: lane-tiled layers past the
 * first of each network (the first has no δ to pass back), except s1's output layer when the s2 head shares its
 * input (that product sums two sources).
 */
function transposedLayers(s1: NetAt, s2: NetAt | undefined, head: DenseAt | undefined): DenseAt[] {
  const out: DenseAt[] = [];
  for (const net of [s1, s2]) {
    if (!net) continue;
    net.layers.forEach((l, i) => {
      if (i === 0 || !laneTiled(l) || (head && net === s1 && i === net.layers.length - 1)) return;
      out.push(l);
    });
  }
  return out;
}

/** Network rows per sample: x̃ alone, or with VR the antithetic pair and the clean point [x + σz, x − σz, x]. */
export function rowsPerSample(vr: boolean): number {
  return vr ? 3 : 1;
}

/** Per-row width of the loss gradient w.r.t. σ²hθ: D² for the full D2SM, D for the diagonal one, 0 for s1 alone. */
export function hGradWidth(spec: ScoreModelSpec): number {
  if (spec.s2 === 'none') return 0;
  return s2IsFull(spec.s2) ? spec.dim * spec.dim : spec.dim;
}

/** A named region of the scratch: `width` floats per row, stored with a row stride of `stride` = pad4(width). */
export interface Region {
  name: string;
  width: number;
  stride: number;
  /** Offset of the region in floats per row of the workgroup block (multiply by the padded row count). */
  at: number;
}

/**
 * Scratch regions of one workgroup's block, each `rows × width`: the network input X, per network and hidden layer
 * the activation A and the derivative-then-delta G, the outputs O1 and RAW with their loss gradients, the gradient
 * EH w.r.t. σ²hθ, and per sample the noise Z and the loss parts L.
 */
export interface ScratchLayout {
  regions: Map<string, Region>;
  /** Floats per row of all row regions together. */
  rowFloats: number;
}

export function scratchLayout(spec: ScoreModelSpec, p: ParamLayout): ScratchLayout {
  const regions = new Map<string, Region>();
  let at = 0;
  const add = (name: string, width: number) => {
    regions.set(name, { name, width, stride: pad4(width), at });
    at += pad4(width);
  };
  add('X', spec.dim);
  for (const net of [p.s1, p.s2]) {
    if (!net) continue;
    net.layers.slice(0, -1).forEach((l, h) => {
      add(`${net.name}.A${h + 1}`, l.fanOut);
      add(`${net.name}.G${h + 1}`, l.fanOut);
    });
  }
  add('O1', spec.dim);
  add('DO1', spec.dim);
  if (p.rawSize > 0) {
    add('RAW', p.rawSize);
    add('DRAW', p.rawSize);
    add('EH', hGradWidth(spec));
  }
  return { regions, rowFloats: at };
}

/** How a batch is split: `groups` workgroups of `samplesPerGroup` samples (the last may have fewer). */
export interface Partition {
  groups: number;
  samplesPerGroup: number;
  /** Rows of a workgroup block, rounded up to the 16-row tiles of the lane-tiled products (kernelWgsl.ts). */
  rowsPad: number;
}

/** Floats of the per-workgroup partial gradients allowed (G × P); bounds the split for big models. */
export const PARTIAL_FLOATS = 1 << 24;

/**
 * Splits a batch into workgroups of about `targetSamples` samples each, with at most `PARTIAL_FLOATS / P`
 * workgroups (each writes a full partial gradient of P floats that the Adam kernel sums).
 */
export function partition(batch: number, vr: boolean, paramCount: number, targetSamples: number): Partition {
  const maxGroups = Math.max(1, Math.floor(PARTIAL_FLOATS / paramCount));
  let groups = Math.min(maxGroups, Math.ceil(batch / targetSamples));
  const samplesPerGroup = Math.ceil(batch / groups);
  groups = Math.ceil(batch / samplesPerGroup);
  const rowsPad = Math.ceil((samplesPerGroup * rowsPerSample(vr)) / 16) * 16;
  return { groups, samplesPerGroup, rowsPad };
}

/** Floats of one workgroup block of the scratch: the row regions, then per sample Z (pad4(D)) and its loss parts (4). */
export function blockFloats(s: ScratchLayout, part: Partition, dim: number): number {
  return part.rowsPad * s.rowFloats + part.samplesPerGroup * (pad4(dim) + 4);
}
