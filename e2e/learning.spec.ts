import { expect, test, type Page } from "@playwright/test";
import { stateFile } from "./helpers";

test.use({ storageState: stateFile("owner") });

/** What the Models page's performance table says of each model: the charts must draw exactly these. */
const tableFigures = (page: Page) =>
  page
    .getByTestId("model-stats")
    .locator("tbody tr")
    .evaluateAll((rows) =>
      rows.map((r) => {
        const cell = (id: string) => r.querySelector(`[data-testid="${id}"]`)!.textContent!.trim();
        return { model: r.getAttribute("data-testid")!.replace(/^stats-/, ""), latency: cell("latency"), cost: cell("cost-per-task"), rating: cell("avg-rating"), errorRate: cell("error-rate") };
      }),
    );

/** One point per model with both a cost per task and an average rating, one bar per model with latency, one per model with an error rate. */
async function expectChartsMatchTable(page: Page) {
  const table = await tableFigures(page);
  const has = (v: string) => v !== "—";
  const marks = (chart: string, mark: string) => page.getByTestId(chart).getByTestId(mark);
  await expect(marks("quality-cost-chart", "quality-point")).toHaveCount(table.filter((t) => has(t.cost) && has(t.rating)).length);
  await expect(marks("latency-chart", "latency-bar").and(page.locator("[data-series=p95]"))).toHaveCount(table.filter((t) => has(t.latency)).length);
  await expect(marks("error-rate-chart", "error-bar")).toHaveCount(table.filter((t) => has(t.errorRate)).length);
  return table;
}

test("rating a result changes that model's learned figures", async ({ page }) => {
  const model = "mistral-small-latest";
  await page.goto("/t/labs/models");
  const before = await page.getByTestId(`stats-${model}`).getByTestId("ratings-count").textContent();
  await expectChartsMatchTable(page);
  const point = page.getByTestId("quality-cost-chart").locator(`[data-model="${model}"]`);
  const pointBefore = (await point.count()) ? await point.locator("title").textContent() : null;

  await page.goto("/t/labs/playground");
  await page.getByLabel("Task").fill("Translate into French: the budget is approved.");
  await page.getByLabel("Model", { exact: true }).selectOption(model);
  await page.getByRole("button", { name: "Run" }).click();
  const result = page.getByTestId("playground-result");
  await expect(result.getByTestId("result-model")).toHaveText(model);
  await result.getByRole("button", { name: "5 stars" }).click();
  await expect(result.getByText("Rated — thanks")).toBeVisible();

  await page.goto("/t/labs/models");
  await expect(page.getByTestId(`stats-${model}`).getByTestId("ratings-count")).toHaveText(String(Number(before) + 1));
  // The model's point appears on the quality–cost chart, or moves and counts the new rating, with the table's figures.
  const row = (await expectChartsMatchTable(page)).find((t) => t.model === model)!;
  const n = Number(before) + 1;
  await expect(point.locator("title")).toHaveText(`${model}: ${row.rating} average of ${n} rating${n === 1 ? "" : "s"}, ${row.cost} per task`);
  expect(await point.locator("title").textContent()).not.toBe(pointBefore);
  await expect(page.getByRole("img", { name: /^Average rating against cost per task/ })).toBeVisible();
  await expect(page.getByTestId("error-rate-chart").locator(`[data-model="${model}"]`)).toHaveCount(1);
  // The translation cell moves from "no evidence" to a learned figure above the 50 % prior.
  const cell = page.getByTestId(`q-${model}-translation`);
  await expect(cell).toHaveText(/^\d+ %$/);
  expect(Number((await cell.textContent())!.replace(" %", ""))).toBeGreaterThan(50);

  await page.goto("/t/labs/ratings?verdict=good");
  await expect(page.getByTestId("ratings-table")).toContainText("Translate into French");
  await page.goto("/t/labs/ratings?verdict=bad");
  await expect(page.getByTestId("ratings-table")).toHaveCount(0);
});
