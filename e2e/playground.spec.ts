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

  test("the result and its history entry show one rating; a comment typed after rating is saved, a bad one refused", async ({ page }) => {
    await page.goto("/t/demo/playground");
    const task = `Name three prime numbers. (rate ${Date.now().toString(36)})`;
    await page.getByLabel("Task").fill(task);
    await page.getByLabel("Model", { exact: true }).selectOption("gpt-4.1-mini");
    await page.getByRole("button", { name: "Run" }).click();
    const result = page.getByTestId("playground-result");
    await expect(result.getByTestId("result-figures")).toBeVisible();
    const item = page.getByTestId("history-item").filter({ hasText: task });
    await expect(item).toHaveCount(1);

    // Rated in the result: the history entry for the same request shows it too, and the other way round.
    await result.getByRole("button", { name: "5 stars" }).click();
    await expect(result.getByText("Rated — thanks")).toBeVisible();
    await expect(item.getByRole("button", { name: "5 stars" })).toHaveAttribute("aria-pressed", "true");
    await item.getByRole("button", { name: "Thumbs down" }).click();
    await expect(result.getByRole("button", { name: "Thumbs down" })).toHaveAttribute("aria-pressed", "true");
    await expect(result.getByRole("button", { name: "5 stars" })).toHaveAttribute("aria-pressed", "false");

    // A comment added after rating has its own save (Enter works too), and survives a reload.
    await result.getByLabel("Comment").fill("Lists 1, which is not prime — <b>wrong</b> & “sure”");
    await expect(result.getByText("Rated — thanks")).toHaveCount(0);
    await result.getByRole("button", { name: "Save comment" }).click();
    await expect(result.getByText("Rated — thanks")).toBeVisible();
    await expect(result.getByRole("button", { name: "Save comment" })).toHaveCount(0);
    await page.reload();
    await expect(item.getByLabel("Comment")).toHaveValue("Lists 1, which is not prime — <b>wrong</b> & “sure”");
    await expect(item.getByRole("button", { name: "Thumbs down" })).toHaveAttribute("aria-pressed", "true");

    // Text the database cannot store is refused with what to fix, not "something went wrong".
    await item.getByLabel("Comment").fill("pasted\u0000text");
    await item.getByLabel("Comment").press("Enter");
    await expect(item.getByRole("alert")).toHaveText(/NUL character.*remove it/);
    await expect(item.getByText("Rated — thanks")).toHaveCount(0);
    await page.goto("/t/demo/ratings");
    await expect(page.getByTestId("ratings-table").getByRole("row").filter({ hasText: task })).toContainText("Lists 1, which is not prime — <b>wrong</b> & “sure”");
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

test.describe("fallback on provider errors, from the dashboard and from the API alike", () => {
  test.use({ storageState: stateFile("admin") });
  const FLEET = `http://127.0.0.1:${Number(process.env.E2E_FLEET_PORT ?? 4210)}`;
  const fail = (model: string, server: number) =>
    fetch(`${FLEET}/__fleet/config`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ models: { [model]: { errorRates: { server } } } }) });
  const MODELS = ["mistral-small-latest", "claude-3-5-haiku-20241022"]; // an OpenAI-SDK and an Anthropic-SDK provider
  test.afterEach(async () => {
    for (const m of MODELS) await fail(m, 0);
  });

  // The dashboard (Next's bundle) and the gateway (server.ts) each hold a copy of the SDKs. A client
  // made by one copy once threw errors the other copy could not classify: a 500 was then "unknown",
  // not retried, and the call failed without falling back, on whichever side came second.
  test("a model answering 500 falls back in the playground and through the API, whichever used its provider first", async ({ page }) => {
    await page.goto("/t/demo/admin/keys");
    const form = page.getByTestId("create-key-form");
    await form.getByLabel("Name").fill(`fallback e2e ${Date.now()}`);
    await form.getByRole("button", { name: "Create key" }).click();
    const secret = (await page.getByTestId("new-api-key").textContent())!.trim();
    const api = (model: string) =>
      page.request.post("/api/v1/chat/completions", { headers: { authorization: `Bearer ${secret}` }, data: { model, messages: [{ role: "user", content: "Name a colour." }] } });

    for (const model of MODELS) {
      // Both sides use the provider while it works, then it fails for every call.
      expect((await api(model)).status()).toBe(200);
      await page.goto("/t/demo/playground");
      await page.getByLabel("Task").fill("Name a colour.");
      await page.getByLabel("Model", { exact: true }).selectOption(model);
      await page.getByRole("button", { name: "Run" }).click();
      await expect(page.getByTestId("playground-result").getByTestId("result-model")).toHaveText(model);
      expect((await fail(model, 1)).ok).toBe(true);

      const res = await api(model);
      expect(res.status()).toBe(200);
      expect(res.headers()["x-mc-model"]).not.toBe(model);

      await page.getByRole("button", { name: "Run" }).click();
      const result = page.getByTestId("playground-result");
      await expect(result.getByTestId("result-text")).not.toBeEmpty();
      await expect(result.getByTestId("result-model")).not.toHaveText(model);
      await expect(result.getByTestId("result-error")).toHaveCount(0);
      await fail(model, 0);
    }
  });
});

test.describe("stopping a run", () => {
  test.use({ storageState: stateFile("member") });
  const FLEET = `http://127.0.0.1:${Number(process.env.E2E_FLEET_PORT ?? 4210)}`;
  const slow = (tokensPerSecond: number) =>
    fetch(`${FLEET}/__fleet/config`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ models: { "gpt-4.1": { tokensPerSecond } } }) });
  const calls = async () => ((await (await fetch(`${FLEET}/__fleet/usage`)).json()) as { models: Record<string, { requests: number }> }).models["gpt-4.1"]?.requests ?? 0;
  test.afterEach(async () => {
    await slow(400);
  });

  // The Stop button once took the Run button's place as the same <button>, which became
  // type="submit" during the click: the form was sent again, a second, paid run.
  test("Stop stops the stream and starts no second call", async ({ page }) => {
    expect((await slow(15)).ok).toBe(true);
    await page.goto("/t/demo/playground");
    await page.getByLabel("Task").fill("Write a long essay about rivers and the towns along them.");
    await page.getByLabel("Model", { exact: true }).selectOption("gpt-4.1");
    const before = await calls();
    await page.getByRole("button", { name: "Run" }).click();
    const result = page.getByTestId("playground-result");
    await expect(result.getByTestId("result-text")).not.toBeEmpty();
    await page.getByRole("button", { name: "Stop" }).click();
    await expect(result.getByTestId("result-error")).toHaveText("Stopped.");
    await expect(page.getByRole("button", { name: "Run" })).toBeEnabled();
    await page.waitForTimeout(1_000);
    expect(await calls()).toBe(before + 1);
  });
});
