// `npm run bench`. The suites import playwright-core and lighthouse when they load, so on a fresh clone the npm
// packages must be installed before bench/main.mjs (what the bench does, and its flags) is imported.
import { ensureNpmPackages } from '../scripts/setup.mjs';

ensureNpmPackages();
await import('./main.mjs');
