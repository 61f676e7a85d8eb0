import { defineConfig } from 'vitest/config'

// Sensors in these tests are real processes; some deliberately hang until killed, so the
// per-test timeout is generous. Nothing here times a result: speed lives in `npm run bench`.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
})
