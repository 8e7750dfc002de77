import { expect, test } from "@playwright/test";
import OpenAI from "openai";
import { baseURL } from "../playwright.config";
import { formatInZone } from "../lib/zone";
import { stateFile } from "./helpers";

test.describe("API keys through the built app", () => {
  // A reader far from UTC: times on the page are still UTC, as the column says.
  test.use({ storageState: stateFile("admin"), timezoneId: "Asia/Tokyo" });

  test("an admin creates a key in the UI, the openai SDK works with it, and after revoking it gets 401", async ({ page }) => {
    await page.goto("/t/demo/admin/keys");
    const form = page.getByTestId("create-key-form");
    const name = `e2e key ${Date.now()}`;
    await form.getByLabel("Name").fill(name);
    await form.getByLabel("Monthly budget ($)").fill("5");
    await form.getByRole("button", { name: "Create key" }).click();
    const secret = (await page.getByTestId("new-api-key").textContent())!.trim();
    expect(secret).toMatch(/^mc_/);

    // The key is listed by name and prefix, never in full.
    await page.reload();
    const row = page.getByTestId(`key-${name}`);
    await expect(row).toContainText(secret.slice(0, 10));
    await expect(page.getByText(secret)).toHaveCount(0);
    await expect(row).toContainText("of $5.00 / month");

    // A second budget for the same key, per day, from the Budgets page: the key is still listed once, each budget with its own period.
    await page.goto("/t/demo/budgets");
    const bform = page.getByTestId("budget-form").last();
    await bform.getByLabel("Name").fill(`${name} daily`);
    await bform.getByLabel("Limit (USD)").fill("2");
    await bform.getByRole("combobox", { name: /^Applies to/ }).selectOption("key");
    await bform.getByRole("combobox", { name: /^API key/ }).selectOption({ label: name });
    await bform.getByRole("combobox", { name: /^Period/ }).selectOption("daily");
    await bform.getByRole("button", { name: "Create budget" }).click();
    await expect(page.getByTestId(`budget-${name} daily`)).toBeVisible();
    await page.goto("/t/demo/admin/keys");
    await expect(page.getByTestId(`key-${name}`)).toHaveCount(1);
    await expect(row.getByTestId("key-budgets")).toContainText("of $5.00 / month");
    await expect(row.getByTestId("key-budgets")).toContainText("of $2.00 / day");

    const client = new OpenAI({ baseURL: `${baseURL}/api/v1`, apiKey: secret, maxRetries: 0 });
    const before = new Date();
    const { data, response } = await client.chat.completions.create({ model: "auto", messages: [{ role: "user", content: "What is 2 + 2?" }] }).withResponse();
    expect(data.choices[0].message.content?.length).toBeGreaterThan(0);
    expect(response.headers.get("x-mc-request-id")).toBeTruthy();
    expect(response.headers.get("x-mc-model")).toBe(data.model);

    let text = "";
    for await (const chunk of await client.chat.completions.create({ model: "auto", messages: [{ role: "user", content: "Say hello." }], stream: true })) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text.length).toBeGreaterThan(0);

    // Last used, in UTC (it was the browser's local time, with no zone named); written within 5 s.
    await expect(async () => {
      await page.reload();
      await expect(page.getByRole("columnheader", { name: "Last used (UTC)" })).toBeVisible();
      const shown = (await row.getByTestId("key-last-used").textContent())!.trim();
      const at = Date.parse(`${shown.replace(" ", "T")}:00Z`);
      expect(at, `"${shown}" is a UTC minute between the calls and now`).toBeGreaterThanOrEqual(Date.parse(`${formatInZone(before, "UTC").replace(" ", "T")}:00Z`));
      expect(at).toBeLessThanOrEqual(Date.now());
    }).toPass({ timeout: 15_000 });

    page.once("dialog", (d) => d.accept());
    await page.getByTestId(`key-${name}`).getByRole("button", { name: "Revoke" }).click();
    await expect(page.getByTestId(`key-${name}`)).toContainText("revoked");
    await expect(client.chat.completions.create({ model: "auto", messages: [{ role: "user", content: "hi" }] })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  test("an admin sets team-wide rate limits, sees a clear error for a bad value, and lifts them again", async ({ page }) => {
    await page.goto("/t/demo/admin/keys");
    const form = page.getByTestId("team-limits-form");
    await form.getByLabel("Requests / minute").fill("-3");
    await form.getByRole("button", { name: "Save team limits" }).click();
    await expect(form).toContainText("Requests / minute: Requests per minute must be above zero.");

    // High enough that the other specs' calls on this team are never refused.
    await form.getByLabel("Requests / minute").fill("100000");
    await form.getByLabel("Tokens / minute").fill("");
    await form.getByRole("button", { name: "Save team limits" }).click();
    await expect(form.getByRole("status")).toContainText("100,000 requests per minute over all keys; no team limit on tokens");
    await page.reload();
    await expect(page.getByTestId("team-limits-form").getByLabel("Requests / minute")).toHaveValue("100000");

    await page.getByTestId("team-limits-form").getByLabel("Requests / minute").fill("");
    await page.getByTestId("team-limits-form").getByRole("button", { name: "Save team limits" }).click();
    await expect(page.getByTestId("team-limits-form").getByRole("status")).toContainText("no team limit on requests");
    await page.reload();
    await expect(page.getByTestId("team-limits-form").getByLabel("Requests / minute")).toHaveValue("");
  });

  test("the API page lists the endpoints and copyable examples", async ({ page }) => {
    await page.goto("/t/demo");
    await page.getByRole("link", { name: "API", exact: true }).click();
    await expect(page).toHaveURL(/\/t\/demo\/api$/);
    await expect(page.getByTestId("api-endpoints")).toContainText("/api/v1/chat/completions");
    await expect(page.getByTestId("example-openai-js")).toContainText("baseURL");
    const doc = await (await page.request.get("/api/v1/openapi.json")).json();
    expect(doc.openapi).toBe("3.1.0");
  });
});

test.describe("a viewer", () => {
  test.use({ storageState: stateFile("viewer") });
  test("cannot open the keys admin", async ({ page }) => {
    const res = await page.goto("/t/demo/admin/keys");
    expect(res?.status()).toBe(404);
  });
});
