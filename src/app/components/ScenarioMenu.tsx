/**
 * A lab's scenario menu: named one-click settings (`Scenario`), each demonstrating one idea. The menu shows the
 * scenario the current settings match, if any; choosing one applies its values (they go to the URL).
 */
import type { Scenario } from '../labs/types.ts';

/** The scenario whose every value equals the current setting, or undefined. */
export function matchingScenario(scenarios: readonly Scenario[], params: Record<string, unknown>): Scenario | undefined {
  return scenarios.find((s) => Object.entries(s.params).every(([k, v]) => JSON.stringify(params[k]) === JSON.stringify(v)));
}

export function ScenarioMenu({ scenarios, params, onApply }: { scenarios: readonly Scenario[]; params: Record<string, unknown>; onApply(s: Scenario): void }) {
  const current = matchingScenario(scenarios, params);
  return (
    <label className="scenario-menu" title={current?.idea ?? 'Named settings that each show one idea'}>
      <span>Scenario</span>
      <select
        value={current?.id ?? ''}
        data-testid="scenario"
        onChange={(e) => {
          const s = scenarios.find((x) => x.id === e.target.value);
          if (s) onApply(s);
        }}
      >
        <option value="">{current ? '' : 'choose one…'}</option>
        {scenarios.map((s) => (
          <option key={s.id} value={s.id}>
            {s.title}
          </option>
        ))}
      </select>
    </label>
  );
}
