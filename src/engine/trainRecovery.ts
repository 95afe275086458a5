/**
 * A training run across the loss of the WebGPU device (issue 16): the trainer keeps a CPU copy of its state at every
 * report (`ScoreTrainer.restoreFromCpu`); these are the engine's side of it, for the `train.*` jobs and their session.
 */
import * as tf from '@tensorflow/tfjs';
import type { RestoredRun, ScoreTrainer, TrainOptions } from '../models/trainer.ts';
import { movedOffLostDevice } from './backend.ts';

/** What a restored run kept, for notices: "continued from step 120 (3 steps since the last report were lost)" (Adam's state is that step's). */
export function restoredText(r: RestoredRun): string {
  const lost = r.lostSteps === 1 ? '1 step since the last report was lost' : `${r.lostSteps} steps since the last report were lost`;
  return `continued from step ${r.step} (${lost})`;
}

/**
 * The trainer's `deviceLoss` hooks for a running job: a failed step counts as a lost device when the engine has moved
 * off WebGPU (`movedOffLostDevice`); `onNotice` then hears the backend's notice and what the run kept.
 */
export function trainDeviceLoss(onNotice: (notice: string) => void): NonNullable<TrainOptions['deviceLoss']> {
  let notice = '';
  return {
    async moved() {
      const info = await movedOffLostDevice();
      notice = info?.notice ?? '';
      return info !== null;
    },
    restored(r) {
      onNotice(`${notice}; training ${restoredText(r)}`);
    },
  };
}

/** A held training run after the device was lost, while no job trains it: what it kept, or null when it cannot continue. */
export async function recoverTrainer(trainer: ScoreTrainer): Promise<string | null> {
  const r = await trainer.restoreFromCpu();
  if (r) return `training ${restoredText(r)}`;
  return trainer.tensorsBackend === tf.getBackend() ? 'training already continued on the new backend' : null;
}
