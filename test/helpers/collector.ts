import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { TestCollector } from "@opentelemetry/contrib-test-utils";

/** An OTLP span as TestCollector decodes it from OTLP/JSON. */
export type CollectedSpan = TestCollector["spans"][number];

/**
 * contrib-test-utils' OTLP/HTTP JSON receiver, bound to 127.0.0.1 (its own `start()` listens
 * on every interface).
 */
export class LoopbackCollector extends TestCollector {
  override async start(): Promise<void> {
    const http = (this as unknown as { _http: Server })._http;
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    this.endpointUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  }
}

/** A span attribute's value, from OTLP/JSON's typed `{ key, value: { stringValue } }` list. */
export function attributeOf(span: CollectedSpan, key: string): unknown {
  const found = span.attributes.find((attribute) => attribute.key === key);
  if (!found) return undefined;
  const value = found.value as Record<string, unknown>;
  return value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue;
}
