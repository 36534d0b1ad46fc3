// A "bundle" whose MCP SDK copy is in a shape the loader hook does not recognise (ES5-style
// prototype assignments, as an old transpiler emits): it must run untouched, and register must
// say once that it is not traced (test/bundles.test.ts).
function Protocol() {
  this._requestHandlers = new Map();
}
Protocol.prototype._onrequest = (request, extra) =>
  `handled ${request.method} ${extra ? "with extra" : ""}`;
Protocol.prototype._onresponse = (response) => response;
const protocol = new Protocol();
process.stdout.write(`${protocol._onrequest({ method: "tools/list" }, {})}\n`);
