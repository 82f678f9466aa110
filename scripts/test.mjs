// `npm test`: install what is missing, then type-check, run Vitest (Node and Chromium) and Playwright
// against the production build, and end with one line `N passed, N failed, N skipped` summing every suite.
// A skipped test is reported, never hidden; in CI it counts as a failure too (nothing may skip there).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSite, ensureNpmPackages } from './setup.mjs';
import { ensureCheckers, ensureChromium } from './ensure-tools.mjs';
import { ensureRegistry } from './registry.mjs';

ensureNpmPackages();
const chromiumPath = ensureChromium();
ensureCheckers();
const registryPath = ensureRegistry();
const reports = mkdtempSync(join(tmpdir(), 'shelf-test-'));
const env = { ...process.env, CHROMIUM_PATH: chromiumPath, REGISTRY_BIN: registryPath, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' };

/** One line per suite: what it counted. */
const suites = [];

function runSuite(name, command, args, extraEnv = {}) {
	console.log(`\n── ${name} ──`);
	const result = spawnSync(command, args, { stdio: 'inherit', env: { ...env, ...extraEnv } });
	return result.status ?? 1;
}

const checkStatus = runSuite('svelte-check (types)', 'npm', ['run', 'check', '--silent']);
suites.push({ name: 'types', passed: checkStatus === 0 ? 1 : 0, failed: checkStatus === 0 ? 0 : 1, skipped: 0 });

const vitestReport = join(reports, 'vitest.json');
const vitestStatus = runSuite('Vitest (unit)', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestReport}`]);
suites.push(countVitest(vitestReport, vitestStatus));

let buildOk = true;
try {
	console.log('\n── build ──');
	buildSite();
} catch {
	buildOk = false;
}
suites.push({ name: 'build', passed: buildOk ? 1 : 0, failed: buildOk ? 0 : 1, skipped: 0 });

if (buildOk) {
	const playwrightReport = join(reports, 'playwright.json');
	const playwrightStatus = runSuite('Playwright (Chromium, production build)', 'npx', ['playwright', 'test', '--reporter=list,json'], {
		PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightReport
	});
	suites.push(countPlaywright(playwrightReport, playwrightStatus));

	// Issue 24: the journeys on Chromium, Firefox ESR and WebKitGTK (tests/engines), on the build just made.
	const enginesReport = join(reports, 'engines.json');
	const enginesStatus = runSuite('Engines (Chromium, Firefox ESR, WebKitGTK)', 'node', ['tests/engines/run.mjs', '--no-build'], { SHELF_ENGINES_REPORT: enginesReport });
	suites.push(countEngines(enginesReport, enginesStatus));
}

rmSync(reports, { recursive: true, force: true });
const passed = suites.reduce((sum, suite) => sum + suite.passed, 0);
const failed = suites.reduce((sum, suite) => sum + suite.failed, 0);
const skipped = suites.reduce((sum, suite) => sum + suite.skipped, 0);
console.log('');
for (const suite of suites) console.log(`  ${suite.name}: ${suite.passed} passed, ${suite.failed} failed, ${suite.skipped} skipped`);
if (skipped > 0) console.log(`  ${skipped} skipped: ${process.env.CI ? 'a failure in CI' : 'CI would fail on this'} (see the suites above).`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || (skipped > 0 && process.env.CI) ? 1 : 0);

function countVitest(file, status) {
	const report = readJson(file);
	if (!report) return { name: 'vitest', passed: 0, failed: 1, skipped: 0 };
	// A suite that failed to load counts as a failure even when no test inside it ran.
	const failedFiles = report.testResults.filter((file) => file.status === 'failed' && file.assertionResults.length === 0).length;
	const failed = report.numFailedTests + failedFiles + (status !== 0 && report.numFailedTests + failedFiles === 0 ? 1 : 0);
	return { name: 'vitest', passed: report.numPassedTests, failed, skipped: report.numPendingTests + report.numTodoTests };
}

function countPlaywright(file, status) {
	const report = readJson(file);
	if (!report) return { name: 'playwright', passed: 0, failed: 1, skipped: 0 };
	const { expected, unexpected, flaky, skipped } = report.stats;
	const errors = report.errors?.length ?? 0;
	const failed = unexpected + flaky + errors + (status !== 0 && unexpected + flaky + errors === 0 ? 1 : 0);
	return { name: 'playwright', passed: expected, failed, skipped };
}

function countEngines(file, status) {
	const report = readJson(file);
	if (!report) return { name: 'engines', passed: 0, failed: 1, skipped: 0 };
	const failed = report.failed + (status !== 0 && report.failed === 0 ? 1 : 0);
	return { name: 'engines', passed: report.passed, failed, skipped: report.skipped };
}

function readJson(file) {
	try {
		return JSON.parse(readFileSync(file, 'utf8'));
	} catch {
		return null;
	}
}
