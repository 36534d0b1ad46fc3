/* Runs the files of examples/ as a user would: `node examples/x.ts` (type stripping). */
import { type ChildProcess, spawn } from "node:child_process";
import { cleanEnv, ROOT, until } from "./child.js";

export interface Running {
  child: ChildProcess;
  out: { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function runNode(args: string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: cleanEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out = { stdout: "", stderr: "" };
  child.stdout?.on("data", (c: Buffer) => {
    out.stdout += c.toString("utf8");
  });
  child.stderr?.on("data", (c: Buffer) => {
    out.stderr += c.toString("utf8");
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, out, exited };
}

/** Starts an HTTP example and waits for the URL it prints. */
export async function startHttpExample(args: string[], env: Record<string, string>) {
  const running = runNode(args, { PORT: "0", ...env });
  let url = "";
  await until(
    () => {
      url = /listening on (\S+)/.exec(running.out.stdout)?.[1] ?? "";
      return url !== "" || running.child.exitCode !== null;
    },
    `${args.join(" ")} to listen`,
  );
  if (!url) throw new Error(`example exited early:\n${running.out.stderr}`);
  return { ...running, url };
}

/** Runs examples/client.ts to the end; fails with its stderr when it does not exit 0. */
export async function runClient(args: string[], env: Record<string, string> = {}) {
  const running = runNode(["examples/client.ts", ...args], env);
  const { code } = await running.exited;
  if (code !== 0) throw new Error(`client exited ${code}:\n${running.out.stderr}`);
  return running.out.stdout;
}
