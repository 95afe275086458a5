#!/usr/bin/env node
// `npm test`: typecheck, lint, unit tests, production build, end-to-end tests in headless Chromium, in
// that order. Every stage runs even when an earlier one failed (except e2e, which needs the build), and
// the last line is always "N passed, N failed" (test cases plus the stages that are single checks).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { ensureChromium } from '../src/cli/chromium.mjs';

const root = new URL('..', import.meta.url).pathname;
const results = { passed: 0, failed: 0 };
const summary = [];
mkdirSync(`${root}test-results`, { recursive: true });

function sh(label, cmd, args, env = {}) {
  const t0 = Date.now();
  console.log(`\n=== ${label}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const ok = r.status === 0;
  console.log(`=== ${label}: ${ok ? 'ok' : 'FAILED'} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return ok;
}

function check(label, cmd, args) {
  const ok = sh(label, cmd, args);
  results[ok ? 'passed' : 'failed']++;
  summary.push(`${ok ? 'PASS' : 'FAIL'} ${label}`);
  return ok;
}

function vitestSuite(label, configArgs, env = {}) {
  const out = `${root}test-results/${label}.json`;
  rmSync(out, { force: true });
  const ok = sh(label, 'npx', ['vitest', 'run', ...configArgs, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`], env);
  if (!existsSync(out)) {
    results.failed++;
    summary.push(`FAIL ${label}: the suite did not run`);
    return;
  }
  const json = JSON.parse(readFileSync(out, 'utf8'));
  const failedFiles = json.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
  results.passed += json.numPassedTests;
  results.failed += json.numFailedTests + failedFiles;
  summary.push(`${ok ? 'PASS' : 'FAIL'} ${label}: ${json.numPassedTests} passed, ${json.numFailedTests + failedFiles} failed`);
}

check('typecheck', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']);
check('lint', 'npx', ['eslint', '--max-warnings', '0', 'src', 'test']);
vitestSuite('unit', []);
// The digits energy model's training objective (training/test_energy.py) needs PyTorch: Debian's python3-torch.
if (spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) {
  check('training objective (PyTorch)', '/usr/bin/python3', ['training/test_energy.py']);
} else {
  summary.push('SKIP training objective: PyTorch is not installed for /usr/bin/python3 (apt-get install -y python3-torch)');
}
// Fused WebGPU kernels against tfjs's op-by-op path, in Node on Dawn with Chromium's SwiftShader (a real WebGPU).
const swiftShader = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (existsSync(swiftShader)) {
  const env = { VK_ICD_FILENAMES: swiftShader, LD_LIBRARY_PATH: ['/usr/lib/chromium', process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') };
  vitestSuite('webgpu', ['--config', 'test/gpu/vitest.config.ts'], env);
} else {
  results.failed++;
  summary.push(`FAIL webgpu: no SwiftShader Vulkan driver at ${swiftShader} (apt-get install -y chromium)`);
}
const built = check('build', 'npx', ['vite', 'build', '--logLevel', 'warn']);
if (built) {
  const chromium = ensureChromium();
  if (chromium.path) {
    process.env.CHROMIUM_PATH = chromium.path;
    vitestSuite('e2e', ['--config', 'test/e2e/vitest.config.ts']);
  } else {
    results.failed++;
    summary.push(`FAIL e2e: ${chromium.reason}`);
  }
} else {
  results.failed++;
  summary.push('FAIL e2e: skipped because the build failed');
}

console.log('\n' + summary.join('\n'));
console.log(`${results.passed} passed, ${results.failed} failed`);
process.exit(results.failed === 0 ? 0 : 1);
