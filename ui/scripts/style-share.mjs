// Prints the share of .svelte lines that sit inside <style>…</style> blocks (tags included),
// over every ui/src/**/*.svelte file. Run: node scripts/style-share.mjs [--files]
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(fileURLToPath(import.meta.url), '../../src');

function* svelteFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* svelteFiles(path);
    else if (entry.name.endsWith('.svelte')) yield path;
  }
}

let total = 0;
let style = 0;
const rows = [];
for (const file of svelteFiles(SRC)) {
  const lines = readFileSync(file, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  let inside = false;
  let own = 0;
  for (const line of lines) {
    if (/^\s*<style[\s>]/.test(line)) inside = true;
    if (inside) own += 1;
    if (line.includes('</style>')) inside = false;
  }
  total += lines.length;
  style += own;
  rows.push([relative(SRC, file), own, lines.length]);
}

if (process.argv.includes('--files')) {
  for (const [name, own, all] of rows.sort((a, b) => b[1] - a[1])) console.log(`${String(own).padStart(5)} / ${String(all).padStart(5)}  ${name}`);
}
console.log(`style share: ${((100 * style) / total).toFixed(1)}% (${style} style lines of ${total} .svelte lines)`);
