// The system programs the suites use as independent checks. `npm test` installs what is missing
// (scripts/ensure-tools.mjs), so a test never skips for want of one.

/** Python 3.11.4 or newer with PyYAML: `$SHELF_PYTHON`, else `python3` from PATH (tarfile's data filter is 3.11.4+). */
export const PYTHON = process.env.SHELF_PYTHON ?? 'python3';

/**
 * Debian's own Python with Debian's python3-yaml and python3-cattr: PyYAML and cattrs, the libraries BentoML
 * reads and structures `model.yaml` with. `$SHELF_DEBIAN_PYTHON`, else `/usr/bin/python3`.
 */
export const DEBIAN_PYTHON = process.env.SHELF_DEBIAN_PYTHON ?? '/usr/bin/python3';
