/*
 * The MCP metrics of the conventions: four histograms in seconds, with the conventions'
 * low-cardinality attributes only. Session and request ids, users, resource URIs and content
 * never reach a metric: attributes are copied from a request span's start attributes through an
 * allow-list, so whatever a span carries, a metric point cannot carry more than this list.
 */
import {
  type Attributes,
  createNoopMeter,
  type Histogram,
  type Meter,
  SpanKind,
  ValueType,
} from "@opentelemetry/api";
import { log } from "./log.js";
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_NETWORK_TRANSPORT,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  MCP_DURATION_BUCKETS,
  METRIC_MCP_CLIENT_OPERATION_DURATION,
  METRIC_MCP_CLIENT_SESSION_DURATION,
  METRIC_MCP_SERVER_OPERATION_DURATION,
  METRIC_MCP_SERVER_SESSION_DURATION,
} from "./semconv.js";

/** What a histogram is when no MeterProvider is registered: the API's shared no-op. */
const NOOP_HISTOGRAM = createNoopMeter().createHistogram("noop");

/** Span attributes an operation measurement may carry (the conventions' list for the metric). */
const OPERATION_KEYS = [
  ATTR_MCP_METHOD_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_NETWORK_TRANSPORT,
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
] as const;

/**
 * The request methods of the MCP specification (2025-11-25 and 2026-07-28). On the SERVER
 * side the caller chooses the method, so any other is `_OTHER` on the metric, as the HTTP
 * conventions do for methods: one client must not be able to mint metric series at will. The
 * span keeps the method (bounded).
 */
const MCP_REQUEST_METHODS: ReadonlySet<string> = new Set([
  "initialize",
  "ping",
  "tools/list",
  "tools/call",
  "resources/list",
  "resources/templates/list",
  "resources/read",
  "resources/subscribe",
  "resources/unsubscribe",
  "prompts/list",
  "prompts/get",
  "completion/complete",
  "logging/setLevel",
  "sampling/createMessage",
  "elicitation/create",
  "roots/list",
  "tasks/get",
  "tasks/result",
  "tasks/list",
  "tasks/cancel",
  "server/discover",
  "subscriptions/listen",
]);
const OTHER_METHOD = "_OTHER";

/** How a request ended, as far as its measurement cares. */
export interface Outcome {
  errorType: string | undefined;
  statusCode: string | undefined;
}

/** What a session measurement may carry. */
export interface SessionAttributes {
  protocolVersion: string | undefined;
  networkTransport: string | undefined;
  isHttp: boolean;
  serverAddress?: string;
  serverPort?: number;
}

/**
 * The four histograms, made from one `Meter`. A histogram left as the API's no-op (no
 * MeterProvider registered) is kept as `undefined`, so that an app without metrics pays
 * nothing: not even the attribute copy.
 */
export class McpMetrics {
  private readonly serverOperation: Histogram | undefined;
  private readonly clientOperation: Histogram | undefined;
  private readonly serverSession: Histogram | undefined;
  private readonly clientSession: Histogram | undefined;

  constructor(meter: Meter) {
    const make = (name: string, description: string): Histogram | undefined => {
      const histogram = meter.createHistogram(name, {
        description,
        unit: "s",
        valueType: ValueType.DOUBLE,
        advice: { explicitBucketBoundaries: [...MCP_DURATION_BUCKETS] },
      });
      return histogram === NOOP_HISTOGRAM ? undefined : histogram;
    };
    this.serverOperation = make(
      METRIC_MCP_SERVER_OPERATION_DURATION,
      "Duration of an MCP request as the server handles it, from its arrival to its response.",
    );
    this.clientOperation = make(
      METRIC_MCP_CLIENT_OPERATION_DURATION,
      "Duration of an MCP request as the client sees it, from its sending to its response.",
    );
    this.serverSession = make(
      METRIC_MCP_SERVER_SESSION_DURATION,
      "Duration of a stateful MCP session on the server, from its first request to its close.",
    );
    this.clientSession = make(
      METRIC_MCP_CLIENT_SESSION_DURATION,
      "Duration of a stateful MCP session on the client, from its first request to its close.",
    );
  }

  /** Whether any operation histogram records: callers skip the bookkeeping otherwise. */
  get measuresOperations(): boolean {
    return this.serverOperation !== undefined || this.clientOperation !== undefined;
  }

  /** One request's duration, with the allowed subset of its span's start attributes. */
  recordOperation(
    kind: SpanKind,
    spanAttributes: Attributes,
    outcome: Outcome,
    seconds: number,
  ): void {
    const histogram = kind === SpanKind.CLIENT ? this.clientOperation : this.serverOperation;
    if (histogram === undefined) return;
    const attributes: Attributes = {};
    for (const key of OPERATION_KEYS) {
      const value = spanAttributes[key];
      if (value !== undefined) attributes[key] = value;
    }
    const method = attributes[ATTR_MCP_METHOD_NAME];
    if (kind === SpanKind.SERVER && !MCP_REQUEST_METHODS.has(method as string)) {
      attributes[ATTR_MCP_METHOD_NAME] = OTHER_METHOD;
    }
    if (outcome.errorType !== undefined) attributes[ATTR_ERROR_TYPE] = outcome.errorType;
    if (outcome.statusCode !== undefined) {
      attributes[ATTR_RPC_RESPONSE_STATUS_CODE] = outcome.statusCode;
    }
    record(histogram, seconds, attributes);
  }

  /** One stateful session's duration, on the side that `kind` names. */
  recordSession(kind: SpanKind, session: SessionAttributes, seconds: number): void {
    const histogram = kind === SpanKind.CLIENT ? this.clientSession : this.serverSession;
    if (histogram === undefined) return;
    const attributes: Attributes = {};
    if (session.protocolVersion !== undefined) {
      attributes[ATTR_MCP_PROTOCOL_VERSION] = session.protocolVersion;
    }
    if (session.networkTransport !== undefined) {
      attributes[ATTR_NETWORK_TRANSPORT] = session.networkTransport;
      if (session.isHttp) attributes[ATTR_NETWORK_PROTOCOL_NAME] = "http";
    }
    if (session.serverAddress !== undefined) {
      attributes[ATTR_SERVER_ADDRESS] = session.serverAddress;
      attributes[ATTR_SERVER_PORT] = session.serverPort;
    }
    record(histogram, seconds, attributes);
  }
}

/** Records, never throws: it runs where the SDK sends responses and closes connections. */
function record(histogram: Histogram, seconds: number, attributes: Attributes): void {
  try {
    histogram.record(seconds, attributes);
  } catch (error) {
    log.error("failed to record a duration", error);
  }
}
