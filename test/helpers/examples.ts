/* Runs the files of examples/ as a user would: `node examples/x.ts` (type stripping). */
import { startNode, until } from "./child.js";

/** Starts an HTTP example and waits for the URL it prints. */
export async function startHttpExample(args: string[], env: Record<string, string>) {
  const running = startNode(args, { PORT: "0", ...env });
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
  const running = startNode(["examples/client.ts", ...args], env);
  const { code } = await running.exited;
  if (code !== 0) throw new Error(`client exited ${code}:\n${running.out.stderr}`);
  return running.out.stdout;
}
