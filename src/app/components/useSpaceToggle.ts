/**
 * Space = play/pause (issue 14): a lab with a running animation or training toggles it on the space bar, unless the
 * focused element takes the space itself.
 */
import { useEffect, useRef } from 'react';

/** Input types where the space bar does nothing of its own (sliders, colour pickers…); any other input takes it. */
const SPACE_FREE_INPUTS = ['range', 'color', 'file', 'image', 'hidden'];

/**
 * Whether the space bar belongs to the focused element `el`: text fields (inputs taking text, textareas, editable
 * elements) type it; buttons, checkboxes, radios, selects, summaries and links are activated by it; an element marked
 * `data-keys="own"` (the Uncertainty plot) handles its keys. Elsewhere (the page, a slider) the lab may use it.
 */
export function spaceBelongsTo(el: Element | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  if (el.isContentEditable || el.dataset.keys === 'own') return true;
  if (el instanceof HTMLInputElement) return !SPACE_FREE_INPUTS.includes(el.type);
  return el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement || el instanceof HTMLButtonElement || el instanceof HTMLAnchorElement || el.tagName === 'SUMMARY';
}

/** Calls `toggle` when the space bar is pressed and the focused element does not take it; `enabled` false ignores it. */
export function useSpaceToggle(toggle: () => void, enabled = true): void {
  const latest = useRef(toggle);
  useEffect(() => {
    latest.current = toggle;
  }, [toggle]);
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== ' ' || e.repeat || e.ctrlKey || e.metaKey || e.altKey || spaceBelongsTo(document.activeElement)) return;
      e.preventDefault();
      latest.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [enabled]);
}
