// Issue 8, web security: the app runs under its strict Content-Security-Policy (csp.config.js), and it
// never talks to anything but its own origin, for its own files.
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type BrowserContext, type Page, type TestInfo } from '@playwright/test';
import { buildDir as servedDir } from '../../scripts/build-dir.mjs';
import { FRAUD, SPEECH, bundlePaths, importThroughPicker, versionRows, waitForServiceWorker } from './ui-helpers.ts';

// The build the suite serves (SHELF_BUILD_DIR, else build/).
const buildDir = resolve(fileURLToPath(new URL('../../', import.meta.url)), servedDir);
/** Every file of the build, as the path the browser asks for. */
const buildFiles = new Set(
	(readdirSync(buildDir, { recursive: true }) as string[]).filter((path) => statSync(join(buildDir, path)).isFile()).map((path) => `/${path}`)
);
/** The app's own routes (answered with the app shell). */
const APP_ROUTES = /^\/(?:|save|storage|models\/[^/]+(?:\/[^/]+)?)$/;

/** Records CSP violations in every document of the context, and CSP console errors of pages and workers. */
async function recordViolations(context: BrowserContext) {
	const violations: string[] = [];
	await context.exposeBinding('__reportViolation', (_source, text: string) => void violations.push(text));
	await context.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (event) => {
			void (window as unknown as { __reportViolation(text: string): void }).__reportViolation(`${event.effectiveDirective} ${event.blockedURI}`);
		});
	});
	const onConsole = (text: string) => /Content[- ]Security[- ]Policy|Refused to/i.test(text) && violations.push(text);
	context.on('console', (message) => onConsole(message.text()));
	context.on('weberror', (error) => onConsole(error.error().message));
	return violations;
}

/** Every page of the app and every operation that touches storage: import, open, export, save, verify, clean up. */
async function journey(page: Page, testInfo: TestInfo) {
	await page.goto('/');
	await waitForServiceWorker(page);
	await page.reload();
	await importThroughPicker(page, bundlePaths);
	await expect(page.getByTestId('import-job').filter({ hasText: FRAUD.file })).toContainText(`Imported as ${FRAUD.tag}`);
	await expect(page.getByTestId('import-job').filter({ hasText: SPEECH.file })).toContainText(`Imported as ${SPEECH.tag}`);

	await versionRows(page).getByRole('link', { name: SPEECH.tag }).click();
	await expect(page.getByTestId('version-tag')).toHaveText(SPEECH.tag);
	const downloading = page.waitForEvent('download');
	await page.getByRole('button', { name: 'Export bundle' }).click();
	await (await downloading).saveAs(testInfo.outputPath('export.zip'));
	await expect(page.getByRole('status').filter({ hasText: `Exported ${SPEECH.tag}` })).toBeVisible();

	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Save' }).click();
	await page.getByLabel('Name', { exact: true }).fill('csp_check');
	await page.getByLabel('Version (optional)').fill('v1');
	await page.getByLabel('Choose files…').setInputFiles([{ name: 'w.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(3 << 20, 7) }]);
	await page.getByRole('button', { name: 'Save version' }).click();
	await expect(page.getByTestId('version-tag')).toHaveText('csp_check:v1');

	await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'csp_check' }).click();
	await expect(page.getByTestId('model-summary')).toContainText('1 version');
	await page.goto('/storage');
	await page.getByRole('button', { name: 'Check integrity' }).click();
	await expect(page.getByTestId('verify-report')).toContainText('no problems found');
	await page.getByRole('button', { name: 'Clean up' }).click();
	await expect(page.getByRole('button', { name: 'Clean up' })).toBeEnabled();
}

test.describe('web security', () => {
	test.setTimeout(120_000);

	test('the policy is in the app shell and sent as a header on every file, the same policy both ways', async ({ page }) => {
		const shell = await page.request.get('/models/anything?x=1');
		const header = shell.headers()['content-security-policy'];
		const meta = /<meta http-equiv="content-security-policy" content="([^"]*)"/.exec(await shell.text())?.[1]?.replaceAll('&#39;', "'");
		expect(meta).toBe(header);
		for (const directive of ["script-src 'self' 'wasm-unsafe-eval' 'sha256-", "object-src 'none'", "base-uri 'self'", "form-action 'self'", "worker-src 'self'", "connect-src 'self'", "style-src 'self' 'unsafe-hashes' 'sha256-", "img-src 'self' data: blob:"]) {
			expect(header).toContain(directive);
		}
		expect(header).not.toContain('unsafe-inline');
		expect(header).not.toMatch(/'unsafe-eval'/);
		// Workers and the service worker get their policy from their own response, not from the page's <meta>.
		for (const file of ['/sw.js', ...[...buildFiles].filter((path) => path.includes('/workers/'))]) {
			expect((await page.request.get(file)).headers()['content-security-policy'], file).toBe(header);
		}
	});

	test('a full journey runs with no policy violation, and an injected inline script is blocked', async ({ page, context }, testInfo) => {
		const violations = await recordViolations(context);
		await journey(page, testInfo);
		expect(violations).toEqual([]);
		// Kit's route announcer keeps its hashed style attribute: it is there for screen readers, not on screen.
		expect((await page.locator('#svelte-announcer').boundingBox())?.width).toBeLessThanOrEqual(1);

		// The recorder works, and the policy is what stops an injected inline script.
		await page.evaluate(() => {
			const script = document.createElement('script');
			script.textContent = 'window.__inlineRan = true';
			document.body.append(script);
		});
		await expect.poll(() => violations.length).toBeGreaterThan(0);
		expect(await page.evaluate(() => (window as unknown as { __inlineRan?: boolean }).__inlineRan)).toBeUndefined();
	});

	test('the app makes no request of its own to anything but its own files', async ({ page, context, baseURL }, testInfo) => {
		const requests: Array<{ url: string; type: string; fromServiceWorker: boolean }> = [];
		context.on('request', (request) => requests.push({ url: request.url(), type: request.resourceType(), fromServiceWorker: request.serviceWorker() !== null }));
		await journey(page, testInfo);

		const origin = new URL(baseURL!).origin;
		const foreign = requests.filter((request) => {
			const url = new URL(request.url);
			if (url.protocol === 'blob:' || url.protocol === 'data:') return false;
			if (url.origin !== origin) return true;
			return !buildFiles.has(url.pathname) && !(request.type === 'document' && APP_ROUTES.test(url.pathname));
		});
		expect(foreign).toEqual([]);
		// The recorder saw the workers' and the service worker's own requests too.
		expect(requests.some((request) => request.url.includes('/workers/hash-worker'))).toBe(true);
		expect(requests.some((request) => request.fromServiceWorker)).toBe(true);
	});
});
