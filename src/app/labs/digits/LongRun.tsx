/**
 * The controls of a long engine job: size presets and a run button that say the expected time before the run
 * starts, then a progress bar with the elapsed time against the expected one, and a stop button.
 */
import { expectedSeconds, formatDuration, type CostModel } from './estimate.ts';
import { useElapsed } from '../../components/useElapsed.ts';

export interface RunSize {
  /** "quick", "full (paper)". */
  label: string;
  /** Units of work of this size (for its expected time). */
  units: number;
  /** Whether the current settings are this size. */
  active: boolean;
  apply(): void;
}


/** `testId` names its parts: `<testId>-controls`, `-run`, `-stop`, `-progress` and `-size-<first word of the size>`. */
export function LongRun({
  testId,
  label,
  units,
  cost,
  sizes,
  running,
  disabled,
  progress,
  onRun,
  onCancel,
}: {
  testId: string;
  label: string;
  units: number;
  cost: CostModel;
  sizes: RunSize[];
  running: boolean;
  disabled: boolean;
  /** Work done and in total, and what it counts ("steps", "rows"), once the job reports it. */
  progress?: { done: number; total: number; what: string };
  onRun(): void;
  onCancel(): void;
}) {
  const expected = expectedSeconds(cost, units);
  const elapsed = useElapsed(running);
  return (
    <div className="dlab-longrun" data-testid={`${testId}-controls`} data-expected-s={expected.toFixed(1)} data-running={running ? '1' : '0'}>
      <div className="dlab-buttons" role="group" aria-label={`${label}: size`}>
        {sizes.map((s) => (
          <button key={s.label} type="button" aria-pressed={s.active} onClick={s.apply} disabled={running} data-testid={`${testId}-size-${s.label.split(' ')[0]}`}>
            {s.label} ({formatDuration(expectedSeconds(cost, s.units))})
          </button>
        ))}
        <button type="button" onClick={onRun} disabled={disabled || running} data-testid={`${testId}-run`}>
          {label} ({formatDuration(expected)})
        </button>
        {running && (
          <button type="button" onClick={onCancel} data-testid={`${testId}-stop`}>
            stop
          </button>
        )}
      </div>
      {running ? (
        <p className="job-progress" data-testid={`${testId}-progress`}>
          <progress max={progress?.total ?? 1} value={progress?.done ?? 0} /> {progress ? `${progress.done}/${progress.total} ${progress.what}` : 'starting'}, {elapsed} s
          of {formatDuration(expected)}
        </p>
      ) : (
        <p className="hint">
          Expected time {formatDuration(expected)}: {cost.source === 'measured' ? 'measured on a 2-core CPU (WASM); a faster machine takes less' : 'from your last run on this machine'}.
        </p>
      )}
    </div>
  );
}
