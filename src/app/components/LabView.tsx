import { Suspense } from 'react';
import type { LabProps, RegisteredLab, Scenario } from '../labs/types.ts';
import { Explainer } from './Explainer.tsx';
import { ErrorBoundary } from './ErrorBoundary.tsx';
import { ScenarioMenu } from './ScenarioMenu.tsx';

export function LabView({
  lab,
  props,
  explainOpen,
  onExplain,
}: {
  lab: RegisteredLab;
  props: LabProps;
  explainOpen: boolean;
  onExplain(open: boolean): void;
}) {
  const scenarios = lab.scenarios ?? [];
  const apply = (s: Scenario) => props.setParams(s.params);
  const tryScenario = scenarios.find((s) => s.id === lab.explainer.tryScenario);
  return (
    <main id="lab-panel" className="lab" role="tabpanel" aria-labelledby={`tab-${lab.id}`} data-lab={lab.id}>
      <div className="lab-head">
        <Explainer title={lab.title} content={lab.explainer} open={explainOpen} onToggle={onExplain} onTry={tryScenario && (() => apply(tryScenario))} />
        {scenarios.length > 0 && <ScenarioMenu scenarios={scenarios} params={props.params} onApply={apply} />}
      </div>
      <ErrorBoundary resetKey={lab.id}>
        <Suspense fallback={<p className="loading">Loading the {lab.title} lab…</p>}>
          <lab.Component {...props} />
        </Suspense>
      </ErrorBoundary>
    </main>
  );
}
