/**
 * Every `tweedie` subcommand. Labs add theirs here (one import + one entry).
 * Global flags handled by main.ts for every command: --json, --backend cpu|wasm|webgpu, --help.
 */
import type { CliCommand } from '../command.ts';
import { sampleCommand, sweepCommand } from './sample.ts';
import { benchCommand } from './bench.ts';
import { benchUiCommand } from './benchUi.ts';
import { posteriorCommand } from './posterior.ts';
import { densitiesCommand } from './densities.ts';
import { trainCommand } from './train.ts';
import { energyCommands } from './energy.ts';
import { digitsCommand } from './digits.ts';
import { studyTable1Command } from './study.ts';
import { inverseCommands } from './inverse.ts';

export const commands: CliCommand[] = [benchCommand, benchUiCommand, densitiesCommand, sampleCommand, sweepCommand, posteriorCommand, trainCommand, studyTable1Command, ...energyCommands, digitsCommand, ...inverseCommands];
