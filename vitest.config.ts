import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // dist/ is rebuilt first when it is older than the sources: several tests run the compiled daemon.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // End-to-end files start real nginx, ffmpeg and Chromium; two cores do not gain from more.
    maxWorkers: 2,
  },
});
