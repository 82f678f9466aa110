// Finds (or installs) the system programs the test suites drive: a Chromium for Playwright.
// Playwright must never download a browser of its own; these machines reach only npm and Debian.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/**
 * Returns the path of a Chromium binary: $CHROMIUM_PATH, else /usr/bin/chromium, else Debian's
 * package installed with apt-get when running as root on Debian; otherwise exits with a hint.
 */
export function ensureChromium() {
	const fromEnv = process.env.CHROMIUM_PATH;
	if (fromEnv) {
		if (!existsSync(fromEnv)) fail(`CHROMIUM_PATH is set to ${fromEnv}, but no file is there.`);
		return fromEnv;
	}
	const debianPath = '/usr/bin/chromium';
	if (existsSync(debianPath)) return debianPath;
	installDebianPackages(['chromium'], 'a Chromium for the browser tests');
	if (!existsSync(debianPath)) fail(`apt-get installed chromium but ${debianPath} is missing.`);
	return debianPath;
}

/**
 * Installs Debian packages with apt-get, or exits with a message saying how to get them.
 * @param {string[]} packages Debian package names
 * @param {string} purpose what they are for, for the message
 */
export function installDebianPackages(packages, purpose) {
	const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
	const isDebian = existsSync('/etc/debian_version') && existsSync('/usr/bin/apt-get');
	if (!isRoot || !isDebian) {
		fail(
			`Missing ${purpose}. Install the Debian package(s) ${packages.join(', ')} ` +
				`(sudo apt-get install ${packages.join(' ')}), or set CHROMIUM_PATH to a Chromium binary.`
		);
	}
	console.log(`Installing ${packages.join(', ')} with apt-get (${purpose})…`);
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	/** @param {string[]} args */
	const apt = (args) => execFileSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env });
	try {
		apt(['install', '-y', '--no-install-recommends', ...packages]);
	} catch {
		// A fresh machine may have no package lists yet.
		apt(['update']);
		apt(['install', '-y', '--no-install-recommends', ...packages]);
	}
}

/** @param {string} message @returns {never} */
function fail(message) {
	console.error(message);
	process.exit(1);
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(ensureChromium());
