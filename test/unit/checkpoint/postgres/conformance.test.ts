import { describe, it } from "vitest";
import { runSaverConformance } from "../conformance";
import { dropSchema, freshSchema, openSaver, pgUrl, skipReason } from "./helpers";

if (pgUrl) {
  runSaverConformance("PostgresSaver", async () => {
    const schema = freshSchema("conf");
    const saver = openSaver(schema);
    await saver.setup();
    return { saver, reopen: async () => openSaver(schema), cleanup: () => dropSchema(schema) };
  });
} else {
  describe("saver conformance: PostgresSaver", () => it.skip(skipReason, () => undefined));
}
