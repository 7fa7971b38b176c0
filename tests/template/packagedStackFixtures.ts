import { readFileSync } from 'node:fs';
import { exampleTemplate } from '../harness/slsPackage';

// The example policy's packaged stack, as the packagedStack*.test.ts files read it. The package is made once per
// test run and shared by every file that asks (tests/harness/slsPackage.ts), so the files cost no packaging each.

type Resource = {
  Type: string;
  Properties: Record<string, any>;
  DependsOn?: string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};

/** The template's resources by logical id; set by `loadPackagedStack`. */
export let resources: Record<string, Resource>;
/** The template's file, beside the functions' zips; set by `loadPackagedStack`. */
export let templateFile: string;

/** Reads the example stack's template, packaged by the first file of the run that asks: a file's `beforeAll`. */
export async function loadPackagedStack() {
  templateFile = await exampleTemplate();
  resources = JSON.parse(readFileSync(templateFile, 'utf8')).Resources;
}

/** The template's resources of one CloudFormation type, as [logical id, resource] pairs. */
export const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
