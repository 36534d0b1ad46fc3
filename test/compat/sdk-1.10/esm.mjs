// The scenario as an ES module app: the SDK comes from this folder's own install. 1.10 has
// no per-request stateless mode (see scenario.mjs).
import { run } from "../scenario.mjs";

await run((specifier) => import(specifier), { perRequest: false });
