/**
 * The reader's last open/closed choice for the labs' explainers, kept in localStorage so the app opens as they left
 * it. A link's own `explain` parameter wins over it. Storage may be unavailable (private mode): then nothing is kept.
 */

const KEY = 'tweedie-lab.explain';

/** The remembered choice, or null when there is none. */
export function rememberedExplain(): boolean | null {
  try {
    const v = window.localStorage.getItem(KEY);
    return v === '1' ? true : v === '0' ? false : null;
  } catch {
    return null;
  }
}

export function rememberExplain(open: boolean): void {
  try {
    window.localStorage.setItem(KEY, open ? '1' : '0');
  } catch {
    // storage unavailable: the choice lives in the URL only
  }
}
