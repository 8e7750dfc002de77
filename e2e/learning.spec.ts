import { expect, test } from "@playwright/test";
import { stateFile } from "./helpers";

test.use({ storageState: stateFile("owner") });

test("rating a result changes that model's learned figures", async ({ page }) => {
  const model = "mistral-small-latest";
  await page.goto("/t/labs/models");
  const before = await page.getByTestId(`stats-${model}`).getByTestId("ratings-count").textContent();

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
  // The translation cell moves from "no evidence" to a learned figure above the 50 % prior.
  const cell = page.getByTestId(`q-${model}-translation`);
  await expect(cell).toHaveText(/^\d+ %$/);
  expect(Number((await cell.textContent())!.replace(" %", ""))).toBeGreaterThan(50);

  await page.goto("/t/labs/ratings?verdict=good");
  await expect(page.getByTestId("ratings-table")).toContainText("Translate into French");
  await page.goto("/t/labs/ratings?verdict=bad");
  await expect(page.getByTestId("ratings-table")).toHaveCount(0);
});
