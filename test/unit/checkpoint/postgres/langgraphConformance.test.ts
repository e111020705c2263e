import { describe, it } from "vitest";
import { runLangGraphConformance } from "../langgraphConformance";
import { dropSchema, freshSchema, openSaver, pgUrl, skipReason } from "./helpers";

if (pgUrl) {
  // Each checkpointer the suite creates gets its own schema on the run's throwaway server, dropped afterwards.
  runLangGraphConformance("PostgresSaver", async () => {
    const schema = freshSchema("lg");
    const saver = openSaver(schema);
    await saver.setup();
    return {
      saver,
      cleanup: async () => {
        await saver.end();
        await dropSchema(schema);
      },
    };
  });
} else {
  describe("LangGraph conformance: PostgresSaver", () => it.skip(skipReason, () => undefined));
}
