import { expect, test, type Page } from "@playwright/test";
import { buildPipeline, configureFleet as fleetConfig, createBudget, deleteBudget, saveForm, stateFile } from "./helpers";

test.describe("pipelines", () => {
  test.use({ storageState: stateFile("member") });
  test.afterEach(async () => {
    await fleetConfig({ models: { "claude-sonnet-4-20250514": { tokensPerSecond: 600 } } });
  });

  test("build a pipeline from the seed's template, run it, watch it progress, rate a step", async ({ page, browser }) => {
    test.setTimeout(90_000);
    // Slow the middle step's model so its output visibly streams in.
    expect((await fleetConfig({ models: { "claude-sonnet-4-20250514": { tokensPerSecond: 30 } } })).ok).toBe(true);

    await page.goto("/t/demo/pipelines");
    await page.getByRole("link", { name: "Summarise → analyse → optimise" }).click();
    const builder = page.getByTestId("pipeline-builder");
    const name = `Weekly digest ${Date.now()}`;
    await builder.getByLabel("Name").fill(name);
    await expect(page.getByTestId("builder-step-1").getByLabel("Prompt template")).toHaveValue(/\{\{steps\.summarize\}\}/);
    await builder.getByRole("button", { name: "Create pipeline" }).click();
    await expect(page.getByRole("heading", { name })).toBeVisible();
    const pipelineUrl = page.url();

    await page.getByTestId("run-form").getByLabel("Input").fill("Sales rose 12% in March; two suppliers were late; the team hired a designer.");
    await page.getByRole("button", { name: "Run pipeline" }).click();
    await expect(page).toHaveURL(/\/pipelines\/runs\/[0-9a-f-]{36}$/);

    const progress = page.getByRole("progressbar", { name: "Run progress" });
    const analyze = page.getByTestId("step-analyze");
    // Live, without reloading: step 1 done, step 2 running with part of its answer showing.
    await expect(analyze).toHaveAttribute("data-status", "running", { timeout: 20_000 });
    await expect(progress).toHaveAttribute("aria-valuenow", "1");
    await expect(page.getByTestId("step-summarize")).toHaveAttribute("data-status", "succeeded");
    await expect(analyze.getByTestId("step-output")).not.toHaveText("▍", { timeout: 10_000 });
    const partial = (await analyze.getByTestId("step-output").textContent())!.length;
    await expect.poll(async () => (await analyze.getByTestId("step-output").textContent())!.length, { timeout: 20_000 }).toBeGreaterThan(partial + 20);

    await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 60_000 });
    await expect(progress).toHaveAttribute("aria-valuenow", "3");
    await expect(page.getByTestId("step-optimize").getByTestId("step-metrics")).toContainText("tok");
    await expect(page.getByTestId("run-cost")).not.toHaveText("$0.00");

    // A step is rated like any other result: stars and a comment, and thumbs that keep the comment.
    await analyze.getByLabel("Comment").fill("Misses the supplier risk");
    await analyze.getByRole("button", { name: "4 stars" }).click();
    await expect(analyze.getByRole("button", { name: "4 stars" })).toHaveAttribute("aria-pressed", "true");
    await expect(analyze.getByText("Rated — thanks")).toBeVisible();
    await page.reload();
    await expect(analyze.getByRole("button", { name: "4 stars" })).toHaveAttribute("aria-pressed", "true");
    await analyze.getByRole("button", { name: "Thumbs up" }).click();
    await expect(analyze.getByRole("button", { name: "Thumbs up" })).toHaveAttribute("aria-pressed", "true");
    await page.reload();
    await expect(analyze.getByRole("button", { name: "Thumbs up" })).toHaveAttribute("aria-pressed", "true");
    await expect(analyze.getByRole("button", { name: "4 stars" })).toHaveAttribute("aria-pressed", "false");
    await expect(analyze.getByLabel("Comment")).toHaveValue("Misses the supplier risk");

    // A viewer sees the pipeline and the run, but can neither edit, run nor rate.
    const viewer = await browser.newContext({ storageState: stateFile("viewer") });
    const v = await viewer.newPage();
    await v.goto(pipelineUrl);
    await expect(v.getByText("Your role can view runs but not start them.")).toBeVisible();
    await expect(v.getByRole("button", { name: "Save pipeline" })).toHaveCount(0);
    await expect(v.getByRole("button", { name: "Delete pipeline" })).toHaveCount(0);
    await expect(v.getByRole("link", { name: "Duplicate" })).toHaveCount(0);
    await v.goto(page.url());
    await expect(v.getByTestId("run-status")).toHaveText("succeeded");
    await expect(v.getByRole("button", { name: "Thumbs up" })).toHaveCount(0);
    await expect(v.getByRole("button", { name: "Run again" })).toHaveCount(0);
    await viewer.close();
  });

  test("a synthesis step that cost more than the strong model alone shows in amber; a deleted pipeline leaves the list and keeps its run", async ({ page }) => {
    test.setTimeout(60_000);
    await page.goto("/t/demo/pipelines/new");
    const builder = page.getByTestId("pipeline-builder");
    const name = `Same model twice ${Date.now()}`;
    await builder.getByLabel("Name").fill(name);
    const step = page.getByTestId("builder-step-0");
    await step.getByLabel("Kind").selectOption("synthesis");
    // One model writing the instructions and then following them always costs more than it alone.
    await step.getByLabel("Strong model (writes instructions)").selectOption("gpt-4o-mini");
    await step.getByLabel("Cheap model (carries them out)").selectOption("gpt-4o-mini");
    await builder.getByRole("button", { name: "Create pipeline" }).click();
    await expect(page.getByRole("heading", { name })).toBeVisible();
    const pipelineUrl = page.url();

    await page.getByTestId("run-form").getByLabel("Input").fill("List three uses of a paperclip.");
    await page.getByRole("button", { name: "Run pipeline" }).click();
    await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 30_000 });
    const saving = page.getByTestId("synthesis-saving");
    await expect(saving).toContainText(/Cost \$[\d.]+ more/);
    await expect(saving).toHaveAttribute("data-saving", "cost-more");
    await expect(saving).toHaveClass(/bg-amber-50/);
    const runUrl = page.url();

    await page.goto(pipelineUrl);
    page.once("dialog", (d) => d.accept());
    await page.getByRole("button", { name: "Delete pipeline" }).click();
    await expect(page).toHaveURL(/\/t\/demo\/pipelines$/);
    await expect(page.getByRole("link", { name })).toHaveCount(0);
    await page.goto(runUrl);
    await expect(page.getByTestId("run-status")).toHaveText("succeeded");
    await expect(page.getByRole("link", { name: `← Pipelines (${name} was deleted)` })).toBeVisible();
    await expect(page.getByRole("button", { name: "Run again" })).toHaveCount(0);
  });

  test("a step that failed mid-answer and was retried shows both attempts' costs, which add up to the run's cost", async ({ page }) => {
    test.setTimeout(60_000);
    await page.goto("/t/demo/pipelines/new");
    const builder = page.getByTestId("pipeline-builder");
    const name = `Retried step ${Date.now()}`;
    await builder.getByLabel("Name").fill(name);
    await page.getByTestId("builder-step-0").getByLabel("Prompt template").fill("Explain {{input}} with two examples.");
    await builder.getByRole("button", { name: "Create pipeline" }).click();
    await expect(page.getByRole("heading", { name })).toBeVisible();

    // Every model breaks off mid-answer: the step fails, charged for what was written.
    await runFailing(page, "recursion", "drop");
    const step = page.getByTestId(/^step-/).first();
    const firstCost = await page.getByTestId("run-cost").textContent();
    expect(firstCost).not.toBe("$0.00");
    await expect(step.getByTestId("step-metrics")).toContainText(firstCost!);

    await step.getByRole("button", { name: "Retry step" }).click();
    await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 30_000 });
    const attempts = step.getByTestId("step-attempts");
    await expect(attempts).toContainText(`attempt 1 failed, ${firstCost}`);
    await expect(attempts).toContainText(/attempt 2 succeeded, \$[\d.]+/);
    // The step's total over its attempts is the run's cost.
    await expect(attempts.locator("strong")).toHaveText((await page.getByTestId("run-cost").textContent())!);
    await expect(page.getByTestId("run-cost-unattributed")).toHaveCount(0);
  });

  test("with the team held to one request a minute, a run started here waits for it, and a second start is refused saying how long to wait", async ({ page, browser }) => {
    test.setTimeout(90_000);
    await buildPipeline(page, "Rate-limited");
    const pipelineUrl = page.url();

    const admin = await browser.newContext({ storageState: stateFile("admin") });
    const a = await admin.newPage();
    const setTeamRpm = (rpm: string) => saveForm(a, { url: "/t/demo/admin/keys", formId: "team-limits-form", button: "Save team limits", fill: (form) => form.getByLabel("Requests / minute").fill(rpm) });
    // Both starts in one minute: not in its last 20 s.
    while (Date.now() % 60_000 > 40_000) await page.waitForTimeout(1_000);
    await setTeamRpm("1");
    try {
      const start = async () => {
        await page.getByTestId("run-form").getByLabel("Input").fill("Name three rivers.");
        await page.getByRole("button", { name: "Run pipeline" }).click();
      };
      await start();
      await expect(page).toHaveURL(/\/pipelines\/runs\/[0-9a-f-]{36}$/);
      // The start was this minute's one request: the step waits for the next minute, and says so.
      await expect(page.getByTestId("step-waiting")).toContainText(/Waiting for the rate limit — retrying in \d+ s\. This team made its 1 requests this minute\./);
      const runUrl = page.url();

      await page.goto(pipelineUrl);
      await start();
      await expect(page.getByTestId("run-form").getByRole("alert")).toHaveText(/^This team made its 1 requests this minute\. Retry in \d+ s, or ask an admin to raise the limit\.$/);
      await expect(page).toHaveURL(pipelineUrl);

      await page.goto(runUrl);
      await page.getByRole("button", { name: "Cancel run" }).click();
      await expect(page.getByTestId("run-status")).toHaveText("cancelled");
    } finally {
      await setTeamRpm("");
      await admin.close();
    }
  });

  test("an unknown pipeline or run is a real 404, not a page that says so with 200", async ({ page }) => {
    const zero = "00000000-0000-0000-0000-000000000000";
    for (const path of [`/t/demo/pipelines/${zero}`, `/t/demo/pipelines/runs/${zero}`]) {
      const res = await page.goto(path);
      expect(res?.status(), path).toBe(404);
    }
    // The list keeps its loading skeleton and still renders.
    expect((await page.goto("/t/demo/pipelines"))?.status()).toBe(200);
    await expect(page.getByRole("heading", { name: "Pipelines", exact: true })).toBeVisible();
  });

  test("a template naming a missing step is refused when saved, with the reason", async ({ page }) => {
    await page.goto("/t/demo/pipelines/new");
    const builder = page.getByTestId("pipeline-builder");
    await builder.getByLabel("Name").fill("Broken");
    await page.getByTestId("builder-step-0").getByLabel("Prompt template").fill("Use {{steps.ghost}}");
    await builder.getByRole("button", { name: "Create pipeline" }).click();
    await expect(page.getByRole("alert").first()).toContainText('missing step "ghost"');
    await expect(page).toHaveURL(/\/pipelines\/new$/);
  });
});

