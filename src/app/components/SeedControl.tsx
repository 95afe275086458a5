import { useState } from 'react';
import { MAX_SEED } from '../../core/strictNumber.ts';

/** The run seed: every random draw derives from it, and it is part of the link. */
export function SeedControl({ seed, onChange }: { seed: number; onChange(seed: number): void }) {
  const [draft, setDraft] = useState<string | null>(null);
  return (
    <div className="seed-control">
      <label htmlFor="seed-input">seed</label>
      <input
        id="seed-input"
        data-testid="seed-input"
        type="number"
        inputMode="numeric"
        min={0}
        max={MAX_SEED}
        step={1}
        value={draft ?? String(seed)}
        onChange={(e) => {
          const s = e.target.value;
          setDraft(s);
          if (/^\d+$/.test(s) && Number(s) <= MAX_SEED) onChange(Number(s));
        }}
        onBlur={() => setDraft(null)}
      />
      <button
        type="button"
        className="icon-button"
        title="New random seed"
        aria-label="New random seed"
        onClick={() => {
          setDraft(null);
          onChange(Math.floor(Math.random() * 1_000_000));
        }}
      >
        ⚄
      </button>
    </div>
  );
}
