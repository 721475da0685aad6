// Prints the built portal's size, gzipped as the server sends it, and fails the build
// above the budget. Counts every file, the ALTCHA chunks too (they load only when the
// CAPTCHA is on), so the budget holds for the heaviest page.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET = 100 * 1024;
const dir = process.env.LATCHKEY_PORTAL_OUT || 'dist';

function files(d) {
  return readdirSync(d).flatMap((name) => {
    const p = join(d, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

let total = 0;
let raw = 0;
const rows = files(dir).sort().map((p) => {
  const body = readFileSync(p);
  const gz = gzipSync(body, { level: 9 }).length;
  total += gz;
  raw += body.length;
  return `  ${relative(dir, p).padEnd(44)} ${(body.length / 1024).toFixed(1).padStart(7)} KiB ${(gz / 1024).toFixed(1).padStart(7)} KiB gzipped`;
});
console.log(`portal bundle (${dir}):\n${rows.join('\n')}`);
console.log(`portal bundle: ${(raw / 1024).toFixed(1)} KiB, ${(total / 1024).toFixed(1)} KiB gzipped ` +
            `(budget ${BUDGET / 1024} KiB gzipped)`);
if (total > BUDGET) {
  console.error(`portal bundle: over budget by ${((total - BUDGET) / 1024).toFixed(1)} KiB gzipped`);
  process.exit(1);
}
