import { expect, test } from "@playwright/test";
import { runFailingInPlayground, stateFile } from "./helpers";

test.describe("request history", () => {
  test.use({ storageState: stateFile("member") });

  test("a playground run is listed under Requests; its detail shows model, reason and prompt, and it can be rated there", async ({ page }) => {
    await page.goto("/t/demo/playground");
    // No long digit runs in the tag: a 13-digit timestamp can pass the Luhn check and make the task "private".
    const task = `Name three prime numbers. (requests ${Date.now().toString(36)})`;
    await page.getByLabel("Task").fill(task);
    await page.getByLabel("Model", { exact: true }).selectOption("gpt-4.1-mini");
    await page.getByRole("button", { name: "Run" }).click();
    await expect(page.getByTestId("playground-result").getByTestId("result-model")).toHaveText("gpt-4.1-mini");

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Requests" }).click();
    await expect(page).toHaveURL(/\/t\/demo\/requests$/);
    await page.getByLabel("Source").selectOption("playground");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect(page).toHaveURL(/source=playground/);
    // Newest first: the run just made is the first playground row.
    const row = page.getByTestId("request-row").first();
    await expect(row.getByTestId("request-model")).toContainText("gpt-4.1-mini");
    await row.getByTestId("request-link").click();

    await expect(page).toHaveURL(/\/t\/demo\/requests\/[0-9a-f-]{36}$/);
    await expect(page.getByTestId("detail-model")).toHaveText("gpt-4.1-mini");
    await expect(page.getByTestId("detail-reason")).not.toBeEmpty();
    await expect(page.getByTestId("detail-reason")).not.toHaveText("No reason was recorded.");
    await expect(page.getByTestId("detail-prompt")).toContainText(task);
    await expect(page.getByTestId("detail-response")).not.toBeEmpty();

    await page.getByRole("button", { name: "4 stars" }).click();
    await expect(page.getByText("Rated — thanks")).toBeVisible();
    await expect(page.getByTestId("detail-ratings").getByTestId("rating-value")).toHaveText("★★★★☆");
    await page.reload();
    await expect(page.getByRole("button", { name: "4 stars" })).toHaveAttribute("aria-pressed", "true");
  });

  test("a call every model failed lists its attempts as attempts, and only those before the last count as fallbacks", async ({ page }) => {
    const task = `Name a colour. (all fail ${Date.now().toString(36)})`;
    await runFailingInPlayground(page, task, "gpt-4.1-mini", "server");
    await page.goto("/t/demo/requests?status=error&source=playground");
    const row = page.getByTestId("request-row").first();
    const badge = row.getByTestId("request-model").getByText(/^fallback ×\d+$/);
    const fellBack = (await badge.count()) ? Number((await badge.textContent())!.replace(/\D/g, "")) : 0;
    await row.getByTestId("request-link").click();
    await expect(page.getByTestId("detail-prompt")).toContainText(task);
    const attempts = page.getByTestId("detail-fallbacks").locator("li");
    await expect(page.getByText("Models tried, in order: each failed, the last one too")).toBeVisible();
    // The last attempt is the request's own model, shown as its model; the ones before it are the fallbacks.
    await expect(attempts.last()).toContainText((await page.getByTestId("detail-model").textContent())!);
    expect(fellBack).toBe((await attempts.count()) - 1);
  });

  test("a run whose every model broke off mid-answer is charged for what they wrote, and the request says which part is estimated", async ({ page }) => {
    const task = `Explain recursion with two examples. (dropped ${Date.now().toString(36)})`;
    const error = await runFailingInPlayground(page, task, "gpt-4.1-mini", "drop");
    await expect(error).toContainText(/The part already generated is billed: about \d+ prompt \+ \d+ answer tokens, \$[\d.]+ \(estimated/);
    await page.goto("/t/demo/requests?status=error&source=playground");
    const row = page.getByTestId("request-row").first();
    await expect(row.getByTestId("request-cost")).toContainText("est.");
    await row.getByTestId("request-link").click();
    await expect(page.getByTestId("detail-prompt")).toContainText(task);
    await expect(page.getByTestId("detail-cost")).toContainText("(estimated in part)");
    await expect(page.getByTestId("detail-cost")).not.toHaveText(/^\$0(\.0+)? /);
    await expect(page.getByTestId("detail-estimated")).toContainText("the provider reported no usage, so those tokens are estimated");
    // Each model wrote part of an answer before its stream broke: each attempt is billed, as an estimate.
    const billed = page.getByTestId("detail-fallbacks").getByTestId("attempt-billed");
    await expect(billed.first()).toHaveText(/^ — billed about [\d,]+ \/ [\d,]+ tokens, \$[\d.]+ \(estimated\)$/);
    await expect(billed).toHaveText(Array((await billed.count())).fill(/\(estimated\)$/));
    // The text streamed before the break is kept as the (unfinished) response.
    await expect(page.getByRole("heading", { name: "Response, as far as it came before the call failed" })).toBeVisible();
    await expect(page.getByTestId("detail-response")).not.toBeEmpty();
  });

  test("pages with Older and Newer links, and an unknown request is a 404", async ({ page }) => {
    await page.goto("/t/demo/requests");
    const first = await page.getByTestId("request-link").first().getAttribute("href");
    await expect(page.getByRole("link", { name: "← Newer" })).toHaveCount(0);
    const older = page.getByRole("link", { name: "Older →" });
    if (await older.count()) {
      await older.click();
      await expect(page).toHaveURL(/older=/);
      // Retrying assertions: the URL can change before the new page's rows are on screen.
      await expect(page.getByTestId("request-link").first()).not.toHaveAttribute("href", first!);
      await page.getByRole("link", { name: "← Newer" }).click();
      await expect(page.getByTestId("request-link").first()).toHaveAttribute("href", first!);
    }
    // The oldest rows are the seeded demo data: labelled "demo", as on the Overview, not "seed".
    for (let i = 0; i < 20 && (await page.getByRole("link", { name: "Older →" }).count()); i++) await page.goto((await page.getByRole("link", { name: "Older →" }).getAttribute("href"))!);
    await expect(page.getByRole("link", { name: "Older →" })).toHaveCount(0);
    const sources = await page.getByTestId("request-source").allTextContents();
    expect(sources).toContain("demo");
    expect(sources).not.toContain("seed");
    const res = await page.goto("/t/demo/requests/00000000-0000-0000-0000-000000000000");
    expect(res?.status()).toBe(404);
  });
});

test.describe("request history as viewer", () => {
  test.use({ storageState: stateFile("viewer") });
  test("a viewer can browse requests and open one, without rating controls", async ({ page }) => {
    // An answered request (a failed one says only completed requests can be rated, to anyone).
    await page.goto("/t/demo/requests?status=ok");
    await page.getByTestId("request-link").first().click();
    await expect(page.getByTestId("detail-model")).toBeVisible();
    await expect(page.getByRole("button", { name: "Thumbs up" })).toHaveCount(0);
    // The Ratings card says why there is nothing to press, instead of standing empty.
    await expect(page.getByTestId("ratings-read-only")).toContainText("Your role (viewer) can read ratings but not give them.");
  });

  test("a Ratings filter on a model nobody rated says so, and the model list shows the filter", async ({ page }) => {
    await page.goto("/t/demo/ratings?model=no-such-model");
    await expect(page.getByText("No ratings match these filters")).toBeVisible();
    await expect(page.getByRole("combobox", { name: "Model" })).toHaveValue("no-such-model");
  });
});
