/**
 * Every job the engine runs. Labs add their jobs here; the protocol's types are derived from this map.
 */
import { init } from './init.ts';
import { backendWatch } from './backendWatch.ts';
import { digitsJobs } from './digits.ts';
import { digitsInverseJobs } from './digitsInverse.ts';
import { energyJobs } from './energy.ts';
import { sample, samplerAdvance, samplerConfigure, samplerDiagnostics, samplerReset, samplerStart, samplerStop, sweepJob } from './samplers.ts';
import { bench } from './bench.ts';
import { posterior, posteriorLoadModel } from './posterior.ts';
import { trainConfigure, trainCreate, trainDispose, trainExport, trainFields, trainImport, trainInfo, trainMetrics, trainReset, trainSteps } from './train.ts';

export const jobs = {
  init,
  'backend.watch': backendWatch,
  ...digitsJobs,
  ...digitsInverseJobs,
  ...energyJobs,
  samplerStart,
  samplerAdvance,
  samplerConfigure,
  samplerReset,
  samplerDiagnostics,
  samplerStop,
  sample,
  sweep: sweepJob,
  bench,
  posterior,
  posteriorLoadModel,
  'train.create': trainCreate,
  'train.steps': trainSteps,
  'train.configure': trainConfigure,
  'train.reset': trainReset,
  'train.info': trainInfo,
  'train.fields': trainFields,
  'train.metrics': trainMetrics,
  'train.export': trainExport,
  'train.import': trainImport,
  'train.dispose': trainDispose,
};

export type JobMap = typeof jobs;
