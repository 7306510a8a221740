import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'
import vueParser from 'vue-eslint-parser'
import globals from 'globals'

// Layers (house style 1): shared/ is pure; renderer/ never touches Node, the network or disk;
// only electron/main.ts and electron/preload.ts import electron.
const nodeAndNetwork = ['electron', 'imapflow', 'nodemailer', 'mailparser', 'ws', 'fs', 'net', 'tls', 'http', 'https', 'child_process', 'os', 'path']
const layer = (message, extra = []) => ['error', {
  paths: nodeAndNetwork.map((name) => ({ name, message })),
  patterns: [{ group: ['node:*', ...extra], message }],
}]

/** Globals of one side only (Node's, the page's) or of the network: never in shared/. */
const sharedForbiddenGlobals = [
  ...['Buffer', 'process', 'global', 'require', 'module', 'exports', '__dirname', '__filename', 'setImmediate', 'clearImmediate']
    .map((name) => ({ name, message: 'shared/ runs in the window too: no Node globals (use TextEncoder, btoa, Uint8Array).' })),
  ...['window', 'document', 'localStorage', 'sessionStorage', 'indexedDB', 'navigator', 'location']
    .map((name) => ({ name, message: 'shared/ runs in the main process too: no DOM globals.' })),
  ...['fetch', 'XMLHttpRequest', 'WebSocket', 'EventSource']
    .map((name) => ({ name, message: 'shared/ never touches the network.' })),
]

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.tandem-tmp/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/essential'],
  {
    files: ['**/*.vue'],
    languageOptions: { parser: vueParser, parserOptions: { parser: tseslint.parser, sourceType: 'module', extraFileExtensions: ['.vue'] } },
  },
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'off',
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': layer('shared/ is imported by both sides: no Node, Electron, network or UI code here.', ['vue', 'pinia', 'dexie', '**/electron/**', '**/renderer/**', '**/admin/**']),
      // Imports are not the only way in: a global such as Buffer type-checks (the project has
      // Node's types) and then fails in the window. Web-standard globals both sides have
      // (TextEncoder, btoa, URL, structuredClone) stay allowed.
      'no-restricted-globals': ['error', ...sharedForbiddenGlobals],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.vue'],
    rules: { 'no-restricted-imports': layer('The renderer never touches the network or disk: ask the main process through the API client.', ['**/electron/**', '**/admin/**']) },
  },
  {
    files: ['electron/**/*.ts'],
    ignores: ['electron/main.ts', 'electron/preload.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'Only electron/main.ts and electron/preload.ts import electron; the mail service is plain Node.' }],
        patterns: [
          { group: ['**/renderer/**'], message: 'The main process does not import renderer code.' },
          { group: ['**/admin/**'], message: "The app never loads the administrator's command (admin/)." },
        ],
      }],
    },
  },
  {
    // tandem-admin: plain Node for the administrator; it shares the directory's parser and the catalogue, nothing of the app's UI.
    files: ['admin/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'tandem-admin is plain Node.' }],
        patterns: [{ group: ['**/renderer/**'], message: 'tandem-admin does not import renderer code.' }],
      }],
    },
  },
)
