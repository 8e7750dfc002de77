import { expect, test, type Page } from "@playwright/test";
import { stateFile } from "./helpers";

const ZONE = "Asia/Kathmandu"; // +05:45: its days turn at 18:15 UTC
const OFFSET_MS = (5 * 60 + 45) * 60_000;

async function setZone(page: Page, zone: string) {
  await page.goto("/t/demo/admin");
  const form = page.getByTestId("team-zone-form");
  await form.getByLabel("Time zone").fill(zone);
  await form.getByRole("button", { name: "Save time zone" }).click();
  return form;
}

test.describe("the team's time zone", () => {
  // The reader's browser is in Los Angeles: what the pages show follows the team's zone, not the browser's.
  test.use({ storageState: stateFile("admin"), timezoneId: "America/Los_Angeles" });

  test.afterAll(async ({ browser }) => {
    const ctx = await browser.newContext({ storageState: stateFile("admin") });
    const form = await setZone(await ctx.newPage(), "UTC");
    await expect(form.getByRole("status")).toContainText("UTC");
    await ctx.close();
  });

  test("an admin sets the zone; the Overview's times, today and the budget's reset, and the Budgets page, read in it", async ({ page }) => {
    // A call to see on the Overview.
    const before = Date.now();
    await page.goto("/t/demo/playground");
    await page.getByLabel("Task").fill(`Say hello in Nepali (zone run ${before.toString(36)})`);
    await page.getByLabel("Model", { exact: true }).selectOption("gpt-4.1-mini");
    await page.getByRole("button", { name: "Run" }).click();
    await expect(page.getByTestId("playground-result").getByTestId("result-model")).toHaveText("gpt-4.1-mini");

    // Something that is not a zone is refused, saying what to enter; nothing changes.
    let form = await setZone(page, "Mars/Olympus_Mons");
    await expect(form.getByRole("alert").filter({ hasText: '"Mars/Olympus_Mons" is not a time zone: choose one from the list' })).toBeVisible();
    await expect(form.getByRole("alert").filter({ hasText: "Not a time zone: pick one from the list" })).toBeVisible(); // under the field
    // The list offers the zone by its current name, with its offset.
    await expect(page.locator(`datalist#team-zones option[value="${ZONE}"]`)).toHaveText("UTC+05:45");

    form = await setZone(page, ZONE.toLowerCase());
    await expect(form.getByRole("status")).toContainText(`The team’s time zone is now ${ZONE}.`);
    // The demo's monthly budget (and any other specs left) now end at Kathmandu's midnight, 5 h 45 min before UTC's.
    await expect(form.getByRole("status")).toContainText(/(One budget’s current period now ends|\d+ budgets’ current periods now end) at midnight in Asia\/Kathmandu\./);
    await page.reload();
    await expect(page.getByTestId("team-zone-form").getByLabel("Time zone")).toHaveValue(ZONE);

    await page.goto("/t/demo");
    await expect(page.getByText(`Spend today (${ZONE})`)).toBeVisible();
    await expect(page.getByText(`Recent activity (${ZONE})`)).toBeVisible();
    // The newest call's time is a Kathmandu minute between the run and now.
    const shown = (await page.getByTestId("recent-activity").locator("li").first().textContent())!.match(/(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})$/);
    expect(shown, "the row ends with a date and time").not.toBeNull();
    const at = Date.parse(`${shown![1]}T${shown![2]}:00Z`) - OFFSET_MS;
    expect(at).toBeGreaterThanOrEqual(before - (before % 60_000));
    expect(at).toBeLessThanOrEqual(Date.now());
    // The demo's monthly budget resets at midnight on the 1st in Kathmandu, and says so.
    const local = new Date(Date.now() + OFFSET_MS);
    const first = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 1));
    const reset = `${first.toLocaleDateString("en-GB", { timeZone: "UTC", day: "numeric", month: "short", year: "numeric" })}, 00:00 (${ZONE})`;
    await expect(page.getByTestId("overview-reset")).toHaveText(`Resets ${reset}.`);

    await page.goto("/t/demo/budgets");
    await expect(page.getByTestId("budget-Demo team monthly")).toContainText(`monthly, resets ${reset}`);
    await expect(page.getByTestId("budget-form").last()).toContainText(`Resets at midnight in the team's time zone, ${ZONE}.`);

    // The audit log has the change, on the team's clock.
    await page.goto("/t/demo/admin/audit");
    await expect(page.getByRole("columnheader", { name: `When (${ZONE})` })).toBeVisible();
    await expect(page.getByRole("row").filter({ hasText: "team.timezone" }).first()).toContainText(ZONE);
  });
});
