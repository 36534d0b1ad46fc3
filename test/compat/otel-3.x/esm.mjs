// The scenario as an ES module app: the SDK comes from this folder's own install.
import { run } from "../scenario.mjs";

await run((specifier) => import(specifier));
