/**
 * The typed message protocol between the UI (or the CLI) and the engine.
 *
 * Requests carry an id; every response names the id it answers: zero or more `progress` messages, then
 * exactly one `result` or `error`. A `cancel` asks the job with that id to stop at its next checkpoint;
 * it then answers with an `error` whose `cancelled` flag is set. An `ack` says the caller has shown the last
 * progress message: the engine sends no further progress for that id before it, then the newest report made
 * meanwhile (backpressure: a UI that falls behind gets fewer, fresher reports; the job itself never waits). Payloads are plain data (numbers,
 * strings, arrays, Float32Arrays): never tensors.
 */
import type { JobMap } from './jobs/index.ts';

export type BackendName = 'webgpu' | 'wasm' | 'webgl' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['webgpu', 'wasm', 'webgl', 'cpu'];

/** What the engine runs on: the tfjs backend and, for WebGPU, the adapter it found. */
export interface BackendInfo {
  name: BackendName;
  /** Human description of the device, e.g. "NVIDIA H100 (Vulkan)" or "WebAssembly (SIMD)". */
  adapter: string;
  /** Why the engine is not on the preferred or requested backend, when it is not. */
  notice?: string;
  /** WASM: the threads its kernels run on (more than one only on a cross-origin isolated page). */
  threads?: number;
  /** Set when the WebGPU device was lost and the engine moved here: the device's reason. */
  deviceLost?: string;
  /** The start-up timing that chose between WebGPU and WASM, when one ran (e.g. "WebGPU 0.80 ms/step, WASM 4.1 ms/step"). */
  measured?: string;
}

export type JobName = keyof JobMap;
export type JobParams<N extends JobName> = Parameters<JobMap[N]['run']>[0];
export type JobResult<N extends JobName> = Awaited<ReturnType<JobMap[N]['run']>>;
export type JobProgress<N extends JobName> = Parameters<Parameters<JobMap[N]['run']>[1]['progress']>[0];

export interface JobRequest<N extends JobName = JobName> {
  type: 'request';
  id: number;
  job: N;
  params: JobParams<N>;
}
export interface CancelRequest {
  type: 'cancel';
  id: number;
}
export interface AckRequest {
  type: 'ack';
  id: number;
}
export type EngineRequest = JobRequest | CancelRequest | AckRequest;

export interface ProgressResponse {
  type: 'progress';
  id: number;
  progress: unknown;
}
export interface ResultResponse {
  type: 'result';
  id: number;
  result: unknown;
}
export interface ErrorResponse {
  type: 'error';
  id: number;
  message: string;
  cancelled?: boolean;
}
export type EngineResponse = ProgressResponse | ResultResponse | ErrorResponse;
