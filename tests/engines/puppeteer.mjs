// Firefox ESR over WebDriver BiDi and Chromium over CDP, both through puppeteer-core with Debian's binaries:
// puppeteer-core never downloads a browser. Each launch gets a temporary profile that puppeteer removes on close.
import puppeteer from 'puppeteer-core';
import { CHROMIUM_ARGS, ENGINE_PATHS } from '../../scripts/ensure-tools.mjs';

/**
 * Launches a headless Firefox ESR (`browser: 'firefox'` speaks WebDriver BiDi, the only protocol puppeteer has for
 * Firefox since 23).
 * @returns {Promise<import('./driver.mjs').Driver>}
 */
export async function launchFirefox() {
	const browser = await puppeteer.launch({ browser: 'firefox', protocol: 'webDriverBiDi', executablePath: ENGINE_PATHS.firefox, headless: true });
	return wrap('Firefox ESR', browser);
}

/**
 * Launches Debian's headless Chromium (the engine the rest of `npm test` uses) with the project's flags.
 * @param {string} executablePath
 * @returns {Promise<import('./driver.mjs').Driver>}
 */
export async function launchChromium(executablePath) {
	const browser = await puppeteer.launch({ browser: 'chrome', executablePath, headless: true, args: CHROMIUM_ARGS });
	return wrap('Chromium', browser);
}

/** @param {string} name @param {import('puppeteer-core').Browser} browser @returns {Promise<import('./driver.mjs').Driver>} */
async function wrap(name, browser) {
	try {
		const page = (await browser.pages())[0] ?? (await browser.newPage());
		page.setDefaultTimeout(90_000);
		const version = await browser.version();
		return {
			name,
			version,
			async goto(url) {
				await page.goto(url, { waitUntil: 'load' });
			},
			async run(fn, arg) {
				// The page's CSP forbids eval, so the function goes as puppeteer sends it (the protocol's call, which CSP does not govern).
				return page.evaluate(fn, /** @type {any} */ (arg ?? null)).catch((error) => {
					throw new Error(`in ${name}: ${error.message}`);
				});
			},
			async close() {
				await browser.close().catch(() => browser.process()?.kill('SIGKILL'));
			}
		};
	} catch (error) {
		await browser.close().catch(() => browser.process()?.kill('SIGKILL'));
		throw error;
	}
}
