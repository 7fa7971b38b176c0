import type { Command } from 'commander';
import { policyJsonSchema } from '../../shared/policy/policyJsonSchema';
import { writeOptionFile } from '../lib/cliOptions';
import { policyReference } from '../lib/policyReference';

/** Adds `scalepilot schema` to the CLI. */
export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of the policy file (for editors), or with --markdown its reference')
    .option('-o, --out <file>', 'write it to a file instead')
    .option('--markdown', 'the reference of every key (type, bounds, default, meaning), as in docs/policy.md')
    .action((options: { out?: string; markdown?: boolean }) => {
      const text = options.markdown
        ? `${policyReference()}\n`
        : `${JSON.stringify(policyJsonSchema(), null, 2)}\n`;
      if (options.out) writeOptionFile('--out', options.out, text);
      else process.stdout.write(text);
    });
}
