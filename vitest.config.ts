import { defineConfig } from 'vitest/config';
import HeavyFirstSequencer from './tests/heavyFirstSequencer';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/globalSetup.ts'],
    reporters: ['default', './tests/summaryReporter.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Integration files each start their own emulator; two at a time fit a 2-core machine.
    maxWorkers: 2,
    sequence: { sequencer: HeavyFirstSequencer },
    env: { POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT', AWS_REGION: 'us-east-1' },
  },
});
