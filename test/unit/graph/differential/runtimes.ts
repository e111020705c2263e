/**
 * The two runtimes a differential case runs on, behind one surface: the names a LangGraph.js program imports.
 * LangGraph.js is a devDependency used only here; Skein's runtime never imports it.
 */
import * as lg from "@langchain/langgraph";
import * as skeinCheckpoint from "../../../../src/checkpoint";
import * as skein from "../../../../src/graph";

/* eslint-disable @typescript-eslint/no-explicit-any -- the two runtimes' types differ; programs use the shared surface */
export interface Runtime {
  name: "langgraph" | "skein";
  StateGraph: any;
  Annotation: any;
  MessagesAnnotation: any;
  START: string;
  END: string;
  Command: any;
  Overwrite: any;
  Send: any;
  interrupt: <V = unknown, R = any>(value: V) => R;
  /** A fresh in-memory saver (the default saver a case runs with). */
  newSaver(): any;
}

export const langgraphRuntime: Runtime = {
  name: "langgraph",
  StateGraph: lg.StateGraph,
  Annotation: lg.Annotation,
  MessagesAnnotation: lg.MessagesAnnotation,
  START: lg.START,
  END: lg.END,
  Command: lg.Command,
  Overwrite: lg.Overwrite,
  Send: lg.Send,
  interrupt: lg.interrupt as Runtime["interrupt"],
  newSaver: () => new lg.MemorySaver(),
};

/** Skein's runtime; `newSaver` picks the saver it runs with (MemorySaver unless a case or suite says otherwise). */
export function makeSkeinRuntime(newSaver: () => unknown = () => new skeinCheckpoint.MemorySaver()): Runtime {
  return {
    name: "skein",
    StateGraph: skein.StateGraph,
    Annotation: skein.Annotation,
    MessagesAnnotation: skein.MessagesAnnotation,
    START: skein.START,
    END: skein.END,
    Command: skein.Command,
    Overwrite: skein.Overwrite,
    Send: skein.Send,
    interrupt: skein.interrupt as Runtime["interrupt"],
    newSaver,
  };
}
