import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { describe, expect, it } from "vitest";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

describe("runtime bundle", () => {
  it("no file under src/ imports LangGraph.js or LangChain (they are test-only devDependencies)", () => {
    const offenders = sourceFiles("src").filter(
      (file) =>
        /from\s+["']@langchain\//.test(readFileSync(file, "utf8")) ||
        /require\(["']@langchain\//.test(readFileSync(file, "utf8")),
    );
    expect(offenders).toEqual([]);
  });

  it("the minified runtime bundle (src/graph/index.ts) contains no @langchain code", async () => {
    const result = await esbuild.build({
      entryPoints: ["src/graph/index.ts"],
      bundle: true,
      minify: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((path) => path.includes("@langchain"))).toEqual([]);
    expect(inputs.some((path) => path.startsWith("src/graph/"))).toBe(true);
  });
});
