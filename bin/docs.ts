// `npm run docs`: what the docs generate from the code: the policy's JSON Schema for editors
// (docs/policy.schema.json) and the reference part of docs/policy.md. A test fails while either differs.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { policyJsonSchema } from '../shared/policy/policyJsonSchema';
import { policyReference, withReference } from './lib/policyReference';

const ROOT = resolve(import.meta.dirname, '..');
const schemaFile = resolve(ROOT, 'docs/policy.schema.json');
const pageFile = resolve(ROOT, 'docs/policy.md');
writeFileSync(schemaFile, `${JSON.stringify(policyJsonSchema(), null, 2)}\n`);
writeFileSync(pageFile, withReference(readFileSync(pageFile, 'utf8'), policyReference()));
console.log('wrote docs/policy.schema.json and the reference in docs/policy.md');
