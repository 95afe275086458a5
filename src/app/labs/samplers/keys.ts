/** Keyboard helpers of the Samplers lab. */

/** Input types where the space bar does nothing of its own (sliders, colour pickers…); any other input takes it. */
const SPACE_FREE_INPUTS = ['range', 'color', 'file', 'image', 'hidden'];

/**
 * Whether the space bar belongs to the focused element `el`: text fields (inputs taking text, textareas, editable
 * elements) type it, and buttons, checkboxes, radios, selects and summaries are activated by it. Elsewhere (the page,
 * a slider, a plot) the lab may use it.
 */
export function spaceBelongsTo(el: Element | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  if (el.isContentEditable) return true;
  if (el instanceof HTMLInputElement) return !SPACE_FREE_INPUTS.includes(el.type);
  return el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement || el instanceof HTMLButtonElement || el.tagName === 'SUMMARY';
}
