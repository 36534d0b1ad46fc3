/*
 * `reportMissing`: the tool `get_more_tools` that a `tools/list` result offers, and the answer
 * this package gives to a call of it. Its `context` argument (what the caller was looking for)
 * is recorded as the call's user intent, like any tool call's.
 */

/** The tool's name: the one AgentCat's SDK offers, so its dashboards find the reports. */
export const GET_MORE_TOOLS = "get_more_tools";

/** The tool as `tools/list` offers it: a fresh object each time (a client may keep it). */
export function getMoreToolsTool(): object {
  return {
    name: GET_MORE_TOOLS,
    description:
      "Check for more tools whenever the task could use a capability that the listed tools " +
      "lack or only approximate. Describe what you need in `context`.",
    inputSchema: {
      type: "object",
      properties: {
        context: {
          type: "string",
          description: "The goal being worked on, and what kind of tool would help reach it.",
        },
      },
      required: ["context"],
    },
  };
}

/** The result of a `get_more_tools` call: the list was complete; the request is noted. */
export function getMoreToolsResult(): { content: { type: "text"; text: string }[] } {
  return {
    content: [
      {
        type: "text",
        text:
          "The tool list you were shown is complete: no other tools are available right now. " +
          "Your request has been noted to help improve the tools offered.",
      },
    ],
  };
}
