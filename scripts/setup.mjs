// Shared first steps of `npm start` and `npm test`: install npm packages when they are missing or stale.
import { existsSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/** Runs `npm ci` when node_modules is missing or older than package-lock.json. */
export function ensureNpmPackages() {
	const installedLock = 'node_modules/.package-lock.json';
	const upToDate = existsSync(installedLock) && statSync(installedLock).mtimeMs >= statSync('package-lock.json').mtimeMs;
	if (upToDate) return;
	console.log('Installing npm packages (npm ci)…');
	// Playwright drives the system Chromium; it must never download a browser of its own.
	run('npm', ['ci', '--no-audit', '--no-fund'], { PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' });
}

/**
 * Runs a command with inherited output; throws when it exits non-zero.
 * @param {string} command
 * @param {string[]} args
 * @param {Record<string, string>} [env]
 */
export function run(command, args, env = {}) {
	execFileSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
}

/** Builds the static site into build/ from scratch (a failed build must not leave an old one to test). */
export function buildSite() {
	run('rm', ['-rf', process.env.SHELF_BUILD_DIR ?? 'build']);
	run('npm', ['run', 'build', '--silent']);
}
