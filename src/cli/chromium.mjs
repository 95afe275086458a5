// Finds the system Chromium for playwright-core (the e2e tests, `tweedie bench --browser`); on Debian/Ubuntu as
// root, `ensureChromium` installs it with apt-get.
import { execSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function findChromium() {
  if (process.env.CHROMIUM_PATH && existsSync(process.env.CHROMIUM_PATH)) return process.env.CHROMIUM_PATH;
  return CANDIDATES.find((p) => existsSync(p));
}

/** @returns {{path?: string, reason?: string}} */
export function ensureChromium() {
  const found = findChromium();
  if (found) return { path: found };
  const debian = existsSync('/etc/os-release') && /ID(_LIKE)?=.*(debian|ubuntu)/.test(readFileSync('/etc/os-release', 'utf8'));
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!debian || !root) {
    return { reason: 'no Chromium found: install it (Debian: apt-get install -y chromium) or set CHROMIUM_PATH' };
  }
  console.log('No Chromium found: installing the Debian package with apt-get (needed by the end-to-end tests)...');
  try {
    execSync('apt-get install -y chromium || (apt-get update && apt-get install -y chromium)', { stdio: 'inherit' });
  } catch {
    return { reason: 'apt-get install chromium failed: install Chromium yourself or set CHROMIUM_PATH' };
  }
  const after = findChromium();
  return after ? { path: after } : { reason: 'Chromium was installed but not found at /usr/bin/chromium' };
}
