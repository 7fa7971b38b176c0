#!/usr/bin/env node
// npm 11 writes package-lock.json naming other platforms' optional binaries (Biome's) without entries for
// them, and then `npm ci` refuses the lock as out of sync. This drops the dangling names, so `npm ci`
// installs exactly what the lock holds. Run after `npm install` changes the lock: `npm run lockfile:trim`.
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
let removed = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  const optional = entry.optionalDependencies;
  if (!optional) continue;
  for (const name of Object.keys(optional)) {
    const nested = `${path ? `${path}/` : ''}node_modules/${name}`;
    if (!(nested in lock.packages) && !(`node_modules/${name}` in lock.packages)) {
      delete optional[name];
      removed += 1;
    }
  }
  if (Object.keys(optional).length === 0) delete entry.optionalDependencies;
}
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: dropped ${removed} optional dependencies the lock has no entry for`);
