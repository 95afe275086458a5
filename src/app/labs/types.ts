/**
 * What a lab is to the shell: an id (its `?tab=` value), a title, its URL parameters, its explainer and its
 * component. Each lab lives in `src/app/labs/<lab>/` (params.ts, explainer.ts, <Lab>Lab.tsx) and is listed
 * once in `labs/index.ts`.
 */
import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import type { ParamSchema, ParamValues } from '../state/schema.ts';
import type { ExplainerContent } from '../components/Explainer.tsx';

/** The props the shell passes to the active lab's component. */
export interface LabProps<S extends ParamSchema = ParamSchema> {
  /** The lab's URL-synced settings (already validated against its schema). */
  params: ParamValues<S>;
  /** Changes some settings; values are clamped to the schema and written to the URL. */
  setParams(patch: Partial<ParamValues<S>>): void;
  /** The run seed from the top bar (part of the URL): derive every random draw from it. */
  seed: number;
}

/**
 * A named, one-click setting of a lab that demonstrates one idea, and whose effect is real at those settings (an e2e
 * test checks each one a "One thing to try" points at). Its values go to the URL like any other change.
 */
export interface Scenario<S extends ParamSchema = ParamSchema> {
  /** Stable id (the explainer's `tryScenario` names it). */
  id: string;
  /** Short name in the menu, e.g. "VR matters at small σ". */
  title: string;
  /** One sentence: what to do and what to see. */
  idea: string;
  params: Partial<ParamValues<S>>;
}

export interface LabDefinition<S extends ParamSchema = ParamSchema> {
  /** The `?tab=` value; lowercase, stable (links depend on it). */
  id: string;
  title: string;
  /** The issue that builds the lab. */
  issue: number;
  /** URL parameters of the lab. Keys must not be the shell's own (tab, seed, backend, explain). */
  params: S;
  explainer: ExplainerContent;
  /** Named one-click settings (the lab's scenario menu); the explainer's `tryScenario` may point at one. */
  scenarios?: Scenario<S>[];
  /** Loads the component (code-split: a lab's code, Plotly included, loads when its tab opens). */
  load: () => Promise<{ default: ComponentType<LabProps<S>> }>;
}

/** A lab as the shell holds it: schema type erased, component wrapped once in `React.lazy`. */
export interface RegisteredLab extends LabDefinition {
  Component: LazyExoticComponent<ComponentType<LabProps>>;
}

/**
 * Declares a lab with its types checked (the params schema flows into the component's props), then erases
 * the schema type so labs of different schemas fit in one list.
 */
export function defineLab<S extends ParamSchema>(lab: LabDefinition<S>): RegisteredLab {
  const erased = lab as unknown as LabDefinition;
  return { ...erased, Component: lazy(erased.load) };
}
