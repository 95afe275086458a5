/**
 * The seed of the noise stream of iteration t (common random numbers: a pure function of (seed, t, stream)),
 * shared by every chains implementation. Pure TypeScript.
 */

/** Mixes (seed, t, stream) into a 31-bit seed (murmur3 finaliser). */
export function streamSeed(seed: number, t: number, stream: number): number {
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul((t + 1) | 0, 0x85ebca6b) ^ Math.imul((stream + 1) | 0, 0xc2b2ae35)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h & 0x7fffffff;
}
