import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Two files at a time on CI's two cores: the integration files mostly wait on their own
    // Dovecot and Postfix (each on its own ports), so the second worker roughly halves the wall
    // time (measured: 790 s with one, 498 s with two).
    maxWorkers: 2,
    projects: [
      {
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' },
      },
      {
        // Real Dovecot and Postfix, started by each file on its own ports.
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], environment: 'node', testTimeout: 60_000, hookTimeout: 60_000 },
      },
    ],
  },
})
