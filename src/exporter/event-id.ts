/*
 * The id of an event: "evt_" + a KSUID made from the span, like the ids MCPCat's SDKs make.
 */
import { hash } from "node:crypto";

const KSUID_EPOCH_MS = 1_400_000_000_000;
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE62_CUBED = 62 * 62 * 62;

/**
 * `evt_` + 27 base62 characters: a KSUID whose 4-byte timestamp is the span's start (so ids
 * sort by time, as MCPCat's do) and whose 16-byte payload is the first half of
 * SHA-256(traceId + spanId). Deterministic: the same span always has the same id.
 */
export function eventId(traceId: string, spanId: string, startMs: number): string {
  const seconds = Math.floor((startMs - KSUID_EPOCH_MS) / 1000);
  // Hex, then parsed: cheaper than asking for a Buffer (an allocation per event).
  const digest = hash("sha256", traceId + spanId, "hex");
  const words = [
    Math.min(Math.max(seconds, 0), 0xffffffff),
    Number.parseInt(digest.slice(0, 8), 16),
    Number.parseInt(digest.slice(8, 16), 16),
    Number.parseInt(digest.slice(16, 24), 16),
    Number.parseInt(digest.slice(24, 32), 16),
  ];
  // Long division of the 160-bit number by 62^3, one 32-bit word at a time (exact in doubles:
  // rem * 2^32 + word < 2^50), three base62 digits a pass; words already 0 are skipped.
  let out = "";
  let first = 0;
  for (let pass = 0; pass < 9; pass++) {
    let rem = 0;
    for (let i = first; i < 5; i++) {
      const cur = rem * 0x1_0000_0000 + (words[i] as number);
      const q = Math.floor(cur / BASE62_CUBED);
      words[i] = q;
      rem = cur - q * BASE62_CUBED;
    }
    while (first < 5 && words[first] === 0) first++;
    const high = Math.floor(rem / 3844);
    const low = rem - high * 3844;
    const mid = Math.floor(low / 62);
    out = BASE62[high]! + BASE62[mid]! + BASE62[low - mid * 62]! + out;
  }
  return `evt_${out}`;
}
