// Signing through the pages (issue 20), against a real registry (CNCF Distribution, tests/e2e/registry-harness.ts):
// a key made on the Remote page signs a push from the version page; its downloaded public key is a PEM Debian's openssl
// reads; a fresh browser trusts that file, enforces, and pulls it as "signed by" the trusted key's name; an unsigned
// version is refused under enforce (nothing stored) and pulled with a warning under warn.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { appOrigin, useRegistry } from './registry-harness.ts';
import { save } from './shelf-page.ts';
import { expectNoSeriousAxeViolations, openApp } from './ui-helpers.ts';

const registry = useRegistry();
const NAMESPACE = 'signing-e2e';

/** Fills the Remote page's form and saves it, then waits for the check. */
async function setUpRemote(page: Page) {
	await page.getByLabel('Registry address').fill(registry().url);
	await page.getByLabel('Namespace').fill(NAMESPACE);
	await page.getByRole('button', { name: 'Save and connect' }).click();
	await expect(page.getByTestId('remote-status')).toContainText('Connected');
}

/** Pulls a reference from the Remote page's pull panel. */
async function pull(page: Page, reference: string) {
	await page.getByLabel('Pull by reference').fill(reference);
	await page.getByTestId('pull-panel').getByRole('button', { name: 'Pull', exact: true }).click();
}

/** Pushes the open version page's version, signed with `key` (or not), and waits for the result. */
async function push(page: Page, key: string | null) {
	await expect(page.getByTestId('push-sign')).toBeVisible();
	await page.getByLabel('Sign with').selectOption({ label: key ?? 'None' });
	await page.getByRole('button', { name: 'Push to registry' }).click();
	await expect(page.getByTestId('push-result')).toHaveAttribute('data-status', 'pushed', { timeout: 30_000 });
}

