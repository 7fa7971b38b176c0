import { relative, sep } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The folders whose files take longest, heaviest first: the end-to-end local accounts (minutes), the behaviour
 * layer and reliability suites (about a minute each), the packaged templates, then the emulator's integration
 * files. Unit and property files, a second or less, come last and fill the workers' tails.
 */
const HEAVY = [
  'tests/e2e/',
  'tests/behaviour/',
  'tests/reliability/',
  'tests/template/',
  'tests/integration/',
];

/**
 * Longest first, so that no minute-long file starts last beside an idle worker. Vitest orders files by the
 * durations it remembers, but a clean clone (CI) has none and it falls back to file size, which put the short
 * soak (one small file, a minute long) at the end of the run alone. Within a folder, vitest's own order.
 */
export default class HeavyFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const ordered = await super.sort(files);
    // By the path inside the project: a checkout under a folder named tests/ changes nothing.
    const weight = (file: TestSpecification) => {
      const path = relative(this.ctx.config.root, file.moduleId).split(sep).join('/');
      const folder = HEAVY.findIndex((f) => path.startsWith(f));
      return folder === -1 ? HEAVY.length : folder;
    };
    return ordered
      .map((file, index) => ({ file, index }))
      .sort((a, b) => weight(a.file) - weight(b.file) || a.index - b.index)
      .map(({ file }) => file);
  }
}
