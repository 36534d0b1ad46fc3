/*
 * Finds the MCP SDK's `Protocol` class inside a bundle (a server's own `dist` file that inlines
 * the SDK), where no file under `@modelcontextprotocol/` is ever loaded. Class and variable names
 * may be minified away, but method and property names survive bundling: the class is the one
 * whose body defines the methods `_onrequest` and `_onresponse` and uses `_requestHandlers`.
 *
 * Pure: source in, rewritten source or a reason out. The rewrite inserts one static
 * initialisation block right after the class body's opening brace, which hands the class to the
 * loader hook's slot as it is defined (its prototype methods already exist then). The class is
 * located by a real parser (acorn, loaded only for modules that pass the cheap test), on the
 * class alone, so a multi-megabyte bundle is never parsed whole (acorn's cost is its first,
 * unoptimised run: one parse per class, no more); on any doubt, nothing changes.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { HOOK_SLOT_KEY } from "./hook-slot.js";

/** The loader hook's target id under which bundled `Protocol` classes are handed over. */
export const BUNDLED_PROTOCOL_TARGET = "bundled-protocol";

/** Every name a bundled `Protocol` must contain; the first is the rarest, tested first. */
const MARKERS = ["_onresponse", "_onrequest", "_requestHandlers"] as const;
/** `_onrequest(` not after `.` or a name character (a call `this._onrequest(` is not a definition). */
const DEFINITION = /(?<![\w$.])(?:async\s+)?_onrequest\s*\(/g;
/** `x._onrequest = function`, `_onrequest: function`: a Protocol not written as a class. */
const ASSIGNED = /(?<![\w$])_onrequest\s*[:=]\s*(?:async\s+)?(?:function\b|\([^)]*\)\s*=>)/;
/** How far back from `_onrequest` the class keyword is looked for, and how many tries. */
const MAX_LOOKBACK = 2_000_000;
const MAX_TRIES = 200;

/** Cheap first test, on the module's bytes or text: only modules that pass it pay more. */
export function mayHoldProtocol(source: unknown): boolean {
  let text: string | Buffer;
  if (typeof source === "string") text = source;
  else if (ArrayBuffer.isView(source))
    text = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  else if (source instanceof ArrayBuffer) text = Buffer.from(source);
  else return false;
  return MARKERS.every((marker) => text.includes(marker));
}

/**
 * What to do with a module that passed {@link mayHoldProtocol}: `source` rewritten to hand each
 * `Protocol` class over; `reason` when it seems to define one that could not be located safely
 * (the module is then left untouched); `undefined` when it only mentions the names.
 */
export type Recognition =
  | { source: string; classes: number }
  | { reason: string; source?: undefined }
  | undefined;

interface ClassNode {
  type: string;
  superClass?: unknown;
  start: number;
  end: number;
  body: { start: number; end: number; body: Member[] };
}
interface Member {
  type: string;
  kind?: string;
  static?: boolean;
  computed?: boolean;
  key?: { type: string; name?: string; start: number };
}
/** acorn's `Parser`: `parseClass` reads exactly one class (what acorn's own plugins build on). */
interface AcornParser {
  type: { keyword?: string };
  nextToken(): void;
  startNode(): object;
  parseClass(node: object, isStatement: boolean): ClassNode;
}
type ParserClass = new (options: object, input: string, startPos: number) => AcornParser;
type ParseAt = (input: string, options: object) => ClassNode;

export function recogniseBundle(source: string, url: string, esm: boolean): Recognition {
  const definitions = [...source.matchAll(DEFINITION)]
    .map((match) => match.index + match[0].lastIndexOf("_onrequest"))
    .filter((at) => !/\bfunction\s*\*?\s*$/.test(source.slice(Math.max(0, at - 12), at)));
  if (definitions.length === 0) {
    // The names, but no class defining them: an SDK built another way (ES5 prototype
    // assignments, say) is still a copy that serves MCP untraced, so it is told about.
    return ASSIGNED.test(source)
      ? { reason: "_onrequest is assigned as a function, not defined in a class" }
      : undefined;
  }
  let parseAt: ParseAt;
  try {
    parseAt = loadParser();
  } catch {
    return { reason: "the acorn parser could not be loaded" };
  }
  const braces = new Set<number>(); // each class body's opening brace
  const doubts: string[] = [];
  for (const at of definitions) {
    const found = enclosingClass(source, at, parseAt, esm);
    if (typeof found === "string") doubts.push(found);
    else if (found) braces.add(found.body.start);
  }
  if (braces.size === 0) return doubts.length > 0 ? { reason: doubts[0]! } : undefined;
  const offer =
    `static{try{globalThis[Symbol.for(${JSON.stringify(HOOK_SLOT_KEY)})]?.loaded(` +
    `${JSON.stringify(BUNDLED_PROTOCOL_TARGET)},{Protocol:this},${JSON.stringify(url)})}catch{}}`;
  let out = source;
  // From the last class to the first, so that each position found is still right.
  for (const brace of [...braces].sort((a, b) => b - a)) {
    if (out[brace] !== "{") return { reason: "the class body does not start where parsed" };
    // acorn found this brace opening the class body: a static block is valid right after it.
    out = `${out.slice(0, brace + 1)}${offer}${out.slice(brace + 1)}`;
  }
  return { source: out, classes: braces.size };
}

