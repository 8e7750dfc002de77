import { expect, test } from "@playwright/test";
import { stateFile } from "./helpers";

test.describe("playground", () => {
  test.use({ storageState: stateFile("member") });

  test("a run streams, shows model, tokens and cost, lands in the history, and can be rated", async ({ page }) => {
    await page.goto("/t/demo/playground");
    // A run tag without long digit runs: a 13-digit timestamp can pass the Luhn check and make the task "private".
    const task = `What is 12 * 34? (run ${Date.now().toString(36)})`;
    await page.getByLabel("Task").fill(task);
    await page.getByLabel("Model", { exact: true }).selectOption("gpt-4.1-mini");
    await page.getByRole("button", { name: "Run" }).click();
    const result = page.getByTestId("playground-result");
    await expect(result.getByTestId("result-model")).toHaveText("gpt-4.1-mini");
    await expect(result.getByTestId("result-text")).not.toBeEmpty();
    await expect(result.getByTestId("result-cost")).toHaveText(/^\$0\.\d+/);
    const cost = await result.getByTestId("result-cost").textContent();

    const item = page.getByTestId("history-item").filter({ hasText: task });
    await expect(item).toHaveCount(1);
    await expect(item.getByTestId("history-cost")).toHaveText(cost!);

    await result.getByRole("button", { name: "Thumbs up" }).click();
    await expect(result.getByText("Rated — thanks")).toBeVisible();
    await page.goto("/t/demo/ratings");
    await expect(page.getByTestId("ratings-table").getByRole("row").filter({ hasText: task }).getByTestId("rating-value")).toHaveText("up");
  });

  test("instruction synthesis: a strong model writes the steps, a cheap one follows them, the saving is measured", async ({ page }) => {
    await page.goto("/t/demo/playground");
    const panel = page.getByTestId("synthesis-panel");
    await panel.getByLabel("Assignment for the cheap model").fill("Write release notes for version 2.3 of our CLI: faster startup, a new --json flag, a fix for Windows paths.");
    await panel.getByLabel(/Also run the strong model alone/).check();
    await panel.getByRole("button", { name: "Synthesise instructions and execute" }).click();
    // Left to the router, the strong role goes to the demo fleet's dearest tier, the cheap one to its cheapest.
    await expect(panel.getByTestId("synthesis-strong-model")).toHaveText(/^(claude-sonnet-4-20250514|grok-3)$/, { timeout: 20_000 });
    await expect(panel.getByTestId("synthesis-cheap-model")).toHaveText(/^(llama3\.1:8b|qwen2\.5-coder:7b)$/);
    const saving = panel.getByTestId("synthesis-saving");
    await expect(saving).toContainText("(measured)");
    await expect(saving).toContainText(/saved \$[\d.]+ \(\d+%\)|cost \$[\d.]+ more/);
  });

  test("auto routing explains its choice; a private task goes to a local model", async ({ page }) => {
    await page.goto("/t/demo/playground");
    await page.getByLabel("Task").fill("Summarise our customer list for the board.");
    await page.getByLabel("Private (local models only)").check();
    await page.getByRole("button", { name: "Run" }).click();
    await expect(page.getByTestId("result-model")).toHaveText(/llama|qwen/);
    await expect(page.getByTestId("playground-result")).toContainText(/local/i);
  });

  test("a password written in Russian keeps the task on a local model without the Private box", async ({ page }) => {
    await page.goto("/t/demo/playground");
    await page.getByLabel("Task").fill("Подключись к серверу, пароль: qwerty12345, и выгрузи логи скриптом.");
    await expect(page.getByLabel("Private (local models only)")).not.toBeChecked();
    await page.getByRole("button", { name: "Run" }).click();
    await expect(page.getByTestId("result-model")).toHaveText(/llama|qwen/);
    await expect(page.getByTestId("playground-result")).toContainText("Private task: only local models were considered");
  });

  test("an unknown failure is shown as a clear error, not a blank page", async ({ page }) => {
    await page.goto("/t/demo/playground");
    await page.getByRole("button", { name: "Run" }).click();
    await expect(page.getByTestId("result-error")).toHaveText("Type a task first.");
  });
});

test.describe("playground as viewer", () => {
  test.use({ storageState: stateFile("viewer") });
  test("a viewer cannot run tasks", async ({ page }) => {
    await page.goto("/t/demo/playground");
    await expect(page.getByRole("button", { name: "Run" })).toBeDisabled();
  });
});
