import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { ROOT } from "./helpers/child.js";

// docs/architecture.md lists every source file so that a reader goes down the list and never
// back up: each file imports only files listed below it (entry points: below it, or in the
// main list). This keeps that true.
const doc = readFileSync(path.join(ROOT, "docs/architecture.md"), "utf8");
const [main = "", entries = ""] = doc.split("## Entry points");

/** `src/...ts` paths in backticks, in the order they first appear. */
function listed(text: string): string[] {
  return [...new Set([...text.matchAll(/`(src\/[\w/.-]+\.ts)`/g)].map((m) => m[1]!))];
}

/** The `src/` files a source file imports (relative specifiers, `.js` for `.ts`). */
function importsOf(file: string): string[] {
  const source = readFileSync(path.join(ROOT, file), "utf8");
  return [...source.matchAll(/(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/gs)].map((m) =>
    path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1]!.replace(/\.js$/, ".ts"))),
  );
}

function sourceFiles(dir = "src"): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(`${dir}/${entry.name}`)
      : entry.name.endsWith(".ts")
        ? [`${dir}/${entry.name}`]
        : [],
  );
}

const mainList = listed(main);
const entryList = listed(entries);

it("lists every file of src/, once", () => {
  expect([...mainList, ...entryList].sort()).toEqual(sourceFiles().sort());
  expect(mainList.filter((file) => entryList.includes(file))).toEqual([]);
});

it("orders the main list so that every import points down", () => {
  const upward: string[] = [];
  mainList.forEach((file, at) => {
    for (const dependency of importsOf(file)) {
      if (mainList.indexOf(dependency) <= at) upward.push(`${file} -> ${dependency}`);
    }
  });
  expect(upward).toEqual([]);
});

it("has entry points import only the main list and the entries below them", () => {
  const upward: string[] = [];
  entryList.forEach((file, at) => {
    for (const dependency of importsOf(file)) {
      if (!mainList.includes(dependency) && entryList.indexOf(dependency) <= at)
        upward.push(`${file} -> ${dependency}`);
    }
  });
  expect(upward).toEqual([]);
});
