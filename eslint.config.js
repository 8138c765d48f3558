// Google's TypeScript style: gts's ESLint rules, with what this tree needs on top.
// `npm run lint` checks (eslint, then prettier --check); `npm run fix` rewrites (eslint --fix,
// then prettier --write).
const globals = require('globals');
const gts = require('gts');

module.exports = [
  // dist/ (the bundles) and dot directories: .local/, .tools/, and .cache/ where XDG_CACHE_HOME is
  // the checkout (cloudbuild.yaml), with the Beam venv in it. node_modules/ is ESLint's default.
  {ignores: ['dist/', '**/.*/']},
  ...gts,
  {
    rules: {
      // Formatting is prettier's, run on its own by `npm run lint` / `npm run fix` with gts's
      // .prettierrc: the same result as gts's prettier-inside-ESLint (and about the same CPU
      // time), with its own report and `prettier --write` to apply it.
      'prettier/prettier': 'off',
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        // tsconfig.json's files plus changelog-archiver/, which `npm run typecheck` leaves out.
        project: './tsconfig.eslint.json',
        tsconfigRootDir: __dirname,
      },
    },
    rules: {
      // `const {line: _, ...row} = r` is how this tree drops a property; the rest is what is used.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {ignoreRestSiblings: true},
      ],
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: {sourceType: 'module', globals: globals.node},
  },
];
