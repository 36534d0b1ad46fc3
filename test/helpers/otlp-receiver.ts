/*
 * A loopback OTLP/HTTP receiver: POST /v1/traces in the standard JSON or protobuf encoding
 * (gzip or not), decoded into plain spans; /v1/metrics in JSON kept as decoded (protobuf only
 * counted), /v1/logs counted; all accepted.
 * The tests' one OTLP receiver. otlp-transformer 0.301 has no request decoder, so protobuf
 * goes through protobufjs with the schema in otlp-trace-proto.ts.
 */
import type http from "node:http";
import { gunzipSync } from "node:zlib";
import protobuf from "protobufjs";
import { LoopbackServer } from "./loopback-server.js";
import { OTLP_TRACE_PROTO } from "./otlp-trace-proto.js";

export interface ReceivedSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Record<string, unknown>;
  status: { code: number; message?: string };
  resource: Record<string, unknown>;
  scope: string;
  /** How the request that carried it was encoded. */
  encoding: "json" | "protobuf";
}

const requestType = protobuf
  .parse(OTLP_TRACE_PROTO, { keepCase: false })
  .root.lookupType("otlp.ExportTraceServiceRequest");

/**
 * The environment of a child process whose `NodeSDK` sends its traces, and only its traces, to
 * `receiver` as OTLP/JSON, in batches every 50 ms.
 */
export function otlpJsonTracesTo(receiver: OtlpReceiver): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_TRACES_EXPORTER: "otlp",
    OTEL_METRICS_EXPORTER: "none",
    OTEL_LOGS_EXPORTER: "none",
    OTEL_BSP_SCHEDULE_DELAY: "50",
  };
}

export class OtlpReceiver extends LoopbackServer {
  readonly spans: ReceivedSpan[] = [];
  /** Every request: path, content type, and whether it decoded. */
  readonly requests: { path: string; contentType: string; ok: boolean }[] = [];
  /** Requests that could not be decoded; a test expects none. */
  readonly errors: string[] = [];
  /** Bodies of `/v1/metrics` requests sent as JSON (`OTEL_EXPORTER_OTLP_METRICS_PROTOCOL=http/json`). */
  readonly metricRequests: unknown[] = [];

  /** The spans by start time; of two that start in the same instant, a parent comes first. */
  get sortedSpans(): ReceivedSpan[] {
    return this.spans.slice().sort((a, b) => {
      const byStart = BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano);
      if (byStart !== 0n) return byStart < 0n ? -1 : 1;
      if (a.spanId === b.parentSpanId) return -1;
      if (b.spanId === a.parentSpanId) return 1;
      return 0;
    });
  }

  protected handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "";
      const contentType = String(req.headers["content-type"] ?? "");
      const isProtobuf = contentType.startsWith("application/x-protobuf");
      let ok = true;
      try {
        let body = Buffer.concat(chunks);
        if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
        if (req.method !== "POST") throw new Error(`${req.method} ${path}`);
        if (path === "/v1/traces") {
          if (isProtobuf) this.ingest(decodeProtobuf(body), "protobuf");
          else if (contentType.startsWith("application/json")) {
            this.ingest(JSON.parse(body.toString("utf8")), "json");
          } else throw new Error(`content-type ${contentType}`);
        } else if (path === "/v1/metrics" && contentType.startsWith("application/json")) {
          this.metricRequests.push(JSON.parse(body.toString("utf8")));
        } else if (path !== "/v1/metrics" && path !== "/v1/logs") {
          throw new Error(`unexpected path ${path}`);
        }
      } catch (error) {
        ok = false;
        this.errors.push(String(error));
      }
      this.requests.push({ path, contentType, ok });
      if (!ok) {
        res.writeHead(400).end();
        return;
      }
      // An empty body is a valid (empty) Export*ServiceResponse in both encodings.
      if (isProtobuf) res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
      else res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  }

  private ingest(request: OtlpRequest, encoding: ReceivedSpan["encoding"]): void {
    for (const rs of request.resourceSpans ?? []) {
      const resource = attributesOf(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? []) {
        for (const span of ss.spans ?? []) {
          this.spans.push({
            name: span.name,
            kind: Number(span.kind ?? 0),
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId || undefined,
            startTimeUnixNano: String(span.startTimeUnixNano),
            endTimeUnixNano: String(span.endTimeUnixNano),
            attributes: attributesOf(span.attributes),
            status: { code: Number(span.status?.code ?? 0), message: span.status?.message },
            resource,
            scope: ss.scope?.name ?? "",
            encoding,
          });
        }
      }
    }
  }
}

/** The OTLP JSON shape (camelCase, ids as hex), which protobuf requests are brought to. */
interface OtlpRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: {
      scope?: { name?: string };
      spans?: {
        name: string;
        kind?: number;
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        startTimeUnixNano: string | number;
        endTimeUnixNano: string | number;
        attributes?: KeyValue[];
        status?: { code?: number; message?: string };
      }[];
    }[];
  }[];
}
interface KeyValue {
  key: string;
  value?: AnyValue;
}
interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
  bytesValue?: string;
}

function decodeProtobuf(body: Buffer): OtlpRequest {
  const message = requestType.decode(body);
  const object = requestType.toObject(message, { longs: String, enums: Number, bytes: Array });
  return hexIds(object) as OtlpRequest;
}

/** protobufjs gives `bytes` fields as byte arrays; OTLP JSON has the ids as hex strings. */
function hexIds(value: unknown, key = ""): unknown {
  if (Array.isArray(value)) {
    if (key.endsWith("Id")) return Buffer.from(value as number[]).toString("hex");
    return value.map((v) => hexIds(v));
  }
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hexIds(v, k)]));
  }
  return value;
}

function attributesOf(list: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, anyValue(kv.value)]));
}

function anyValue(value: AnyValue | undefined): unknown {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(anyValue);
  if (value.kvlistValue) return attributesOf(value.kvlistValue.values);
  return value.bytesValue;
}
