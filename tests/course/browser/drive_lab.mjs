// Drives JupyterLab in Debian's chromium as a trainee would: open a notebook, fill in cells,
// run all cells, wait for outputs. Used by test_lab.py; prints one JSON object on stdout.
// Usage: node drive_lab.mjs '{"url": ..., "token": ..., "notebook": ..., "edits": [{"find", "source"}],
//                            "wait_for": [text, ...], "screenshot": path}'
import { chromium } from "playwright-core";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const job = JSON.parse(process.argv[2]);
const profile = mkdtempSync(join(tmpdir(), "tracelab-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  viewport: { width: 1400, height: 1000 },
});
const result = { outputs: [], errors: [] };
try {
  const page = context.pages()[0] || await context.newPage();
  page.on("pageerror", (e) => result.errors.push(String(e)));
  page.setDefaultTimeout(job.timeout_ms || 120000);
  await page.goto(`${job.url}/lab/tree/${job.notebook}?token=${job.token}`);
  await page.locator(".jp-NotebookPanel .jp-Cell").first().waitFor();
  await page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first().waitFor();
  for (const edit of job.edits || []) {
    const cell = page.locator(".jp-Cell", { hasText: edit.find }).first();
    const editor = cell.locator(".cm-content");
    await editor.click();
    await page.keyboard.press("Control+A");
    await page.keyboard.press("Delete");
    await page.keyboard.insertText(edit.source);
    await page.keyboard.press("Escape");
  }
  await page.locator(".lm-MenuBar-item", { hasText: /^Run$/ }).click();
  await page.locator(".lm-Menu-item:visible .lm-Menu-itemLabel", { hasText: /^Run All Cells$/ }).click();
  for (const text of job.wait_for || []) {
    await page.locator(".jp-OutputArea-output", { hasText: text }).first().waitFor();
  }
  await page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first().waitFor();
  result.outputs = await page.locator(".jp-OutputArea-output").allInnerTexts();
  if (job.screenshot) await page.screenshot({ path: job.screenshot, fullPage: false });
  await page.keyboard.press("Control+S");
  await page.waitForTimeout(500);
} catch (e) {
  result.errors.push(String(e));
} finally {
  await context.close();
}
process.stdout.write(JSON.stringify(result) + "\n");
process.exit(result.errors.length ? 1 : 0);
