// Types of chromium.mjs (plain JavaScript so that test/run.mjs can import it without a TypeScript loader).
export function findChromium(): string | undefined;
export function ensureChromium(): { path?: string; reason?: string };
