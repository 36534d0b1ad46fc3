/*
 * Finding the SDK's `Protocol` class inside a bundle (src/reach/bundle-recognition.ts), on sources
 * written the ways bundlers emit them. End to end (real esbuild and bun bundles under register)
 * it is proven by test/bundles.test.ts.
 */
import { describe, expect, it } from "vitest";
import {
  BUNDLED_PROTOCOL_TARGET,
  mayHoldProtocol,
  recogniseBundle,
} from "../src/reach/bundle-recognition.js";
import { HOOK_SLOT_KEY } from "../src/reach/hook-slot.js";

const URL = "file:///app/dist/server.js";
const PROTOCOL_BODY =
  "constructor(){this._requestHandlers=new Map()} _onrequest(r,e){return 1} _onresponse(m){} request(q){}";

/** Runs a rewritten CommonJS source with a stand-in slot; returns the classes handed over. */
function handedOver(source: string): unknown[] {
  const key = Symbol.for(HOOK_SLOT_KEY);
  const registry = globalThis as Record<symbol, unknown>;
  const saved = registry[key];
  const offered: unknown[] = [];
  registry[key] = {
    loaded(target: string, exports: { Protocol: unknown }, where: string) {
      expect(target).toBe(BUNDLED_PROTOCOL_TARGET);
      expect(where).toBe(URL);
      offered.push(exports.Protocol);
    },
  };
  try {
    const module = { exports: {} as Record<string, unknown> };
    new Function("module", "exports", source)(module, module.exports);
    return offered.map((Protocol) =>
      Protocol === module.exports.Protocol ? "Protocol" : Protocol,
    );
  } finally {
    registry[key] = saved;
  }
}

describe("recogniseBundle: the class is found and handed over as it is defined", () => {
  it.each([
    ["a class declaration", `class Protocol { ${PROTOCOL_BODY} }\nexports.Protocol = Protocol;`],
    ["an anonymous class expression", `var P = class { ${PROTOCOL_BODY} };\nexports.Protocol = P;`],
    [
      "minified, after other classes and a 'class' in a string and a comment",
      `var s="a class {";/* class X { */class A{m(){}}var Q=class extends A{x(){return "class"}};` +
        `var z=class{constructor(){this._requestHandlers=new Map}async _onrequest(t,e){}_onresponse(t){}request(){}};exports.Protocol=z;`,
    ],
    [
      "a class expression inside a minified chain of declarations",
      `var a=1,z=class{${PROTOCOL_BODY}},y=z.name,w=class{m(){}};exports.Protocol=z;`,
    ],
    [
      "a class with private fields and static members",
      `class Protocol { #x = 1; static y = 2; ${PROTOCOL_BODY} }\nexports.Protocol = Protocol;`,
    ],
  ])("%s", (_title, source) => {
    const found = recogniseBundle(source, URL, false);
    expect(found?.source).toBeDefined();
    expect(handedOver(found!.source!)).toEqual(["Protocol"]);
  });

  it("two copies in one bundle: both handed over", () => {
    const source = `class A { ${PROTOCOL_BODY} }\nclass B { ${PROTOCOL_BODY} }\nexports.Protocol = B;`;
    const found = recogniseBundle(source, URL, false);
    expect(found).toMatchObject({ classes: 2 });
    expect(handedOver(found!.source!)).toHaveLength(2);
  });

  it("a subclass overriding _onrequest is not taken for the SDK's class", () => {
    const source =
      `class Protocol { ${PROTOCOL_BODY} }\n` +
      "class Mine extends Protocol { _onrequest(r, e) { return super._onrequest(r, e); } }\n" +
      "exports.Protocol = Protocol;";
    const found = recogniseBundle(source, URL, false);
    expect(found).toMatchObject({ classes: 1 });
    expect(handedOver(found!.source!)).toEqual(["Protocol"]);
  });

  it("ESM: import.meta inside the class still parses", () => {
    const source = `export class Protocol { ${PROTOCOL_BODY} where() { return import.meta.url; } }`;
    expect(recogniseBundle(source, URL, true)?.source).toContain("static{try{");
  });
});

describe("recogniseBundle leaves the source untouched", () => {
  it.each([
    ["only calls, no definition", "this._onrequest(a, b); x._onresponse(c); y._requestHandlers;"],
    [
      "our own wrappers (function declarations)",
      "function _onrequest(request, extra) {} this._onresponse; this._requestHandlers;",
    ],
  ])("silently: %s", (_title, source) => {
    expect(recogniseBundle(source, URL, false)).toBeUndefined();
  });

  it.each([
    [
      "ES5 prototype assignments",
      "function P(){this._requestHandlers=new Map()} P.prototype._onrequest = function (r, e) {}; P.prototype._onresponse = function () {};",
      /assigned as a function/,
    ],
    [
      "an object literal's methods",
      "const p = { _onrequest(r, e) {}, _onresponse() {}, _requestHandlers: new Map() };",
      /no class found/,
    ],
    [
      "a class without _onresponse",
      "class P { constructor(){this._requestHandlers=1} _onrequest(r, e) {} } x._onresponse;",
      /no _onresponse/,
    ],
    [
      "a method object inside a class's method",
      "class P { m() { return { _onrequest(r, e) {} }; } _onresponse() {} } x._requestHandlers;",
      /does not define it as a method/,
    ],
    [
      "a class that does not parse",
      "class P { _onrequest(r, e) { return ( } _onresponse() {} } x._requestHandlers;",
      /no class found/,
    ],
  ])("with a reason: %s", (_title, source, reason) => {
    const found = recogniseBundle(source, URL, false);
    expect(found?.source).toBeUndefined();
    expect((found as { reason: string }).reason).toMatch(reason);
  });
});

describe("mayHoldProtocol: the cheap test", () => {
  const all = "_onrequest _onresponse _requestHandlers";
  it("passes text or bytes with every name", () => {
    expect(mayHoldProtocol(all)).toBe(true);
    expect(mayHoldProtocol(Buffer.from(all))).toBe(true);
    expect(mayHoldProtocol(new TextEncoder().encode(`x ${all}`))).toBe(true);
    expect(mayHoldProtocol(new TextEncoder().encode(all).buffer)).toBe(true);
  });
  it("fails anything missing one name, and what is not source", () => {
    expect(mayHoldProtocol("_onrequest _onresponse")).toBe(false);
    expect(mayHoldProtocol(Buffer.from("_onresponse _requestHandlers"))).toBe(false);
    expect(mayHoldProtocol(undefined)).toBe(false);
    expect(mayHoldProtocol(42)).toBe(false);
  });
});
