// ESLint over the whole repository: typescript-eslint's type-checked rules for TypeScript (one
// program, tsconfig.tsx.json, covers every package, test, bench and example), the recommended
// rules for plain JavaScript. Formatting is Prettier's job (`npm run format:check`); the import
// layering is dependency-cruiser's (.dependency-cruiser.cjs). `npm run lint` runs all three.
import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

// The SQLite driver is chosen per Node version (node:sqlite on 22.16+/24, better-sqlite3 on 20):
// code and tests go through the store interface, so that they run on every supported Node.
const SQLITE_MESSAGE = 'Go through the store interface (openSqlite in core/src/stores/sqlite-drivers.ts): the driver depends on the Node version.';
const SQLITE_PATHS = [
  { name: 'better-sqlite3', message: SQLITE_MESSAGE },
  { name: 'node:sqlite', message: SQLITE_MESSAGE },
];
// The web UI and the example that mounts its views run in a browser and have their own tsconfig.
const BROWSER_CODE = ['ui/**', 'examples/host-app-ui/**'];
const SQLITE_DRIVERS = ['core/src/stores/better-sqlite3-driver.ts', 'core/src/stores/sqlite-drivers.ts', 'core/src/stores/node-sqlite-driver.ts'];

export default tseslint.config(
  { ignores: ['**/node_modules/', '**/dist/', 'api-report/', '**/*.d.ts'] },
  js.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
      'prefer-const': ['error', { destructuring: 'all' }],
    },
  },
  {
    files: ['**/*.ts'],
    ignores: BROWSER_CODE,
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { project: ['./tsconfig.tsx.json', './tsconfig.browser-tests.json'], tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Every promise is awaited, returned, or marked `void` on purpose.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Rethrowing what was caught (typed `unknown`) is fine; throwing a string or an object is not.
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingUnknown: true, allowThrowingAny: true }],
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true, allowThrowingAny: true }],
      // An interface that extends one other names a contract in the docs (SchedulerDefinition).
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
      'prefer-const': ['error', { destructuring: 'all' }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      // API methods are `async` on purpose even without an await: a throw becomes a rejection,
      // which is what callers of a Promise-returning contract handle.
      '@typescript-eslint/require-await': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Tests read JSON bodies and engine answers as `any` (the harness's `api()`); the unsafe-*
    // rules would only add casts that prove nothing there.
    files: ['test/**/*.ts', '**/test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The core's own rules: only the DI helper touches tsyringe; only the composition roots
    // (the core's and the service's) hold the container, so only they can resolve.
    files: ['core/src/**/*.ts'],
    ignores: ['core/src/kernel/di.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'tsyringe', message: 'Use core/src/kernel/di.ts: @injectable(TOKEN, ...) and typed tokens.' }, ...SQLITE_PATHS],
          patterns: [{ group: ['dockerode', 'execa'], message: 'The core never talks to Docker or spawns through execa: that is for plugins.' }],
        },
      ],
    },
  },
  {
    files: ['core/src/**/*.ts'],
    ignores: ['core/src/kernel/di.ts', 'core/src/composition/**', 'core/src/server/start-service.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/kernel/di.js'],
              importNames: ['Container'],
              message:
                'Only the composition root (core/src/composition/) holds the container and resolves from it; declare dependencies with @injectable(...).',
            },
          ],
        },
      ],
    },
  },
  {
    // The drivers themselves (and the benchmarks' raw baselines) load SQLite directly.
    files: SQLITE_DRIVERS,
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'tsyringe', message: 'Use core/src/kernel/di.ts: @injectable(TOKEN, ...) and typed tokens.' }] }],
    },
  },
  {
    files: ['**/*.ts'],
    ignores: ['core/src/**', 'bench/**'],
    rules: { 'no-restricted-imports': ['error', { paths: SQLITE_PATHS }] },
  },
  {
    // The browser code: the same type-checked rules, through the UI's own projects.
    files: ['ui/src/**/*.{ts,tsx}', 'examples/host-app-ui/src/**/*.{ts,tsx}'],
    extends: [tseslint.configs.recommendedTypeChecked],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { project: ['./ui/tsconfig.json', './examples/host-app-ui/tsconfig.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  {
    // Build configs of the browser packages (outside their type-checked projects).
    files: ['ui/*.ts', 'examples/host-app-ui/*.ts'],
    extends: [tseslint.configs.recommended],
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
);
