/**
 * The linear-memory layout of the WASM training step (assembly/trainStep.ts): parameters, Adam's moments and the
 * gradient in one padded flat layout, then the per-batch scratch (inputs, each network's activations and their
 * derivatives, its output and the output's gradient, back-propagated errors, a transposed weight matrix).
 * Every dimension is padded to a multiple of 4 (the kernel's f32x4 tiles) with zeros that stay zero. Pure (no tfjs).
 */
import type { ActivationName } from '../../models/hyper.ts';
import { layerSizes, type ScoreModelSpec } from '../../models/scoreModelSpec.ts';

/** The activations' numbers in the kernel (`activate` in assembly/trainStep.ts). */
export const ACT_CODES: Record<ActivationName, number> = { softplus: 0, tanh: 1, silu: 2, relu: 3 };

/** n rounded up to a multiple of 4. */
export function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** One dense layer x·W + b: real and padded sizes, and the offsets (floats) of W (inPad × outPad) and b (outPad). */
export interface WasmDense {
  fanIn: number;
  fanOut: number;
  inPad: number;
  outPad: number;
  w: number;
  b: number;
}

export interface WasmParamLayout {
  /**
   * The s1 network, then the s2 network when the model has one: hidden layers, then the linear output layer. With a
   * shared trunk the s2 "network" is its linear head alone, on the s1 network's last hidden layer.
   */
  nets: WasmDense[][];
  sharedTrunk: boolean;
  /** Floats of one padded copy (θ, m, v and the gradient each take one). */
  size: number;
}

/** The networks' layers in `ScoreModel.namedVariables` order (W then b per layer; s1 first). */
export function wasmParamLayout(spec: ScoreModelSpec): WasmParamLayout {
  const sizes = layerSizes(spec);
  let at = 0;
  const net = (s: number[]): WasmDense[] =>
    s.slice(1).map((fanOut, l) => {
      const inPad = pad4(s[l]);
      const outPad = pad4(fanOut);
      const layer = { fanIn: s[l], fanOut, inPad, outPad, w: at, b: at + inPad * outPad };
      at += inPad * outPad + outPad;
      return layer;
    });
  const second = sizes.s2 ?? sizes.s2head;
  const nets = [net(sizes.s1), ...(second ? [net(second)] : [])];
  return { nets, sharedTrunk: !!sizes.s2head, size: at };
}

/** Parameters θ, m, v and the gradient g start at these offsets; the scratch follows. */
export function paramOffsets(p: WasmParamLayout): { theta: number; m: number; v: number; g: number; end: number } {
  return { theta: 0, m: p.size, v: 2 * p.size, g: 3 * p.size, end: 4 * p.size };
}

/** One network's scratch: per hidden layer the activations h and the activation's derivative d; its output and gradient. */
export interface WasmNetScratch {
  hidden: { h: number; d: number }[];
  out: number;
  outGrad: number;
}

/** Offsets (floats, from the start of the layout) of everything one step of a batch reads and writes. */
export interface WasmScratch {
  batch: number;
  vr: boolean;
  /** Row groups: 1, or with VR x + σz and x, and x − σz between them when the model has an s2 network. */
  groups: number;
  /** Rows the networks run on (groups · batch), and that number padded. */
  rows: number;
  rowsPad: number;
  /** The networks' input rows (rowsPad × padded dim). */
  input: number;
  nets: WasmNetScratch[];
  /** Two buffers for back-propagated errors (rowsPad × widest padded layer), and a third for a shared trunk's head. */
  err: [number, number, number];
  /** A transposed weight matrix (the largest padded layer). */
  wt: number;
  /** End of the layout (floats). */
  end: number;
}

export function wasmScratch(p: WasmParamLayout, batch: number, vr: boolean): WasmScratch {
  const groups = vr ? (p.nets.length > 1 ? 3 : 2) : 1;
  const rows = groups * batch;
  const rowsPad = pad4(rows);
  const layers = p.nets.flat();
  const widest = Math.max(...layers.map((l) => l.outPad));
  let at = paramOffsets(p).end;
  const take = (n: number): number => {
    const start = at;
    at += n;
    return start;
  };
  const input = take(rowsPad * p.nets[0][0].inPad);
  const nets = p.nets.map((net) => {
    const last = net[net.length - 1];
    const hidden = net.slice(0, -1).map((l) => ({ h: take(rowsPad * l.outPad), d: take(rowsPad * l.outPad) }));
    return { hidden, out: take(rowsPad * last.outPad), outGrad: take(rowsPad * last.outPad) };
  });
  const err: [number, number, number] = [take(rowsPad * widest), take(rowsPad * widest), p.sharedTrunk ? take(rowsPad * widest) : 0];
  const wt = take(Math.max(...layers.map((l) => l.inPad * l.outPad)));
  return { batch, vr, groups, rows, rowsPad, input, nets, err, wt, end: at };
}
