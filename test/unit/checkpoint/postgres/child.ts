/**
 * A separate process driving a PostgresSaver, for the two-writer and kill -9 tests (bundled by esbuild so it
 * starts fast). Commands (all take <url> <schema> <thread>):
 *   turns <count> [lockTtlMs]  run turns; print "ack <turn>" once each invoke resolved, "busy <turn> <holder>"
 *                              when another writer has the thread
 *   hold                       take the thread's run lock, print "locked", wait to be killed
 */
import { ThreadBusyError } from "../../../../src/checkpoint/errors";
import { PostgresSaver } from "../../../../src/checkpoint/postgres";
import { END, MessagesAnnotation, START, StateGraph } from "../../../../src/graph";
import { makeText } from "../file/workload";

async function main(): Promise<void> {
  const [command, url, schema, thread, countText, ttlText] = process.argv.slice(2);
  const saver = PostgresSaver.fromConnString(url!, {
    schema,
    holder: `child ${process.pid}`,
    lockTtlMs: ttlText ? Number(ttlText) : undefined,
  });
  await saver.setup();
  if (command === "hold") {
    await saver.lockThread(thread!);
    console.log("locked");
    setInterval(() => undefined, 1 << 30);
    return;
  }
  const graph = new StateGraph(MessagesAnnotation)
    .addNode("call_model", async (state) => {
      const asked = /^turn (\S+):/.exec(String(state.messages.at(-1)?.content))?.[1];
      return {
        messages: [{ role: "assistant" as const, content: `reply ${asked}: ${makeText(300, state.messages.length)}` }],
      };
    })
    .addEdge(START, "call_model")
    .addEdge("call_model", END)
    .compile({ checkpointer: saver });
  console.log("ready");
  for (let i = 1; i <= Number(countText); i++) {
    const turn = `${process.pid}.${i}`;
    try {
      await graph.invoke(
        { messages: [{ role: "user", content: `turn ${turn}: ${makeText(150, i)}` }] },
        { configurable: { thread_id: thread } },
      );
      console.log(`ack ${turn}`);
    } catch (error) {
      if (!(error instanceof ThreadBusyError)) throw error;
      console.log(`busy ${turn} ${error.holder}`);
    }
  }
  await saver.close();
  console.log("done");
}

main().catch((error) => {
  console.log(`error ${(error as Error).stack}`);
  process.exit(1);
});
