// A horizontal bar chart, as a hand-written SVG: added microseconds per call, one group per
// configuration, one bar per in-memory scenario. Broken configurations are labelled, not drawn.
import { CONFIGS } from "./configs.mjs";
import { scenarioKey, scenarioLabel } from "./modes.mjs";

const COLORS = ["#3b6fb6", "#9cc0ea"];
const esc = (s) =>
  String(s).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

function niceMax(x) {
  if (!(x > 0)) return 10;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

/** res: aggregated results; returns SVG text. */
export function chartSvg(res) {
  const scenarios = res.scenarios.filter((s) => s.transport === "memory");
  const configs = res.configs.filter((c) => c !== "none");
  const rowsOf = (c) => scenarios.map((s) => res.server[scenarioKey(s)]?.[c]);
  const valuesOf = (list) =>
    list.flatMap((c) =>
      rowsOf(c)
        .filter((r) => r && r.status !== "broken" && Number.isFinite(r.addedCpu))
        .map((r) => r.addedCpu),
    );
  // The scale fits our configurations with room to spare; slower peers run off the scale,
  // labelled with their value, rather than squash everything else into a few pixels.
  const own = valuesOf(configs.filter((c) => CONFIGS[c].kind === "ours"));
  const all = valuesOf(configs);
  const max = niceMax(Math.min(Math.max(1, ...all), Math.max(1, ...own) * 4));
  const left = 270;
  const width = 860;
  const plotW = width - left - 90;
  const barH = 13;
  const groupH = scenarios.length * barH + 12;
  const top = 64;
  const height = top + configs.length * groupH + 40;
  const x = (v) => left + (Math.max(0, v) / max) * plotW;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${left}" y="20" font-size="15" font-weight="600">Added CPU microseconds per MCP tools/call (lower is better)</text>`,
    `<text x="${left}" y="38" fill="#555">${esc(`${res.meta.date}, Node ${res.meta.node}, ${res.meta.cpus}; medians of ${res.meta.rounds} rounds vs. the uninstrumented server`)}</text>`,
  ];
  scenarios.forEach((s, i) => {
    const lx = left + i * 230;
    out.push(
      `<rect x="${lx}" y="46" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/>`,
      `<text x="${lx + 14}" y="55">${esc(scenarioLabel(s))}</text>`,
    );
  });
  const ticks = 5;
  for (let t = 0; t <= ticks; t++) {
    const v = (max / ticks) * t;
    const tx = x(v);
    out.push(
      `<line x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${height - 30}" stroke="#e3e3e3"/>`,
      `<text x="${tx}" y="${height - 16}" text-anchor="middle" fill="#555">${Number(v.toFixed(1))} µs</text>`,
    );
  }
  const bare = res.server[scenarioKey(scenarios[0])]?.["bare-span"];
  if (bare && Number.isFinite(bare.addedCpu)) {
    const bx = x(bare.addedCpu);
    out.push(
      `<line x1="${bx}" y1="${top - 4}" x2="${bx}" y2="${height - 30}" stroke="#c0392b" stroke-dasharray="4 3"/>`,
    );
  }
  configs.forEach((c, gi) => {
    const gy = top + gi * groupH;
    out.push(
      `<text x="${left - 8}" y="${gy + (scenarios.length * barH) / 2 + 4}" text-anchor="end">${esc(CONFIGS[c].label)}</text>`,
    );
    rowsOf(c).forEach((r, i) => {
      const y = gy + i * barH;
      if (!r || r.status === "broken" || r.status === "failed" || r.status === "missing") {
        const why =
          !r || r.status === "missing"
            ? "not measured"
            : r.status === "broken"
              ? `broken: no ${r.unit}`
              : "failed";
        out.push(`<text x="${left + 4}" y="${y + barH - 3}" fill="#c0392b">${esc(why)}</text>`);
        return;
      }
      const off = r.addedCpu > max;
      const w = Math.max(1, x(Math.min(r.addedCpu, max)) - left);
      const label = `${r.addedCpu >= 0 ? "+" : ""}${r.addedCpu.toFixed(1)}${off ? " ▸" : ""}${r.status === "lossy" ? " (lossy)" : ""}`;
      out.push(
        `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH - 2}" fill="${COLORS[i % COLORS.length]}"/>`,
        `<text x="${left + w + 4}" y="${y + barH - 3}" fill="#222">${esc(label)}</text>`,
      );
    });
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
