import { defineConfig } from 'vitest/config';
import HeavyFirstSequencer from './tests/heavyFirstSequencer';

export default defineConfig({
  test: {
    reporters: ['default', './tests/summaryReporter.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // A file of the world project keeps an emulator busy (a warm one leased from the run's pool, moto
    // answering in a process beside it): two files at a time fit a 2-core machine.
    maxWorkers: 2,
    sequence: { sequencer: HeavyFirstSequencer },
    env: { POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT', AWS_REGION: 'us-east-1' },
    projects: [
      {
        extends: true,
        test: {
          // Unit and property files touch no emulator, process or file of another: they share one module
          // cache per worker (the SDK and the project imported once, not once a file: about half their time).
          name: 'pure',
          include: ['tests/unit/**/*.test.ts', 'tests/property/**/*.test.ts'],
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'world',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/unit/**', 'tests/property/**'],
          globalSetup: ['tests/globalSetup.ts'],
        },
      },
    ],
  },
});
