import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ENV } from "../src/env.js";
import * as semconv from "../src/semconv.js";
import { PACKAGE_NAME, PACKAGE_VERSION } from "../src/version.js";

// The README's tables are documentation users rely on: these checks keep them from drifting.
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

/** Backticked names in the first column of the table that follows `marker`. */
function firstColumnNames(marker: string): string[] {
  const start = readme.indexOf(marker);
  expect(start, `README has ${marker}`).toBeGreaterThan(-1);
  const names: string[] = [];
  for (const line of readme.slice(start).split("\n").slice(1)) {
    if (!line.startsWith("|")) {
      if (names.length > 0) break;
      continue;
    }
    const cell = line.split("|")[1] ?? "";
    for (const match of cell.matchAll(/`([^`]+)`/g)) names.push(match[1]!);
  }
  return names;
}

describe("README", () => {
  it("the attribute table lists exactly the attributes of src/semconv.ts", () => {
    const documented = new Set(firstColumnNames("<!-- attribute-table"));
    const emitted = new Set(
      Object.entries(semconv)
        .filter(([name]) => name.startsWith("ATTR_"))
        // A prefix stands for a family of attributes: documented as `<prefix><key>`.
        .map(([name, value]) => (name.endsWith("_PREFIX") ? `${value}<key>` : String(value))),
    );
    expect([...documented].sort()).toEqual([...emitted].sort());
  });

  it("the environment table lists every variable the package reads", () => {
    const documented = firstColumnNames("### Environment variables");
    expect(documented.sort()).toEqual(Object.values(ENV).sort());
  });

  it("names the two commands at the top and the package's real name and version", () => {
    const top = readme.slice(0, 1200);
    expect(top).toContain("npm run demo");
    expect(top).toContain("npm test");
    expect(PACKAGE_NAME).toBe(pkg.name);
    expect(PACKAGE_VERSION).toBe(pkg.version);
  });
});
