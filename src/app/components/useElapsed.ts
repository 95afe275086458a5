import { useEffect, useState } from 'react';

/** Whole seconds since `running` became true (ticks once a second while it stays true; 0 when not running). */
export function useElapsed(running: boolean): number {
  const [elapsed, setElapsed] = useState(0);
  useEffect(() => {
    if (!running) return;
    const t0 = performance.now();
    const id = setInterval(() => setElapsed(Math.round((performance.now() - t0) / 1000)), 1000);
    return () => {
      clearInterval(id);
      setElapsed(0);
    };
  }, [running]);
  return elapsed;
}