/** Runs the pipeline whose page is open on `input` while every model fails with `fault`, until the run has failed; the fault is off again after. */
async function runFailing(page: Page, input: string, fault: "server" | "drop") {
  expect((await fleetConfig({ defaults: { errorRates: { [fault]: 1 } } })).ok).toBe(true);
  try {
    await page.getByTestId("run-form").getByLabel("Input").fill(input);
    await page.getByRole("button", { name: "Run pipeline" }).click();
    await expect(page.getByTestId("run-status")).toHaveText("failed", { timeout: 30_000 });
  } finally {
    await fleetConfig({ defaults: { errorRates: { [fault]: 0 } } });
  }
}

test.describe("pipelines: what a step's model, a failure and a copy look like", () => {
  test.use({ storageState: stateFile("admin") });

  test("a step on a model disabled since saving shows as not available (not as auto), and saving says what to do", async ({ page }) => {
    const setEnabled = (on: boolean) => saveForm(page, { url: "/t/demo/admin/models", formId: "model-mistral-large-latest", button: "Save", saved: "Saved.", fill: (form) => form.getByLabel("Enabled").setChecked(on) });
    await buildPipeline(page, "Large model", { edit: async () => void (await page.getByTestId("builder-step-0").getByLabel("Model").selectOption("mistral-large-latest")) });
    const pipelineUrl = page.url();
    await setEnabled(false);
    try {
      await page.goto(pipelineUrl);
      const model = page.getByTestId("builder-step-0").getByLabel("Model");
      await expect(model).toHaveValue("mistral-large-latest");
      await expect(model.locator("option:checked")).toHaveText("mistral-large-latest (not available: disabled or removed)");
      await page.getByRole("button", { name: "Save pipeline" }).click();
      await expect(page.getByText('Model "mistral-large-latest" is disabled, so this step could not run. Choose another model or "auto"').first()).toBeVisible();
      await model.selectOption("auto");
      await page.getByRole("button", { name: "Save pipeline" }).click();
      await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
    } finally {
      await setEnabled(true);
    }
  });

  test("a step that fails on every fallback shows its error and how long it tried; the steps after it show no figures; a retry finishes the run", async ({ page }) => {
    test.setTimeout(60_000);
    await buildPipeline(page, "Two steps", {
      edit: async () => {
        await page.getByTestId("builder-step-0").getByLabel("Model").selectOption("gpt-4o-mini");
        await page.getByRole("button", { name: "Add step" }).click();
      },
    });

    await runFailing(page, "Name three rivers.", "server");
    const first = page.getByTestId("step-step1");
    await expect(first.getByTestId("step-error")).toContainText("Every fallback failed too");
    const ms = Number(/ (\d+) ms/.exec((await first.getByTestId("step-metrics").textContent())!)![1]);
    expect(ms).toBeGreaterThan(0); // it said "0 ms"
    const second = page.getByTestId("step-step2");
    await expect(second).toHaveAttribute("data-status", "skipped");
    await expect(second.getByTestId("step-metrics")).toHaveCount(0); // it said "0→0 tok · $0.00 · 0 ms"
    await first.getByRole("button", { name: "Retry step" }).click();
    await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 20_000 });
    await expect(second.getByTestId("step-metrics")).toContainText("tok");
  });

  test("a run the team's budget cannot start is refused with the budget's message, and no run appears", async ({ page }) => {
    test.setTimeout(60_000);
    await buildPipeline(page, "No room", { edit: async () => void (await page.getByTestId("builder-step-0").getByLabel("Model").selectOption("gpt-4o-mini")) });
    const pipelineUrl = page.url();
    const budget = `E2E no room ${Date.now().toString(36)}`;
    await createBudget(page, budget, "0.000001");
    try {
      await page.goto(pipelineUrl);
      await page.getByTestId("run-form").getByLabel("Input").fill("Name two moons of Jupiter.");
      await page.getByRole("button", { name: "Run pipeline" }).click();
      await expect(page.getByTestId("run-form").getByRole("alert")).toContainText(`Budget "${budget}" exceeded:`);
      await expect(page.getByTestId("run-form").getByRole("alert")).toContainText("this call may cost up to");
      await expect(page).toHaveURL(pipelineUrl);
      await page.reload();
      await expect(page.getByText("No runs yet.")).toBeVisible();
    } finally {
      await deleteBudget(page, budget); // the other specs run on the demo team without it
    }
  });

  test("Run again on a finished run starts a new run on the same input", async ({ page }) => {
    const name = await buildPipeline(page, "Again");
    await page.getByTestId("run-form").getByLabel("Input").fill("Name two moons of Jupiter.");
    await page.getByRole("button", { name: "Run pipeline" }).click();
    await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 20_000 });
    const first = page.url();
    await page.getByRole("button", { name: "Run again" }).click();
    await expect(page).not.toHaveURL(first);
    await expect(page).toHaveURL(/\/pipelines\/runs\/[0-9a-f-]{36}$/);
    await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 20_000 });
    await page.getByText("Input", { exact: true }).click();
    await expect(page.getByTestId("run-view").getByText("Name two moons of Jupiter.")).toBeVisible();
    await page.goto("/t/demo/pipelines");
    await expect(page.getByTestId("pipeline-list").locator("li").filter({ hasText: name })).toContainText("2 runs");
  });

  test("Duplicate opens the builder on a copy, and saving it makes a second pipeline", async ({ page }) => {
    const name = await buildPipeline(page, "Reviews", { template: "parallel-review" });
    const original = page.url();

    await page.getByRole("link", { name: "Duplicate" }).click();
    await expect(page.getByRole("heading", { name: `New pipeline: Copy of ${name}` })).toBeVisible();
    await expect(page.getByTestId("pipeline-builder").getByLabel("Name")).toHaveValue(`Copy of ${name}`);
    await expect(page.getByTestId("builder-step-1").getByLabel("Key")).toHaveValue("review_b");
    await expect(page.getByTestId("builder-step-1").getByLabel("Run in parallel with the previous step")).toBeChecked();
    await page.getByRole("button", { name: "Create pipeline" }).click();
    await expect(page.getByRole("heading", { name: `Copy of ${name}` })).toBeVisible();
    expect(page.url()).not.toBe(original);
    await page.goto("/t/demo/pipelines");
    await expect(page.getByTestId("pipeline-list").getByRole("link", { name, exact: true })).toBeVisible();
    await expect(page.getByTestId("pipeline-list").getByRole("link", { name: `Copy of ${name}` })).toBeVisible();
  });
});

test.describe("pipelines as a viewer", () => {
  test.use({ storageState: stateFile("viewer") });
  test("a viewer sees the pipelines page but cannot open the builder", async ({ page }) => {
    await page.goto("/t/demo/pipelines");
    await expect(page.getByRole("heading", { name: "Pipelines", exact: true })).toBeVisible();
    await expect(page.getByRole("link", { name: "New pipeline" })).toHaveCount(0);
    await page.goto("/t/demo/pipelines/new");
    await expect(page.getByRole("heading", { name: "Your role (viewer) cannot create pipelines" })).toBeVisible();
    await expect(page.getByTestId("pipeline-builder")).toHaveCount(0);
  });
});
