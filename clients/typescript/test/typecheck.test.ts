// The point of a generated client: the app's build fails when the contract changes under it.
// examples/every-operation.ts uses every operation; it compiles as it is, and stops compiling
// when one field name in it no longer matches the service's OpenAPI document.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
const sample = readFileSync(join(root, "examples", "every-operation.ts"), "utf8");

function compile(source: string): { status: number | null; output: string } {
  // Beside the sample, so that its import of ../src/index.js resolves the same way.
  const file = join(root, "examples", `.check-${process.pid}.ts`);
  writeFileSync(file, source);
  try {
    const r = spawnSync(process.execPath, [tsc, "--noEmit", "--strict", "--module", "NodeNext", "--moduleResolution", "NodeNext",
      "--target", "ES2022", "--lib", "ES2022,DOM", "--types", "node", "--skipLibCheck", file], { cwd: root, encoding: "utf8" });
    return { status: r.status, output: r.stdout + r.stderr };
  } finally {
    rmSync(file, { force: true });
  }
}

test("the sample that calls every operation compiles", () => {
  const r = compile(sample);
  assert.equal(r.status, 0, r.output);
});

test("renaming one field the service answers breaks the build", () => {
  const renamed = sample.replace("i.invoice_number", "i.invoiceNumber");
  assert.notEqual(renamed, sample);
  const r = compile(renamed);
  assert.notEqual(r.status, 0);
  assert.match(r.output, /invoiceNumber/);
});

test("renaming one field the service takes breaks the build", () => {
  const renamed = sample.replace("reference_id: \"chat-message-42\"", "referenceId: \"chat-message-42\"");
  assert.notEqual(renamed, sample);
  const r = compile(renamed);
  assert.notEqual(r.status, 0);
  assert.match(r.output, /referenceId/);
});
