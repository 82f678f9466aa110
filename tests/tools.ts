// The system programs the suites use as independent checks. `npm test` installs what is missing
// (scripts/ensure-tools.mjs), so a test never skips for want of one.

/** Python 3.11.4 or newer with PyYAML: `$SHELF_PYTHON`, else `python3` from PATH (tarfile's data filter is 3.11.4+). */
export const PYTHON = process.env.SHELF_PYTHON ?? 'python3';
