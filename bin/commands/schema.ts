import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { policyJsonSchema } from '../../shared/policy/policyJsonSchema';

/** Adds `scalepilot schema` to the CLI. */
export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of the policy file (for editors)')
    .option('-o, --out <file>', 'write it to a file instead')
    .action((options: { out?: string }) => {
      const text = `${JSON.stringify(policyJsonSchema(), null, 2)}\n`;
      if (options.out) writeFileSync(options.out, text);
      else process.stdout.write(text);
    });
}
