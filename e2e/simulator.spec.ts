import { expect, test } from "@playwright/test";
import { stateFile } from "./helpers";

/** A small outcomes file: "big" is always right and dear; "small" is right on short prompts only and cheap. */
function outcomesFile(n = 80, [big, small] = ["big", "small"]) {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const long = i % 2 === 0;
    const prompt = long ? `Prove carefully, step by step, that the sum of the first ${i} odd numbers is a perfect square, and explain each step.` : `What is ${i} + ${i}?`;
    lines.push(JSON.stringify({ id: `p${i}`, prompt, outcomes: { [big]: { score: 1, cost_usd: 0.01 }, [small]: { score: long ? 0 : 1, cost_usd: 0.0005 } } }));
  }
  return Buffer.from(lines.join("\n"));
}

/** 25 lines a grader could never have produced: scores of 5 and costs below zero. */
function impossibleFile() {
  const lines = Array.from({ length: 25 }, (_, i) =>
    JSON.stringify({ prompt: `What is ${i} + ${i}?`, outcomes: { big: i % 2 ? { score: 1, cost_usd: -1 } : { score: 5, cost_usd: 0.01 }, small: { score: 1, cost_usd: 0.0005 } } }),
  );
  return Buffer.from(lines.join("\n"));
}

test.use({ storageState: stateFile("owner") });

