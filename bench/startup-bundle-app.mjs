// What `bench/startup.mjs --bundle=<file>` starts: a process that imports one bundle (an app
// with the MCP SDK inlined; see docs/reach.md, "Bundled copies"), then reports its CPU time.
await import(process.env.STARTUP_BUNDLE);
process.on("exit", () => process.stdout.write(`\n${JSON.stringify(process.cpuUsage())}\n`));