/**
 * The class whose body defines `_onrequest` at `at`, found by parsing from each `class` keyword
 * before it (nearest first) until one encloses it. A class that encloses it without defining it
 * directly, or none at all (an object literal's method, say), is a doubt (a string); a subclass
 * that overrides `_onrequest` is `undefined` (not the SDK's class, nothing to say).
 */
function enclosingClass(
  source: string,
  at: number,
  parseAt: ParseAt,
  esm: boolean,
): ClassNode | string | undefined {
  const floor = Math.max(0, at - MAX_LOOKBACK);
  let from = at;
  for (let tries = 0; tries < MAX_TRIES; tries++) {
    const keyword = source.lastIndexOf("class", from - 1);
    if (keyword < floor) return "no class found around the _onrequest definition";
    from = keyword;
    if (/[\w$]/.test(source[keyword - 1] ?? "") || /[\w$]/.test(source[keyword + 5] ?? ""))
      continue;
    let node: ClassNode;
    try {
      node = classAt(parseAt, source, keyword, esm);
    } catch {
      continue; // a "class" in a comment or string, or not the start of a class
    }
    if (node.type !== "ClassExpression" || node.body.start >= at || node.body.end <= at) continue;
    const members = node.body.body;
    const method = (name: string) =>
      members.find(
        (m) =>
          m.type === "MethodDefinition" &&
          m.kind === "method" &&
          !m.static &&
          !m.computed &&
          m.key?.type === "Identifier" &&
          m.key.name === name,
      );
    if (method("_onrequest")?.key?.start !== at) {
      return "an _onrequest definition inside a class that does not define it as a method";
    }
    // A subclass that overrides `_onrequest` (the app's own, say) is not the SDK's base class.
    if (!method("_onresponse"))
      return node.superClass ? undefined : "a class with _onrequest but no _onresponse method";
    if (!source.slice(node.start, node.end).includes("_requestHandlers"))
      return "a class with _onrequest but no _requestHandlers";
    return node;
  }
  return "no class found around _onrequest within the lookback limit";
}

/**
 * The class that starts at `keyword`, and nothing after it (an expression parser would read on
 * through `class{…},x=…` in minified code). Parsed from a slice that starts there: acorn counts
 * lines from the start of its input, which from the top of a multi-megabyte bundle costs
 * milliseconds per try. Positions in the node are made absolute again.
 */
function classAt(parseAt: ParseAt, source: string, keyword: number, esm: boolean): ClassNode {
  const node = parseAt(source.slice(keyword), {
    ecmaVersion: "latest",
    sourceType: esm ? "module" : "script",
  });
  node.start += keyword;
  node.end += keyword;
  if (node.body) {
    node.body.start += keyword;
    node.body.end += keyword;
    for (const member of node.body.body) if (member.key) member.key.start += keyword;
  }
  return node;
}

let parser: ParseAt | undefined;
/** acorn, required lazily: modules that fail the cheap test never load it. */
function loadParser(): ParseAt {
  if (parser) return parser;
  const self = typeof __filename === "string" ? __filename : fileURLToPath(import.meta.url);
  const { Parser } = createRequire(self)("acorn") as { Parser: ParserClass };
  parser = (input, options) => {
    const reader = new Parser(options, input, 0);
    reader.nextToken();
    if (reader.type.keyword !== "class") throw new SyntaxError("not a class");
    return reader.parseClass(reader.startNode(), false);
  };
  return parser;
}
