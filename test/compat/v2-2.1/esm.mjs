// The v2 scenario as an ES module app: the SDK comes from this folder's own install.
import { run } from "../scenario-v2.mjs";

await run((specifier) => import(specifier));
