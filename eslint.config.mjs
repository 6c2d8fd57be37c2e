// @ts-check
// ESLint flat config: eslint 9 + typescript-eslint 8, type-aware where it catches real bugs
// (floating promises, misused promises, awaiting non-promises), plus the recommended sets.
import eslint from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    // Generated or installed output, never linted.
    ignores: ["node_modules/**", "artifacts/**", "cache/**", "typechain-types/**", "coverage/**", "dist/**", "test-results/**", "stubs/**"],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.node },
      parserOptions: {
        projectService: { allowDefaultProject: ["vitest.config.mts", "eslint.config.mjs"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // Real bugs: a promise nobody awaits or catches; `void p` marks a deliberate fire-and-forget.
      "@typescript-eslint/no-floating-promises": ["error", { ignoreVoid: true }],
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { arguments: false, attributes: false } }],
      // Unused code is an error; `_`-prefixed args, vars, caught errors and rest siblings are deliberate.
      "@typescript-eslint/no-unused-vars": [
        "error",
        {
          args: "after-used",
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          caughtErrorsIgnorePattern: "^_",
          destructuredArrayIgnorePattern: "^_",
          ignoreRestSiblings: true,
        },
      ],
      // JSON from peers, venues and RPCs is parsed then validated (zod); the no-unsafe-* family
      // flags every step of that on `any` and drowns the real findings. Warn, do not fail.
      "@typescript-eslint/no-unsafe-assignment": "warn",
      "@typescript-eslint/no-unsafe-member-access": "warn",
      "@typescript-eslint/no-unsafe-argument": "warn",
      "@typescript-eslint/no-unsafe-call": "warn",
      "@typescript-eslint/no-unsafe-return": "warn",
      // Fastify handlers, Hardhat subtasks and interface implementations are async by contract.
      "@typescript-eslint/require-await": "off",
      // `cond ? a++ : b++` and `x && f()` are statements by intent here.
      "@typescript-eslint/no-unused-expressions": ["error", { allowTernary: true, allowShortCircuit: true }],
      // AbortSignal.reason is `any` by the DOM typings; rejecting with it is the standard pattern.
      "@typescript-eslint/prefer-promise-reject-errors": ["error", { allowThrowingAny: true, allowThrowingUnknown: true }],
      // String(x) of a venue's error field that might be an object prints "[object Object]": worth
      // a look, not a failed build (the value is only ever a message).
      "@typescript-eslint/no-base-to-string": "warn",
      // Template strings with numbers and bigints are how amounts are printed here.
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true, allowNullish: true }],
    },
  },
  {
    // Tests and test support: fixtures are known to be there, and chai's `expect(x).to.be.true` is an expression.
    files: ["test/**/*.ts", "**/*.test.ts"],
    languageOptions: { globals: { ...globals.mocha } },
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/no-unused-expressions": "off",
      // Fixtures build deliberately loose JSON (configs with a wrong key, junk from a venue).
      "@typescript-eslint/no-explicit-any": "off",
    },
  },
  {
    // Plain JavaScript (the bin, tool configs): CommonJS, no type information.
    files: ["**/*.js", "**/*.cjs"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, sourceType: "commonjs", globals: { ...globals.node } },
    rules: { ...tseslint.configs.disableTypeChecked.rules, "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["**/*.mjs", "**/*.mts"],
    ...tseslint.configs.disableTypeChecked,
  },
);
