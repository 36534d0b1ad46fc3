// The scenario as a CommonJS app: the SDK comes from this folder's own install. 1.10 has
// no per-request stateless mode (see scenario.mjs).
import("../scenario.mjs").then(({ run }) =>
  run(async (specifier) => require(specifier), { perRequest: false }),
);