test('a key made here signs a push; a fresh browser trusts its downloaded public key and pulls it as signed', async ({ page, browser }, testInfo) => {
	test.setTimeout(180_000);
	await openApp(page);
	await save(page, { name: 'iris', version: 'v1', files: [{ path: 'model.bin', size: 256 << 10, seed: 3 }] });
	await save(page, { name: 'iris', version: 'v2', files: [{ path: 'model.bin', size: 256 << 10, seed: 4 }] });
	await page.goto('/remote');
	await setUpRemote(page);

	// Create a key on the Remote page: listed with its fingerprint and where it came from.
	const keys = page.getByTestId('signing-keys');
	await expect(keys.getByTestId('signing-keys-empty')).toBeVisible();
	await keys.getByLabel('New key name').fill('release');
	await keys.getByRole('button', { name: 'Create key' }).click();
	const rows = keys.getByTestId('signing-key');
	const release = rows.filter({ hasText: 'release' });
	await expect(rows).toHaveCount(1);
	await expect(release).toContainText('generated');
	await expect(release.locator('[title^="SHA-256 "]')).toHaveText(/^[0-9a-f]{4}(:[0-9a-f]{4}){3}$/);
	const fingerprint = (await release.locator('[title^="SHA-256 "]').getAttribute('title'))!;
	expect(fingerprint).toMatch(/^SHA-256 [0-9a-f]{64}$/);

	// A key openssl made (unencrypted PKCS#8) is imported by pasting it; its public key is the one openssl derives.
	const privatePath = testInfo.outputPath('team.p8.pem');
	execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', privatePath]);
	const opensslPublic = execFileSync('openssl', ['pkey', '-in', privatePath, '-pubout'], { encoding: 'utf8' });
	await keys.getByText('Import a key you already have').click();
	await keys.getByLabel('Key name', { exact: true }).fill('team');
	await keys.getByLabel('Private key (PKCS#8 PEM)').fill(readFileSync(privatePath, 'utf8'));
	await keys.getByRole('button', { name: 'Import key' }).click();
	await expect(rows).toHaveCount(2);
	const team = rows.filter({ hasText: 'team' });
	await expect(team).toContainText('imported');
	const teamDownload = page.waitForEvent('download');
	await team.getByRole('button', { name: 'Download public key of team' }).click();
	const teamPubPath = testInfo.outputPath('team.pub');
	await (await teamDownload).saveAs(teamPubPath);
	expect(readFileSync(teamPubPath, 'utf8').trim()).toBe(opensslPublic.trim());
	await expectNoSeriousAxeViolations(page, 'the Remote page with its Signing and trust section');

	// Deleting a key asks first; cancelling keeps it, confirming removes it.
	await keys.getByRole('button', { name: 'Delete signing key team' }).click();
	const dialog = page.getByRole('dialog', { name: 'Delete signing key team?' });
	await dialog.getByRole('button', { name: 'Cancel' }).click();
	await expect(rows).toHaveCount(2);
	await keys.getByRole('button', { name: 'Delete signing key team' }).click();
	await dialog.getByRole('button', { name: 'Delete team' }).click();
	await expect(rows).toHaveCount(1);
	await expect(rows).toContainText('release');

	// Its public key downloads as a .pub PEM that openssl (Debian, not ours) accepts as an EC P-256 public key.
	const downloading = page.waitForEvent('download');
	await keys.getByRole('button', { name: 'Download public key of release' }).click();
	const download = await downloading;
	expect(download.suggestedFilename()).toBe('release.pub');
	const pubPath = testInfo.outputPath('release.pub');
	await download.saveAs(pubPath);
	expect(readFileSync(pubPath, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n?$/);
	execFileSync('openssl', ['pkey', '-pubin', '-in', pubPath, '-noout']);
	expect(execFileSync('openssl', ['pkey', '-pubin', '-in', pubPath, '-noout', '-text'], { encoding: 'utf8' })).toContain('prime256v1');

	// Push v1 signed with it from the version page, and v2 unsigned.
	await page.goto('/models/iris/v1');
	await push(page, 'release');
	// The result names cosign's signature tag for that digest, and the registry holds it.
	const digest = (await page.getByTestId('push-digest').textContent())!;
	const sigTag = `${digest.replace(':', '-')}.sig`;
	await expect(page.getByTestId('push-signed')).toContainText(`Signed with release: cosign's signature tag ${NAMESPACE}/iris:${sigTag} and a Sigstore bundle attached as a referrer`);
	expect((await fetch(`${registry().url}/v2/${NAMESPACE}/iris/manifests/${sigTag}`, { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })).status).toBe(200);
	await page.goto('/models/iris/v2');
	await push(page, null);
	await expect(page.getByTestId('push-signed')).toHaveCount(0);

	// A fresh browser: trust the downloaded file for this registry under another name, enforce, pull.
	const context = await browser.newContext({ baseURL: appOrigin() });
	try {
		const other = await context.newPage();
		await openApp(other, '/remote');
		await setUpRemote(other);
		const trusted = other.getByTestId('trusted-keys');
		await expect(trusted.getByTestId('trusted-keys-empty')).toBeVisible();
		await trusted.getByText('Trust a public key').click();
		await trusted.getByLabel('Key name', { exact: true }).fill('Ana release key');
		await trusted.getByLabel('Or pick the public key file').setInputFiles(pubPath);
		await expect(trusted.getByLabel('Public key (PEM)')).toHaveValue(/BEGIN PUBLIC KEY/);
		await trusted.getByRole('button', { name: 'Trust key' }).click();
		await expect(trusted.getByTestId('trusted-key')).toContainText('Ana release key');
		// The same key: the fingerprint the first browser showed.
		await expect(trusted.getByTestId('trusted-key').locator('[title^="SHA-256 "]')).toHaveAttribute('title', fingerprint);

		await other.getByRole('radio', { name: 'Enforce' }).check();
		await expect(other.getByTestId('trust-policy')).toHaveAttribute('data-policy', 'enforce');
		await expectNoSeriousAxeViolations(other, 'the Remote page with a trusted key and enforce');

		// Signed by the trusted key: pulled, and the version page says by which.
		await pull(other, 'iris:v1');
		const outcome = other.getByTestId('pull-outcome');
		await expect(outcome).toHaveAttribute('data-status', 'created', { timeout: 30_000 });
		await expect(other.getByTestId('pull-signature')).toHaveAttribute('data-status', 'signed');
		await expect(other.getByTestId('pull-signature')).toContainText('signed by Ana release key');

		// Unsigned under enforce: refused with the reason in words, and nothing stored.
		await pull(other, 'iris:v2');
		const refusal = other.getByTestId('pull-panel').getByTestId('remote-error');
		await expect(refusal).toHaveAttribute('data-code', 'UNTRUSTED', { timeout: 30_000 });
		await expect(refusal).toContainText('Refused by the trust policy: not signed; nothing was stored');
		expect(await other.evaluate(() => window.modelShelf!.api.versions({ name: 'iris' }).then((all) => all.map((record) => record.tag)))).toEqual(['iris:v1']);

		// Under warn the same version is pulled, with the warning in the pull result.
		await other.getByRole('radio', { name: 'Warn' }).check();
		await expect(other.getByTestId('trust-policy')).toHaveAttribute('data-policy', 'warn');
		await pull(other, 'iris:v2');
		await expect(outcome).toHaveAttribute('data-status', 'created', { timeout: 30_000 });
		await expect(other.getByTestId('pull-signature')).toHaveAttribute('data-status', 'unsigned');
		await expect(other.getByTestId('pull-signature')).toContainText('Warning: unsigned');

		// A key being rotated out: trusted until a day that has passed, it no longer vouches for anything.
		await trusted.getByRole('button', { name: 'Remove trusted key Ana release key' }).click();
		await expect(trusted.getByTestId('trusted-keys-empty')).toBeVisible();
		await trusted.getByLabel('Key name', { exact: true }).fill('Ana old key');
		await trusted.getByLabel('Or pick the public key file').setInputFiles(pubPath);
		await expect(trusted.getByLabel('Public key (PEM)')).toHaveValue(/BEGIN PUBLIC KEY/);
		await trusted.getByLabel(/Trusted until/).fill('2020-01-31');
		await trusted.getByRole('button', { name: 'Trust key' }).click();
		await expect(trusted.getByTestId('trusted-key-until')).toContainText('ended');
		await other.getByRole('radio', { name: 'Enforce' }).check();
		await expect(other.getByTestId('trust-policy')).toHaveAttribute('data-policy', 'enforce');
		await pull(other, 'iris:v1');
		await expect(refusal).toHaveAttribute('data-code', 'UNTRUSTED', { timeout: 30_000 });
		await expect(refusal).toContainText('Refused by the trust policy: signed by a key whose trust has ended');
		await expect(refusal).toContainText('Signed by "Ana old key", whose trust ended on 2020-01-31');

		// The version pages keep what the check found.
		await other.goto('/models/iris/v1');
		await expect(other.getByTestId('copy-signature')).toHaveText('signed by Ana release key');
		await other.goto('/models/iris/v2');
		await expect(other.getByTestId('copy-signature')).toContainText('unsigned');
	} finally {
		await context.close();
	}
});
