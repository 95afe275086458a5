/**
 * The one registry of labs: the order here is the order of the tabs. A lab's helper edits only its own
 * folder (`<lab>/params.ts`, `<lab>/explainer.ts`, `<lab>/<Lab>Lab.tsx`); this file just lists them.
 */
import { defineLab, type RegisteredLab } from './types.ts';
import { scoresParams } from './scores/params.ts';
import { scoresExplainer } from './scores/explainer.ts';
import { scoresScenarios } from './scores/scenarios.ts';
import { uncertaintyParams } from './uncertainty/params.ts';
import { uncertaintyExplainer } from './uncertainty/explainer.ts';
import { uncertaintyScenarios } from './uncertainty/scenarios.ts';
import { samplersParams } from './samplers/params.ts';
import { samplersExplainer } from './samplers/explainer.ts';
import { samplersScenarios } from './samplers/scenarios.ts';
import { digitsParams } from './digits/params.ts';
import { digitsExplainer } from './digits/explainer.ts';
import { digitsScenarios } from './digits/scenarios.ts';
import { inverseParams } from './inverse/params.ts';
import { inverseExplainer } from './inverse/explainer.ts';
import { inverseScenarios } from './inverse/scenarios.ts';
import { inverseDigitsParams } from './inverseDigits/params.ts';
import { inverseDigitsExplainer } from './inverseDigits/explainer.ts';
import { inverseDigitsScenarios } from './inverseDigits/scenarios.ts';

export const LABS: readonly RegisteredLab[] = [
  defineLab({
    id: 'scores',
    title: 'Scores',
    issue: 3,
    params: scoresParams,
    explainer: scoresExplainer,
    scenarios: scoresScenarios,
    load: () => import('./scores/ScoresLab.tsx'),
  }),
  defineLab({
    id: 'uncertainty',
    title: 'Uncertainty',
    issue: 4,
    params: uncertaintyParams,
    explainer: uncertaintyExplainer,
    scenarios: uncertaintyScenarios,
    load: () => import('./uncertainty/UncertaintyLab.tsx'),
  }),
  defineLab({
    id: 'samplers',
    title: 'Samplers',
    issue: 5,
    params: samplersParams,
    explainer: samplersExplainer,
    scenarios: samplersScenarios,
    load: () => import('./samplers/SamplersLab.tsx'),
  }),
  defineLab({
    id: 'digits',
    title: 'Digits',
    issue: 6,
    params: digitsParams,
    explainer: digitsExplainer,
    scenarios: digitsScenarios,
    load: () => import('./digits/DigitsLab.tsx'),
  }),
  defineLab({
    id: 'inverse',
    title: 'Inverse problems',
    issue: 7,
    params: inverseParams,
    explainer: inverseExplainer,
    scenarios: inverseScenarios,
    load: () => import('./inverse/InverseLab.tsx'),
  }),
  defineLab({
    id: 'inverse-digits',
    title: 'Digit inverse',
    issue: 15,
    params: inverseDigitsParams,
    explainer: inverseDigitsExplainer,
    scenarios: inverseDigitsScenarios,
    load: () => import('./inverseDigits/InverseDigitsLab.tsx'),
  }),
];
