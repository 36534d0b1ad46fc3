// Memory: heap after GC at every checkpoint of a long run of sequential in-memory calls.
import { CONFIGS } from "./configs.mjs";
import { runCalls } from "./load.mjs";
import { connectInMemory } from "./mcp.mjs";

async function heapAfterGc() {
  const gc = globalThis.gc;
  if (!gc) throw new Error("run with --expose-gc");
  // Two full collections with a turn between them, so that finalizers and weak refs settle.
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  return process.memoryUsage().heapUsed;
}

/** job: { config, calls, every, warmupCalls } */
export async function runMemoryJob(job) {
  const setup = await CONFIGS[job.config].setup(job);
  const conn = await connectInMemory(setup.hooks);
  const call = () => conn.call();
  await runCalls(call, job.warmupCalls ?? 5000);
  await setup.count();
  const checkpoints = [{ calls: 0, heapUsed: await heapAfterGc() }];
  const t0 = performance.now();
  for (let done = 0; done < job.calls; ) {
    const n = Math.min(job.every, job.calls - done);
    await runCalls(call, n);
    done += n;
    const produced = await setup.count();
    checkpoints.push({ calls: done, heapUsed: await heapAfterGc(), produced });
  }
  const elapsedMs = performance.now() - t0;
  await conn.close();
  await setup.shutdown().catch(() => {});
  return { config: job.config, checkpoints, elapsedMs, unit: setup.unit };
}
