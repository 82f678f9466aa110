// Pages keep their shape while the worker answers (issue 21, Lighthouse's layout-shift audit): placeholders take
// the room of what replaces them, so nothing a user is about to click jumps. Measured with the browser's own
// layout-shift entries (what CLS sums), on a phone-sized viewport where the Storage page's tiles stack.
import { expect, test, type Page } from '@playwright/test';
import { save } from './shelf-page.ts';
import { openApp } from './ui-helpers.ts';

test.use({ viewport: { width: 412, height: 823 } });

/** The layout shift of a fresh load of `path`, summed as CLS does for one short session. */
async function layoutShiftOf(page: Page, path: string): Promise<number> {
	await page.addInitScript(() => {
		const shifts: number[] = [];
		(window as unknown as { shifts: number[] }).shifts = shifts;
		new PerformanceObserver((list) => {
			for (const entry of list.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[]) if (!entry.hadRecentInput) shifts.push(entry.value);
		}).observe({ type: 'layout-shift', buffered: true });
	});
	await page.goto(path);
	await expect(page.getByTestId('usage-versions')).toHaveText('1');
	await page.waitForTimeout(500); // what settles after the numbers (the space chart, the trash) counts too
	return page.evaluate(() => (window as unknown as { shifts: number[] }).shifts.reduce((sum, value) => sum + value, 0));
}

test('the Storage page does not move as its numbers arrive', async ({ page }) => {
	await openApp(page);
	await save(page, { name: 'iris', version: 'v1', files: [{ path: 'weights.bin', text: 'weights' }] });
	expect(await layoutShiftOf(page, '/storage')).toBeLessThan(0.1);
});
