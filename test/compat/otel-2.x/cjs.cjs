// The scenario as a CommonJS app: the SDK comes from this folder's own install.
import("../scenario.mjs").then(({ run }) => run(async (specifier) => require(specifier)));
