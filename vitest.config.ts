import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Four files at a time on CI's two cores: the integration files mostly wait — on their own
    // Dovecot and Postfix (each on its own ports), on slowed links, on tokens running out — so
    // more workers than cores still shorten the wall time (measured on two cores: 790 s with one
    // worker, 498 s with two, 338 s with four, the CPU then 1.7 cores busy on average).
    maxWorkers: 4,
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
