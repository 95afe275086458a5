/**
 * Space = play/pause (issue 14): a lab with a running animation or training toggles it on the space bar, unless the
 * reader is typing or has a control focused that uses the key itself (buttons, inputs, selects, the plot that moves
 * a point with the keyboard).
 */
import { useEffect, useRef } from 'react';

/** Whether a key press on `target` belongs to that element rather than to the page. */
export function ownsKeys(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT', 'BUTTON', 'SUMMARY', 'A'].includes(target.tagName) || target.dataset.keys === 'own';
}

/** Calls `toggle` when the space bar is pressed on the page (not in a control); `enabled` false ignores it. */
export function useSpaceToggle(toggle: () => void, enabled = true): void {
  const latest = useRef(toggle);
  useEffect(() => {
    latest.current = toggle;
  }, [toggle]);
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== ' ' || e.repeat || e.ctrlKey || e.metaKey || e.altKey || ownsKeys(e.target)) return;
      e.preventDefault();
      latest.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [enabled]);
}
