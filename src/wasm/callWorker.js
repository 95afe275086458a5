// The body of a worker thread that runs WebAssembly kernel instances for another thread (host side: workers.ts).
// Plain JavaScript with no imports, so that the same file runs as a browser module worker (bundled by Vite) and as a
// Node worker thread (through workers.ts's shim, which gives it `onmessage` and `postMessage`) with no transform.
//
// Messages in: { seq, id, module } instantiates `module` (self-contained: no imports) as instance `id`;
// { seq, id, ops } runs ops on instance `id` in order: { reserve: bytes } grows its memory to at least that many
// bytes, { write: [at, buffer] } copies bytes in, { call: [name, args] } calls an export, { read: [at, bytes] }
// copies bytes out; { id, drop: true } forgets instance `id`. Replies { seq, reads } (the reads in order,
// transferred) or { seq, error }. The first message out is { ready: true }.
const instances = new Map();
const PAGE = 65536;

function runOps(exports, ops) {
  const reads = [];
  for (const op of ops) {
    if (op.reserve !== undefined) {
      const have = exports.memory.buffer.byteLength;
      if (op.reserve > have) exports.memory.grow(Math.ceil((op.reserve - have) / PAGE));
    } else if (op.write) {
      const [at, buffer] = op.write;
      new Uint8Array(exports.memory.buffer, at, buffer.byteLength).set(new Uint8Array(buffer));
    } else if (op.call) {
      const [name, args] = op.call;
      exports[name](...args);
    } else if (op.read) {
      const [at, bytes] = op.read;
      reads.push(exports.memory.buffer.slice(at, at + bytes));
    }
  }
  return reads;
}

globalThis.onmessage = async ({ data }) => {
  if (data.drop) {
    instances.delete(data.id);
    return;
  }
  try {
    if (data.module) {
      instances.set(data.id, (await WebAssembly.instantiate(data.module, {})).exports);
      globalThis.postMessage({ seq: data.seq, reads: [] });
      return;
    }
    const exports = instances.get(data.id);
    if (!exports) throw new Error(`no WebAssembly instance ${data.id} in this worker`);
    const reads = runOps(exports, data.ops);
    globalThis.postMessage({ seq: data.seq, reads }, reads);
  } catch (e) {
    globalThis.postMessage({ seq: data.seq, error: e instanceof Error ? e.message : String(e) });
  }
};

globalThis.postMessage({ ready: true });
