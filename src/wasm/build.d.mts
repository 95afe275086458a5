// Types of build.mjs (plain JavaScript so that `npm run build:wasm` runs with node alone).
export const ASC_FLAGS: string[];
export function kernelNames(): string[];
export function compileKernel(name: string): Promise<Uint8Array>;
export function generatedModule(name: string, bytes: Uint8Array): string;
export function buildAll(): Promise<void>;
