// @ts-check
// Lint for src/, test/ and bench/: typescript-eslint's strict and stylistic type-checked rules, and the import rules
// that keep the module structure (docs/architecture.md). Formatting is Prettier's (`npm run lint` runs both).
import path from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import prettier from 'eslint-config-prettier/flat';

const root = import.meta.dirname;

/** Infrastructure: imports only infrastructure, never a feature. */
const INFRASTRUCTURE = ['src/common', 'src/config', 'src/database'];

/**
 * Feature modules. Another module reaches one only through its `*.module.ts` (to import the Nest module) and its
 * `index.ts` (what it names as public: services, GraphQL types, ports); never its entities or other internals.
 */
const FEATURES = [
  'src/accounts',
  'src/audit',
  'src/billing',
  'src/consent',
  'src/privacy',
  'src/business/clients',
  'src/business/communications',
  'src/business/contacts',
  'src/business/orders',
  'src/business/support',
];

/** Composition: the app (src/*.ts) and the business umbrella module (src/business/*.ts) wire features together. */
const COMPOSITION = ['src/*.ts', 'src/business/*.ts'];

const everything = (dir) => `${dir}/**`;
const absolute = (pattern) => path.join(root, pattern);

const infrastructureImportsNoFeature = {
  target: INFRASTRUCTURE.map(everything),
  from: [...FEATURES.map(everything), ...COMPOSITION],
  message: 'common/, config/ and database/ import no feature module: a feature registers itself with them instead.',
};

const publicApiOnly = FEATURES.map((feature) => ({
  target: [...FEATURES.filter((other) => other !== feature).map(everything), ...COMPOSITION],
  from: everything(feature),
  except: [absolute(`${feature}/{*.module,index}.ts`)],
  message: `Outside ${feature}/, import only its *.module.ts and its index.ts (docs/architecture.md).`,
}));

/** The input helpers live in common/validation/input-transforms.ts; a local copy drifts. */
const SHARED_INPUT_HELPERS = ['Trim', 'TrimToNull', 'IfPresent', 'NormaliseEmail', 'NormaliseOptionalEmail'];

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', '.data/**', 'node_modules/**', 'migrations/**', '*.cjs'] },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: root },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver': undefined,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: path.join(root, 'tsconfig.json') })],
    },
    rules: {
      // A decorated property's or parameter's annotation is its design:type metadata, which class-validator,
      // class-transformer, GraphQL and the ORM read; without one TypeScript emits Object. Keep them.
      '@typescript-eslint/no-inferrable-types': ['error', { ignoreProperties: true, ignoreParameters: true }],
      // It turns `x as T` into `x!`, which no-non-null-assertion (strict) refuses: typescript-eslint's documented
      // conflict. The strict rule stays.
      '@typescript-eslint/non-nullable-type-assertion-style': 'off',
      // `this: void` is how a static method says it may be passed around unbound (see unbound-method).
      '@typescript-eslint/no-invalid-void-type': ['error', { allowAsThisParameter: true }],
      // Nest modules are empty classes with a decorator.
      '@typescript-eslint/no-extraneous-class': ['error', { allowWithDecorator: true }],
      // Unused parameters a signature needs (an interface, a decorator's position) start with an underscore.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'all' }],
      // Numbers print unambiguously; every other non-string in a template needs an explicit conversion.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      'import-x/no-cycle': ['error', { maxDepth: Infinity, ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { basePath: root, zones: [infrastructureImportsNoFeature, ...publicApiOnly] }],
      'import-x/no-self-import': 'error',
      'import-x/no-duplicates': 'error',
      'import-x/no-useless-path-segments': 'error',
      'import-x/no-extraneous-dependencies': ['error', { devDependencies: ['test/**', 'bench/**', '**/*.spec.ts', '*.mjs'] }],
      'no-restricted-syntax': [
        'error',
        {
          selector: `VariableDeclarator[id.name=/^(${SHARED_INPUT_HELPERS.join('|')})$/]`,
          message: 'Input helpers are defined once, in common/validation/input-transforms.ts: import that one.',
        },
      ],
    },
  },
  {
    files: ['src/common/validation/input-transforms.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  prettier,
);
