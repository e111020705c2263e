/**
 * A separate process driving a FileSaver, for the crash and two-process tests (bundled with esbuild by
 * processes.ts so it starts fast). Commands:
 *   turns <dir> <thread> <count> [compactBytes]  run turns, printing "ack <turn>" once each is durable
 *   hold <dir> <thread>                          take the thread's run lock, print "locked", wait to be killed
 *   trylock <dir> <thread>                       print "ok" or "busy"
 */
import { FileSaver } from "../../../../src/checkpoint/file";
import { ThreadBusyError } from "../../../../src/checkpoint/errors";
import { END, MessagesAnnotation, START, StateGraph } from "../../../../src/graph";
import { makeText, simulateTurn, type TurnMessage } from "./workload";

async function main(): Promise<void> {
  const [command, dir, thread, countText, compactText] = process.argv.slice(2);
  const saver = new FileSaver(dir!, {
    compactBytes: compactText ? Number(compactText) : undefined,
    onWarning: (w) => console.log(`warn ${w.code}`),
  });
  if (command === "turns") {
    const head = await saver.getTuple({ configurable: { thread_id: thread } });
    const messages = (head?.checkpoint.channel_values.messages as TurnMessage[] | undefined) ?? [];
    let turn = Math.max(0, ...messages.map((m) => Number(/^reply (\d+):/.exec(m.content)?.[1] ?? 0))) + 1;
    // The real runtime with a fake model: a turn is acknowledged only after invoke resolved.
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("call_model", async (state) => {
        const asked = /^turn (\d+):/.exec(String(state.messages.at(-1)?.content))?.[1];
        return {
          messages: [{ role: "assistant" as const, content: `reply ${asked}: ${makeText(380, Number(asked) * 2)}` }],
        };
      })
      .addEdge(START, "call_model")
      .addEdge("call_model", END)
      .compile({ checkpointer: saver });
    console.log("ready");
    for (let i = 0; i < Number(countText); i++, turn++) {
      await graph.invoke(
        { messages: [{ role: "user", content: `turn ${turn}: ${makeText(190, turn * 2 + 1)}` }] },
        { configurable: { thread_id: thread } },
      );
      console.log(`ack ${turn}`);
    }
  } else if (command === "race") {
    // No run lock: interleave single writes with another process on the same thread and store.
    for (let i = 0; i < Number(countText); i++) {
      await simulateTurn(saver, thread!, i + 1);
      await simulateTurn(saver, `${thread}-${process.pid}`, i + 1);
    }
    console.log("done");
  } else if (command === "hold") {
    await saver.lockThread(thread!);
    console.log("locked");
    setInterval(() => undefined, 1 << 30);
    return;
  } else if (command === "trylock") {
    try {
      await (await saver.lockThread(thread!)).release();
      console.log("ok");
    } catch (error) {
      console.log(error instanceof ThreadBusyError ? "busy" : `error ${(error as Error).message}`);
    }
  }
  await saver.close();
}

main().catch((error) => {
  console.log(`error ${(error as Error).stack}`);
  process.exit(1);
});