test("the simulator replays an uploaded outcomes file and draws the curve against single models", async ({ page }) => {
  await page.goto("/t/labs/routing");
  await page.getByLabel("Outcomes file").setInputFiles({ name: "outcomes.jsonl", mimeType: "application/x-ndjson", buffer: outcomesFile() });
  await page.getByRole("button", { name: "Simulate" }).click();
  await expect(page.getByTestId("cost-quality-chart")).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId("sim-aiq")).toContainText(/\d\.\d{4} vs \d\.\d{4}/);
  // The chart has a name and a summary computed from the replay, not an unnamed "application".
  const chart = page.getByRole("img", { name: /quality against total cost/i });
  await expect(chart).toBeVisible();
  await expect(chart).toHaveAccessibleDescription(/Router over \d+ knob settings: from [\d.]+ % quality.*Single models: .*(big|small) [\d.]+ % at \$/);
  // The slider stops only at computed settings (SIMULATOR_KNOBS: 0, 0.3, 0.5, …), and its label says which.
  const slider = page.getByLabel("Quality versus cost", { exact: true }); // not the logged ratings' slider
  await slider.focus();
  await slider.press("Home");
  await expect(page.getByTestId("sim-knob")).toHaveText("Quality versus cost: 0.00");
  await slider.press("ArrowRight");
  await expect(page.getByTestId("sim-knob")).toHaveText("Quality versus cost: 0.30");
  await expect(slider).toHaveAttribute("aria-valuetext", "0.30");
  await expect(chart).toHaveAccessibleDescription(/Selected setting 0\.30: /);
  await slider.press("End");
  await expect(page.getByTestId("sim-knob")).toHaveText("Quality versus cost: 1.00");
  await expect(page.getByTestId("sim-quality")).toHaveText(/\d+\.\d %/);

  await page.getByLabel("Outcomes file").setInputFiles({ name: "bad.jsonl", mimeType: "text/plain", buffer: Buffer.from("not json\n") });
  await page.getByRole("button", { name: "Simulate" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "line 1" })).toContainText("not JSON");
  // The last file's curve and figures are not shown under another file's error.
  await expect(page.getByTestId("cost-quality-chart")).toHaveCount(0);
  await expect(page.getByTestId("simulation-figures")).toHaveCount(0);

  // Impossible values are refused with their line, and nothing is replayed.
  await page.getByLabel("Outcomes file").setInputFiles({ name: "outcomes.jsonl", mimeType: "application/x-ndjson", buffer: outcomesFile(40) });
  await page.getByRole("button", { name: "Simulate" }).click();
  await expect(page.getByTestId("cost-quality-chart")).toBeVisible({ timeout: 60_000 });
  await page.getByLabel("Outcomes file").setInputFiles({ name: "impossible.jsonl", mimeType: "application/x-ndjson", buffer: impossibleFile() });
  await page.getByRole("button", { name: "Simulate" }).click();
  const alert = page.getByRole("alert").filter({ hasText: "line 1:" });
  await expect(alert).toContainText("line 1: outcomes.big.score must be between 0 and 1 (got 5)", { timeout: 60_000 });
  await expect(alert).toContainText("line 2: outcomes.big.cost_usd must be 0 or more and finite");
  await expect(page.getByTestId("cost-quality-chart")).toHaveCount(0);
  await expect(page.getByTestId("sim-quality")).toHaveCount(0);

  await page.getByLabel("Outcomes file").setInputFiles({ name: "empty-outcomes.jsonl", mimeType: "application/x-ndjson", buffer: Buffer.from(Array.from({ length: 25 }, (_, i) => JSON.stringify({ prompt: `p${i}`, outcomes: {} })).join("\n")) });
  await page.getByRole("button", { name: "Warm-start this team's router from the file" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "line 1:" })).toContainText("line 1: outcomes is empty", { timeout: 60_000 });
  await expect(page.getByText(/The team's router now starts from/)).toHaveCount(0);

  // A file about none of the installation's models would only reset what the team's router learned.
  await page.getByLabel("Outcomes file").setInputFiles({ name: "outcomes.jsonl", mimeType: "application/x-ndjson", buffer: outcomesFile(40) });
  await page.getByRole("button", { name: "Warm-start this team's router from the file" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "None of the file's 2 models" })).toBeVisible({ timeout: 60_000 });

  await page.getByLabel("Outcomes file").setInputFiles({ name: "ours.jsonl", mimeType: "application/x-ndjson", buffer: outcomesFile(40, ["gpt-4.1", "gpt-4o-mini"]) });
  await page.getByRole("button", { name: "Warm-start this team's router from the file" }).click();
  await expect(page.getByText(/The team's router now starts from 40 prompts and 2 models' outcomes, with the team's own \d+ ratings? applied on top\./)).toBeVisible({ timeout: 60_000 });
});

test("the simulator replays the team's own rated results: a curve against single models, and the slider moves its point", async ({ page }) => {
  test.setTimeout(120_000);
  // A team of its own: the demo team's ratings from other specs would change which results match.
  const slug = `logged-${Date.now().toString(36)}`;
  await page.goto("/teams/new");
  await page.getByLabel("Team name").fill("Logged ratings");
  await page.getByLabel("Address (slug)").fill(slug);
  await page.getByRole("button", { name: "Create team" }).click();
  await page.waitForURL(`**/t/${slug}`);
  await page.goto(`/t/${slug}/routing`);
  await expect(page.getByText("No rated results yet")).toBeVisible();
  await page.goto(`/t/${slug}/admin/keys`);
  await page.getByTestId("create-key-form").getByLabel("Name").fill(`logged ${Date.now().toString(36)}`);
  await page.getByTestId("create-key-form").getByRole("button", { name: "Create key" }).click();
  const headers = { authorization: `Bearer ${(await page.getByTestId("new-api-key").textContent())!.trim()}` };
  // gpt-4.1 answers and is rated up, gpt-4o-mini (far cheaper) answers and is rated down, alternately.
  for (let i = 0; i < 16; i++) {
    const model = i % 2 === 0 ? "gpt-4.1" : "gpt-4o-mini";
    const call = await page.request.post("/api/v1/chat/completions", { headers, data: { model, messages: [{ role: "user", content: `Summarise in one line: meeting ${i} moved the launch to May.` }] } });
    expect(call.status()).toBe(200);
    const rated = await page.request.post("/api/v1/feedback", { headers, data: { request_id: call.headers()["x-mc-request-id"], rating: model === "gpt-4.1" ? "up" : "down" } });
    expect(rated.ok()).toBe(true);
  }

  await page.goto(`/t/${slug}/routing`);
  const chart = page.getByTestId("logged-cost-quality-chart");
  await expect(chart).toBeVisible();
  await expect(page.getByRole("img", { name: /quality against cost per task/i })).toHaveAccessibleDescription(/Router over \d+ knob settings: .*Single models: .*gpt-4o-mini [\d.]+ % at \$.*gpt-4.1 [\d.]+ % at \$/);
  await expect(page.getByText(/unbiased only if the logged choices were\s+random/)).toBeVisible();
  await expect(page.getByTestId("logged-points")).toContainText("gpt-4.1");
  // Every setting with the number of results that match it (SIMULATOR_KNOBS: 8 settings).
  await expect(page.getByTestId("logged-settings").locator("tbody tr")).toHaveCount(8);

  const slider = page.getByLabel("Quality versus cost on your logged ratings");
  await slider.focus();
  await slider.press("End");
  await expect(page.getByTestId("logged-knob")).toHaveText("Quality versus cost: 1.00");
  // At 1 the router settles on the model rated up: most of its results match, and they were rated well.
  await expect(page.getByTestId("logged-quality")).toHaveText(/^\d+\.\d %$/);
  const best = Number((await page.getByTestId("logged-quality").textContent())!.replace(" %", ""));
  expect(best).toBeGreaterThan(50);
  await expect(page.getByTestId("logged-matched")).toHaveText(/^\d+ of \d+$/);
  const atBest = [await page.getByTestId("logged-matched").textContent(), await page.getByTestId("logged-cost").textContent()];
  await slider.press("Home");
  await expect(page.getByTestId("logged-knob")).toHaveText("Quality versus cost: 0.00");
  // At 0 it takes the cheapest model: another point (or too few matching results to show one).
  await expect(page.getByTestId("logged-quality")).not.toHaveText(`${best.toFixed(1)} %`);
  expect([await page.getByTestId("logged-matched").textContent(), await page.getByTestId("logged-cost").textContent()]).not.toEqual(atBest);
});

test.describe("a viewer", () => {
  test.use({ storageState: stateFile("viewer") });

  test("sees why the simulator cannot be run before trying", async ({ page }) => {
    await page.goto("/t/demo/routing");
    await expect(page.getByRole("button", { name: "Simulate" })).toBeDisabled();
    await expect(page.getByText("Your role (viewer) cannot run the simulator")).toBeVisible();
    await expect(page.getByRole("button", { name: /Warm-start/ })).toHaveCount(0);
  });
});
