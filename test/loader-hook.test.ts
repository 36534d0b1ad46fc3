/*
 * The loader hook's pieces: which URLs it touches, and what it appends. End to end it is proven
 * by test/reach.test.ts and the compatibility suite (test/compat).
 */
import { describe, expect, it } from "vitest";
import { HOOK_TARGETS, targetOf } from "../src/reach/generations.js";
import { HOOK_SLOT_KEY } from "../src/reach/hook-slot.js";
import { appendNotifier, localNameOf } from "../src/reach/hook-source.js";

describe("targetOf", () => {
  const base = "file:///app/node_modules/@modelcontextprotocol";
  it.each([
    [`${base}/sdk/dist/esm/shared/protocol.js`, "sdk-v1", true],
    [`${base}/sdk/dist/cjs/shared/protocol.js`, "sdk-v1", false],
    [`${base}/sdk/dist/esm/shared/protocol.js?iitm=true`, "sdk-v1", true],
    [
      "file:///C:/x/node_modules/.pnpm/@modelcontextprotocol+sdk@1.32.2/node_modules/@modelcontextprotocol/sdk/dist/esm/shared/protocol.js",
      "sdk-v1",
      true,
    ],
    [`${base}/server/dist/index.mjs`, "server-v2", true],
    [`${base}/client/dist/index.cjs`, "client-v2", false],
  ])("%s is %s", (url, id, esm) => {
    expect(targetOf(url)).toEqual({ target: HOOK_TARGETS.find((t) => t.id === id), esm });
  });

  it.each([
    `${base}/sdk/dist/esm/shared/transport.js`,
    `${base}/sdk/dist/esm/server/index.js`,
    `${base}/server/dist/src-DdvbAHrR.mjs`,
    "file:///app/node_modules/other/dist/esm/shared/protocol.js",
    "node:fs",
  ])("%s is not a target", (url) => {
    expect(targetOf(url)).toBeUndefined();
  });
});

describe("localNameOf", () => {
  it.each([
    ["export class Protocol {\n}", "Protocol"],
    ["class g {}\nexport { a as b, g as Protocol, c };", "g"],
    [
      "import { g as Protocol } from './chunk.mjs';\nexport { McpServer, Protocol, Server };",
      "Protocol",
    ],
    ["export{x as Protocol,y as Server}", "x"],
    ["export function Protocol() {}", "Protocol"],
  ])("%s", (source, local) => {
    expect(localNameOf(source, "Protocol")).toBe(local);
  });

  it.each([
    "export { Protocol } from './chunk.mjs';", // a re-export has no local binding
    "export class ProtocolError {}",
    "const Protocol = 1; // not exported",
  ])("none in %s", (source) => {
    expect(localNameOf(source, "Protocol")).toBeUndefined();
  });
});

describe("appendNotifier", () => {
  const [v1] = HOOK_TARGETS;
  const url = "file:///app/node_modules/@modelcontextprotocol/sdk/dist/esm/shared/protocol.js";
  it("ESM: hands over the local binding, no self-import (Node 22 cannot require() one)", () => {
    const out = appendNotifier("export class Protocol {}", url, v1!, true);
    expect(out).toContain('{"Protocol":Protocol},import.meta.url)');
    expect(out).not.toContain("import *");
  });
  it("ESM without a local binding: falls back to a self-import", () => {
    const out = appendNotifier("export { Protocol } from './x.js';", url, v1!, true);
    expect(out).toContain(`import * as __mcpcat_otel_self from ${JSON.stringify(url)};`);
  });
  it("CommonJS: hands over module.exports", () => {
    const out = appendNotifier("exports.Protocol = class {};", url, v1!, false);
    expect(out).toContain('"sdk-v1",module.exports,__filename)');
  });
  it("the appended statement cannot throw into the module", () => {
    const out = appendNotifier("exports.x = 1;", url, v1!, false);
    const slot = Symbol.for(HOOK_SLOT_KEY);
    const saved = (globalThis as Record<symbol, unknown>)[slot];
    (globalThis as Record<symbol, unknown>)[slot] = {
      loaded() {
        throw new Error("handler failure");
      },
    };
    try {
      const module = { exports: {} as Record<string, unknown> };
      new Function("module", "exports", "__filename", out)(module, module.exports, "/f.js");
      expect(module.exports.x).toBe(1);
    } finally {
      (globalThis as Record<symbol, unknown>)[slot] = saved;
    }
  });
});
