/** The lowest Node this package runs on: what OpenTelemetry JS 3.x declares, and the first
 * release with `module.registerHooks`, which the loader hook needs. */
export const MIN_NODE = "22.15";

/**
 * The one line `register` prints on a Node below {@link MIN_NODE} (it then starts nothing and
 * the app runs on, uninstrumented); undefined on a supported Node.
 */
export function unsupportedNodeMessage(
  version: string = process.versions.node,
): string | undefined {
  const [major = 0, minor = 0] = version.split(".").map((part) => Number.parseInt(part, 10));
  const [minMajor = 0, minMinor = 0] = MIN_NODE.split(".").map(Number);
  if (major > minMajor || (major === minMajor && minor >= minMinor)) return undefined;
  return `mcpcat-otel needs Node >= ${MIN_NODE}; this is ${version}`;
}
