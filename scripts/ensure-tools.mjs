// Finds (or installs) the system programs the test suites drive: a Chromium for Playwright and Vitest's
// browser project, and the independent checkers (Python with PyYAML and cattrs, Info-ZIP's unzip).
// Playwright must never download a browser of its own; these machines reach only npm and Debian.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/**
 * The flags every headless Chromium of the project starts with (Playwright, Vitest's browser project, the
 * bench): no sandbox as root, no GPU, and none of the background requests this closed network refuses.
 */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

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
 * Makes sure the independent checkers the tests call are there, so no test skips for want of one:
 * `unzip`, `python3` (3.11.4+, with PyYAML: tarfile's data filter and BentoML's YAML), and Debian's own
 * `/usr/bin/python3` with python3-yaml and python3-cattr (the libraries BentoML reads model.yaml with),
 * `skopeo` (an OCI client we did not write, issue 19) and `nginx` (the CORS front of README's registry setup).
 */
export function ensureCheckers() {
	const missing = [];
	if (!runs('unzip', ['-v'])) missing.push('unzip');
	if (!runs('skopeo', ['--version'])) missing.push('skopeo');
	if (!runs('/usr/sbin/nginx', ['-v'])) missing.push('nginx');
	if (!runs('/usr/bin/python3', ['-c', 'import yaml, cattr'])) missing.push('python3', 'python3-yaml', 'python3-cattr');
	const python = process.env.SHELF_PYTHON ?? 'python3';
	if (!runs(python, ['-c', 'import yaml'])) missing.push('python3', 'python3-yaml');
	if (missing.length > 0) installDebianPackages([...new Set(missing)], 'the independent checkers the tests call (unzip, Python with PyYAML and cattrs, skopeo, nginx)');
	if (!runs(python, ['-c', 'import tarfile, yaml; tarfile.data_filter'])) {
		fail(`${python} must be Python 3.11.4 or newer with PyYAML (the tests read tarfile.data_filter); set SHELF_PYTHON to one that is.`);
	}
}

/** Where Debian's packages put the other engines the engines suite drives (issue 24). */
export const ENGINE_PATHS = {
	firefox: '/usr/bin/firefox-esr',
	webkitDriver: '/usr/bin/WebKitWebDriver',
	miniBrowser: '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
	xvfbRun: '/usr/bin/xvfb-run'
};

/**
 * Makes sure Firefox ESR, WebKitGTK's WebDriver (with its MiniBrowser) and Xvfb are there for the engines
 * suite, installing Debian's `firefox-esr`, `webkit2gtk-driver` and `xvfb` when root; otherwise exits with
 * the apt-get line. Returns the paths.
 */
export function ensureEngines() {
	const packages = { firefox: 'firefox-esr', webkitDriver: 'webkit2gtk-driver', miniBrowser: 'webkit2gtk-driver', xvfbRun: 'xvfb' };
	const missing = () => Object.entries(ENGINE_PATHS).filter(([, path]) => !existsSync(path)).map(([key]) => packages[/** @type {keyof typeof packages} */ (key)]);
	const before = [...new Set(missing())];
	// xauth: xvfb-run needs it and xvfb only recommends it (installs here skip recommends).
	if (before.length > 0) installDebianPackages([...before, ...(before.includes('xvfb') ? ['xauth'] : [])], 'the other browser engines of the engines suite (Firefox ESR, WebKitGTK, Xvfb)');
	const after = missing();
	if (after.length > 0) fail(`apt-get installed ${before.join(', ')} but ${after.join(', ')} is still missing (${Object.values(ENGINE_PATHS).join(', ')}).`);
	return ENGINE_PATHS;
}

/**
 * True when the command runs and exits 0.
 * @param {string} command
 * @param {string[]} args
 */
function runs(command, args) {
	try {
		execFileSync(command, args, { stdio: 'ignore' });
		return true;
	} catch {
		return false;
	}
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
				`(sudo apt-get install ${packages.join(' ')}).`
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

if (import.meta.url === `file://${process.argv[1]}`) console.log(process.argv[2] === 'engines' ? ensureEngines() : ensureChromium());
