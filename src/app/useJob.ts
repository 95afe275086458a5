/**
 * `useJob(name)`: runs one kind of engine job from a component, with its progress, result, error and a
 * cancel. Starting a new run cancels the one in flight; unmounting cancels too. The job runs in the
 * engine's worker, never on the UI thread. Progress reaches React through the frame scheduler (at most once a
 * frame, the newest wins) and is acknowledged to the engine once drawn (backpressure).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { EngineError } from '../engine/client.ts';
import type { JobName, JobParams, JobProgress, JobResult } from '../engine/protocol.ts';
import { engine } from './engine.ts';
import { frames } from './plot/frameScheduler.ts';

export type JobStatus = 'idle' | 'running' | 'done' | 'error' | 'cancelled';

export interface JobState<N extends JobName> {
  status: JobStatus;
  /** The latest progress message of the current run (at most one per frame; the engine waits for it to be drawn). */
  progress: JobProgress<N> | undefined;
  /** The last successful result (kept while a new run is in flight). */
  result: JobResult<N> | undefined;
  /** The error message of the last run, when it failed. */
  error: string | undefined;
}

export interface JobHandle<N extends JobName> extends JobState<N> {
  /** Starts a run (cancelling one in flight). Resolves to the result, or undefined when cancelled or failed. */
  run(params: JobParams<N>): Promise<JobResult<N> | undefined>;
  /** Cancels the run in flight, if any: it stops at its next checkpoint and the status becomes 'cancelled'. */
  cancel(): void;
  /** Back to idle, forgetting the last result and error (cancels a run in flight). */
  reset(): void;
}

export function useJob<N extends JobName>(job: N): JobHandle<N> {
  const [state, setState] = useState<JobState<N>>({ status: 'idle', progress: undefined, result: undefined, error: undefined });
  const current = useRef<AbortController | null>(null);
  const frameKey = useRef(Symbol(job));

  useEffect(() => () => current.current?.abort(), []);

  const run = useCallback(
    async (params: JobParams<N>): Promise<JobResult<N> | undefined> => {
      current.current?.abort();
      const ctrl = new AbortController();
      current.current = ctrl;
      const mine = () => current.current === ctrl;
      setState((s) => ({ ...s, status: 'running', progress: undefined, error: undefined }));
      try {
        const client = await engine.ready();
        if (ctrl.signal.aborted) throw new EngineError('cancelled', true);
        const result = await client.run(job, params, {
          signal: ctrl.signal,
          onProgress: (progress) =>
            frames.schedule(frameKey.current, () => {
              if (mine()) setState((s) => ({ ...s, progress }));
            }),
        });
        if (mine()) {
          frames.drop(frameKey.current);
          setState((s) => ({ ...s, status: 'done', result }));
        }
        return result;
      } catch (e) {
        const cancelled = e instanceof EngineError && e.cancelled;
        if (mine()) {
          frames.drop(frameKey.current);
          setState((s) => ({
            ...s,
            status: cancelled ? 'cancelled' : 'error',
            error: cancelled ? undefined : e instanceof Error ? e.message : String(e),
          }));
        }
        return undefined;
      } finally {
        if (mine()) current.current = null;
      }
    },
    [job],
  );

  const cancel = useCallback(() => current.current?.abort(), []);

  const reset = useCallback(() => {
    const ctrl = current.current;
    current.current = null;
    ctrl?.abort();
    setState({ status: 'idle', progress: undefined, result: undefined, error: undefined });
  }, []);

  return { ...state, run, cancel, reset };
}
