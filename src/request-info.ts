import type { McpRequestExtra } from "./config.js";

/** The web `Headers` behind a `requestInfo` made by {@link requestInfoOf}, for cheap lookups. */
export const WEB_HEADERS = Symbol("mcpcat-otel.webHeaders");

type RequestInfo = NonNullable<McpRequestExtra["requestInfo"]>;

/**
 * v1's `requestInfo` shape (`headers` as a plain object, `url`) over a web `Request`, as SDK v2
 * transports hand it over. Both are built on first read: only `identify` and the hooks read
 * them, and most requests never pay for the copy. This package reads single headers through
 * {@link WEB_HEADERS} instead.
 */
export function requestInfoOf(request: Request): RequestInfo {
  let headers: RequestInfo["headers"] | undefined;
  let url: URL | undefined;
  const info = {
    get headers() {
      if (!headers) {
        headers = {};
        for (const [name, value] of request.headers) headers[name] = value;
      }
      return headers;
    },
    get url() {
      url ??= safeUrl(request.url);
      return url;
    },
  };
  Object.defineProperty(info, WEB_HEADERS, { value: request.headers });
  return info as RequestInfo;
}

function safeUrl(href: string): URL | undefined {
  try {
    return new URL(href);
  } catch {
    return undefined;
  }
}

/**
 * The `extra` v2 transports hand `_onrequest` (`{ request, authInfo, ... }`, where `request` is
 * the web `Request`), in v1's shape: `requestInfo.headers` and `authInfo`, so one `identify`
 * works on both generations. Transports without a web request (stdio, in-memory) pass through.
 * Made per request, never kept: each request of one session may come from another caller.
 */
export function v1ShapedExtra(extra: unknown): unknown {
  try {
    const request = (extra as { request?: unknown } | undefined)?.request as Request | undefined;
    if (typeof request?.headers?.get !== "function") return extra;
    const shaped: Partial<McpRequestExtra> = { requestInfo: requestInfoOf(request) };
    const authInfo = (extra as { authInfo?: unknown }).authInfo;
    if (authInfo !== undefined) shaped.authInfo = authInfo;
    return shaped;
  } catch {
    return extra; // an odd transport must not cost the request: it is traced without headers
  }
}
