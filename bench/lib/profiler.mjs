// CPU profile of exactly the measured phase (for `bench/profile.mjs`), through the inspector.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";

export async function startProfiler(intervalUs = 50) {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: intervalUs });
  await session.post("Profiler.start");
  return {
    /** Writes `<file>.cpuprofile` with the number of calls it covers in `<file>.json`. */
    async stop(file, calls) {
      const { profile } = await session.post("Profiler.stop");
      session.disconnect();
      writeFileSync(`${file}.cpuprofile`, JSON.stringify(profile));
      writeFileSync(`${file}.json`, JSON.stringify({ calls }));
    },
  };
}
