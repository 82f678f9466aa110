// Writes docs/screenshots/<page>-{light,dark}.png from the production build, with a small, realistic
// catalogue saved through the app's own worker API. Run after a build:
//   npm run build && node scripts/screenshots.mjs
// Reads SHELF_BUILD_DIR (default build/) and CHROMIUM_PATH (default /usr/bin/chromium).
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { serveStatic } from './serve.mjs';

const outDir = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const fixtures = fileURLToPath(new URL('../tests/fixtures/bentoml/', import.meta.url));
const DAY = 24 * 3600 * 1000;

/** Versions to save: name, version, age in days, labels, metadata and files (sizes in bytes). */
const CATALOGUE = [
	...[
		['v1', 62, 'dev', 0.861, 0.412],
		['v2', 41, 'staging', 0.884, 0.371],
		['v3', 19, 'production', 0.902, 0.322],
		['v4', 2, 'staging', 0.917, 0.298]
	].map(([version, age, stage, accuracy, loss]) => ({
		name: 'churn_classifier',
		version,
		age,
		labels: { stage, team: 'growth', owner: 'ana' },
		metadata: { accuracy, loss, epochs: 12, dataset: 'events-2025-q3', params: { lr: 0.001, batch_size: 256 } },
		framework: 'sklearn',
		files: [
			{ path: 'model.pkl', size: 3_400_000 + Number(age) * 1000, seed: Number(age) },
			{ path: 'preprocess/vocab.json', size: 180_000, seed: 7 }
		]
	})),
	...[
		['2025-10-02', 30, 'production', 0.212],
		['2025-11-14', 8, 'canary', 0.187]
	].map(([version, age, stage, wer]) => ({
		name: 'whisper_small_de',
		version,
		age,
		labels: { stage, team: 'audio' },
		metadata: { wer, language: 'de', sample_rate: 16000 },
		framework: 'pytorch',
		files: [
			{ path: 'pytorch_model.bin', size: 9_600_000, seed: Number(age) + 100 },
			{ path: 'tokenizer.json', size: 420_000, seed: 11 }
		]
	})),
	{
		name: 'sentiment_bert',
		version: 'rc1',
		age: 0.2,
		labels: { stage: 'dev', team: 'nlp' },
		metadata: { f1: 0.874, accuracy: 0.901, notes: 'distilled from bert-base-uncased' },
		framework: 'transformers',
		files: [
			{ path: 'config.json', size: 700, seed: 3 },
			{ path: 'model.safetensors', size: 5_200_000, seed: 21 },
			{ path: 'tokenizer.json', size: 420_000, seed: 11 }
		]
	}
];

const PAGES = [
	{ name: 'models', path: '/' },
	{ name: 'models-filtered', path: '/?selector=team%20in%20(growth%2Caudio)&view=grouped' },
	{ name: 'model', path: '/models/churn_classifier' },
	{ name: 'version', path: '/models/churn_classifier/v4' },
	{ name: 'compare', path: '/models/churn_classifier/v4?compare=v3', scrollTo: '[data-testid="comparison"]' },
	{ name: 'save', path: '/save', prepare: fillSaveForm },
	{ name: 'storage', path: '/storage' }
];

const { server, url } = await serveStatic({ port: 0 });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
mkdirSync(outDir, { recursive: true });
try {
	for (const colorScheme of ['light', 'dark']) {
		const context = await browser.newContext({ colorScheme, viewport: { width: 1280, height: 820 }, baseURL: url });
		const page = await context.newPage();
		await page.goto('/');
		await page.waitForFunction(() => window.modelShelf !== undefined);
		await seed(page);
		await page.reload();
		// BentoML's own bundles, imported through the picker: the Imports panel every page shows.
		await page.getByLabel('Import bundles…').setInputFiles([
			`${fixtures}fraud_detector-6st47ifytwe2p45h.zip`,
			`${fixtures}speech_encoder-kls3cagggc4amo3b.bentomodel`
		]);
		await page.getByTestId('import-job').filter({ hasText: 'Imported as' }).nth(1).waitFor();
		await page.waitForTimeout(300);
		await page.screenshot({ path: `${outDir}import-${colorScheme}.png` });
		await page.getByRole('button', { name: 'Clear' }).click();
		for (const shot of PAGES) {
			await page.goto(shot.path);
			await page.waitForLoadState('networkidle');
			await page.locator('[aria-busy="true"]').first().waitFor({ state: 'detached' }).catch(() => undefined);
			if (shot.scrollTo) await page.locator(shot.scrollTo).scrollIntoViewIfNeeded();
			if (shot.prepare) await shot.prepare(page);
			await page.waitForTimeout(300);
			await page.screenshot({ path: `${outDir}${shot.name}-${colorScheme}.png` });
		}
		await context.close();
		console.log(`${colorScheme}: ${PAGES.length + 1} screenshots`);
	}
} finally {
	await browser.close();
	server.close();
}

/** Fills the Save form the way a user would before pressing Save. */
async function fillSaveForm(page) {
	await page.getByLabel('Name', { exact: true }).fill('churn_classifier');
	await page.getByLabel('Framework (optional)').fill('sklearn');
	await page.getByLabel('Labels').fill('stage=dev\nteam=growth\nowner=ana');
	await page.getByLabel('Metadata (JSON)').fill('{"accuracy": 0.924, "loss": 0.281, "epochs": 14}');
	await page.getByLabel('Choose files…').setInputFiles([
		{ name: 'model.pkl', mimeType: 'application/octet-stream', buffer: Buffer.alloc(3_500_000, 1) },
		{ name: 'metrics.json', mimeType: 'application/json', buffer: Buffer.from('{"accuracy": 0.924}') }
	]);
	await page.evaluate(() => document.activeElement?.blur());
}

/** Saves the catalogue through the page's worker. */
async function seed(page) {
	const now = Date.now();
	for (const entry of CATALOGUE) {
		await page.evaluate(
			async ({ entry, creationTime }) => {
				const files = entry.files.map((file) => ({ path: file.path, data: new Blob([bytes(file.size, file.seed)]) }));
				await window.modelShelf.api.save({ name: entry.name, version: entry.version, labels: entry.labels, metadata: entry.metadata, context: { frameworkName: entry.framework }, creationTime, files });
				function bytes(size, seed) {
					const out = new Uint8Array(size);
					let state = seed || 1;
					for (let i = 0; i < size; i++) {
						state = (state * 1103515245 + 12345) >>> 0;
						out[i] = state >>> 24;
					}
					return out;
				}
			},
			{ entry, creationTime: new Date(now - entry.age * DAY).toISOString() }
		);
	}
}
