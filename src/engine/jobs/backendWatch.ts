/**
 * `backend.watch`: answers with the engine's backend info the next time it changes after `init` (the WebGPU device was
 * lost and the engine moved to WASM). The app keeps one outstanding, so its badge follows the engine.
 */
import { onBackendChange } from '../backend.ts';
import { defineJob } from '../job.ts';
import type { BackendInfo } from '../protocol.ts';

export const backendWatch = defineJob<Record<string, never>, BackendInfo>(
  () =>
    new Promise((resolve) => {
      const off = onBackendChange((info) => {
        off();
        resolve(info);
      });
    }),
);
