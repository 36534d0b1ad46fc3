// The v2 scenario as a CommonJS app: the SDK comes from this folder's own install.
import("../scenario-v2.mjs").then(({ run }) => run(async (specifier) => require(specifier)));
