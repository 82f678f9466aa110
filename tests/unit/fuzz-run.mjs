// `npm run test:fuzz`: the parser fuzzing (tests/unit/fuzz-*.test.ts, issue 22) with many more inputs than the
// short run in `npm test`: SHELF_FUZZ_RUNS per parser (default 2,000; SHELF_FUZZ_SEED for another corpus). Prints
// the inputs tried per parser and in total, and exits non-zero when any property failed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = process.env.SHELF_FUZZ_RUNS ?? '2000';
const report = mkdtempSync(join(tmpdir(), 'shelf-fuzz-'));
const env = { ...process.env, SHELF_FUZZ_RUNS: runs, SHELF_FUZZ_REPORT: report };
const result = spawnSync('npx', ['vitest', 'run', '--project', 'unit', 'tests/unit/fuzz-'], { stdio: 'inherit', env });

const tried = new Map();
for (const file of readdirSync(report)) {
	for (const [parser, count] of Object.entries(JSON.parse(readFileSync(join(report, file), 'utf8')))) tried.set(parser, (tried.get(parser) ?? 0) + count);
}
rmSync(report, { recursive: true, force: true });
const total = [...tried.values()].reduce((sum, count) => sum + count, 0);
console.log(`\nInputs tried (SHELF_FUZZ_RUNS=${runs}, seed ${process.env.SHELF_FUZZ_SEED ?? 22}):`);
for (const [parser, count] of [...tried].sort()) console.log(`  ${parser.padEnd(20)} ${count}`);
console.log(`  ${'total'.padEnd(20)} ${total}`);
process.exit(result.status ?? 1);
