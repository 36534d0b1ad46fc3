import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * An HTTP stand-in for something remote (an OTLP collector, the MCPCat API), on 127.0.0.1 on a
 * free port: subclasses answer requests in `handle`.
 */
export abstract class LoopbackServer {
  private server: http.Server | undefined;

  protected abstract handle(req: http.IncomingMessage, res: http.ServerResponse): void;

  /** Starts listening on 127.0.0.1 on a free port. */
  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return this;
  }

  /** Its base URL (`http://127.0.0.1:<port>`). */
  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Drops every connection and stops listening. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
