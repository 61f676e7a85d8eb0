import { readFile } from 'node:fs/promises'
import { defineConfig } from 'vitest/config'

// @actions/languageservice and @actions/workflow-parser (test/workflows.test.ts) import their
// JSON schemas without import attributes, which Node's own loader refuses: inlined, they go
// through vite, which accepts the import.
const INLINED = ['@actions/languageservice', '@actions/workflow-parser']
const inlinedFile = /\/node_modules\/@actions\/(languageservice|workflow-parser)\/dist\/.*\.js$/

// Sensors in these tests are real processes; some deliberately hang until killed, so the
// per-test timeout is generous. Nothing here times a result: speed lives in `npm run bench`.
export default defineConfig({
  plugins: [
    {
      // The inlined packages' source maps point at sources they do not ship, and vite warns
      // about each file (dozens of lines a run); loaded without the map comment, they are quiet.
      name: 'inlined-without-source-maps',
      async load(id) {
        if (!inlinedFile.test(id)) return null
        const code = await readFile(id, 'utf8')
        return { code: code.replace(/^\/\/# sourceMappingURL=.*$/m, ''), map: null }
      },
    },
  ],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    server: { deps: { inline: INLINED } },
  },
})
