import { defineConfig } from "tsup";

// Dual ESM + CommonJS build with types. `shims` turns `import.meta.url` into its CommonJS
// equivalent in the .cjs output (src/reach/sdk-reach.ts resolves the SDK from it). src/cli.ts is the
// `mcpcat-otel` command (package.json `bin` uses its .mjs build).
export default defineConfig({
  // Named entries: dist/register.{mjs,cjs} is built from src/register/index.ts.
  entry: {
    index: "src/index.ts",
    register: "src/register/index.ts",
    hook: "src/hook.ts",
    cli: "src/cli.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  shims: true,
  platform: "node",
  target: "node22",
  clean: true,
  // No source maps: dist is readable as it is, and maps with inlined sources were 2/3 of the tarball.
  sourcemap: false,
  splitting: false,
  outExtension: ({ format }) => ({ js: format === "cjs" ? ".cjs" : ".mjs" }),
});
