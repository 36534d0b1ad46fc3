export { McpInstrumentation } from "./instrumentation.js";
export * from "./semconv.js";
export type * from "./types.js";
export { PACKAGE_NAME, PACKAGE_VERSION } from "./version.js";
