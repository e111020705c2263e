/**
 * The Anthropic SDK as its own bundle (dist/sdk.js): the model adapter imports it on the first model call, so
 * neither activation nor the first store read (dist/engine.js) pays for parsing it. See scripts/build.mjs.
 */
export * from "@anthropic-ai/sdk";
