import { expect, test } from "@playwright/test";
import { createBudget, deleteBudget, stateFile } from "./helpers";

// No long digit runs in text that reaches a task: a 13-digit timestamp can pass the Luhn check and make it "private".
const NAME = `E2E tiny ${Date.now().toString(36)}`;

test.describe("budgets journey", () => {
  test.afterAll(async ({ browser }) => {
    // Whatever happened, leave the demo team without the tiny budget for the other specs.
    const ctx = await browser.newContext({ storageState: stateFile("admin") });
    await deleteBudget(await ctx.newPage(), NAME);
    await ctx.close();
  });

  test("an admin sets a budget, a member runs into it and sees the error, the overview shows it", async ({ browser }) => {
    const admin = await browser.newContext({ storageState: stateFile("admin") });
    const a = await admin.newPage();
    await createBudget(a, NAME, "0.000001");
    // A budget created mid-period starts from what the team already spent today (other specs' calls).
    await expect(a.getByTestId(`budget-${NAME}`)).toContainText(/\$[\d.,]+ of \$0\.0000010/);

    const member = await browser.newContext({ storageState: stateFile("member") });
    const m = await member.newPage();
    await m.goto("/t/demo/budgets");
    await expect(m.getByTestId(`budget-${NAME}`)).toBeVisible();
    await expect(m.getByRole("button", { name: "Create budget" })).toHaveCount(0); // members see budgets, cannot edit them
    await m.goto("/t/demo/playground");
    const run = m.getByTestId("playground-form");
    await run.getByLabel("Task").fill(`Explain budgets in one line (${NAME})`);
    await run.getByLabel("Model", { exact: true }).selectOption("gpt-4.1-mini");
    await run.getByRole("button", { name: "Run" }).click();
    await expect(m.getByTestId("result-error")).toContainText(`Budget "${NAME}" exceeded`);

    // The refusal is on the overview, and the budget's alerts reached the notification centre.
    await m.goto("/t/demo");
    await expect(m.getByTestId("recent-activity").locator("li").first()).toContainText("refused");
    await expect(m.getByTestId("notification-bell")).toHaveAttribute("aria-label", /unread/);
    await m.getByTestId("notification-bell").click();
    await expect(m.getByTestId("notification-list")).toContainText(`Budget "${NAME}" reached 100 %`);

    await a.goto("/t/demo/budgets");
    await expect(a.getByTestId("alert-history")).toContainText(NAME);
    await deleteBudget(a, NAME);
    await admin.close();
    await member.close();
  });

  test("the overview's budget forecast and its chart say the same amount by the same day", async ({ browser }) => {
    const viewer = await browser.newContext({ storageState: stateFile("viewer") });
    const v = await viewer.newPage();
    await v.goto("/t/demo");
    const card = v.getByTestId("overview-budget");
    const sentence = (await card.getByText(/^Burn rate/).textContent())!;
    const [, amount, day] = /forecast (\$[\d.,]+) by (\d+ \w+)\./.exec(sentence)!;
    const descId = await card.getByRole("img", { name: /Budget burn/ }).getAttribute("aria-describedby");
    const summary = (await v.locator(`[id="${descId}"]`).textContent())!;
    // On the period's last day the chart has no forecast left to draw.
    test.skip(!summary.includes("forecast"), "the period ends today");
    const [, chartAmount, chartDay] = /forecast is (\$[\d.,]+) by (\d{4}-\d{2}-\d{2})/.exec(summary)!;
    expect(chartAmount).toBe(amount);
    expect(new Date(`${chartDay}T00:00:00Z`).toLocaleDateString("en-GB", { timeZone: "UTC", day: "numeric", month: "short" })).toBe(day);
    await viewer.close();
  });

  test("a viewer sees budgets without edit controls; costs page and CSV export work", async ({ browser }) => {
    const viewer = await browser.newContext({ storageState: stateFile("viewer") });
    const v = await viewer.newPage();
    await v.goto("/t/demo/budgets");
    await expect(v.getByTestId("budget-list")).toBeVisible();
    await expect(v.getByRole("button", { name: "Edit" })).toHaveCount(0);
    // Chart axes a person can read: no two ticks print the same amount (the budget chart once read "$0" at every tick).
    for (const [path, id] of [["/t/demo", "burn-chart"], ["/t/demo/costs?days=90&by=model", "stacked-chart"]]) {
      await v.goto(path);
      // The dollar axis's tick labels (the other axis prints dates).
      const ticks = v.getByTestId(id).locator(".recharts-cartesian-axis-tick-value").filter({ hasText: /^\$/ });
      await expect(ticks.nth(2)).toBeVisible();
      const labels = await ticks.allTextContents();
      expect(new Set(labels).size, labels.join(" ")).toBe(labels.length);
    }
    await expect(v.getByTestId("stacked-chart")).toBeVisible();
    // Each chart has a name and a text summary of its figures for screen readers.
    await expect(v.getByRole("img", { name: /^Spend per day from \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}, stacked by \d+ series$/ })).toHaveAccessibleDescription(
      /^Total \$[\d,.]+ over 90 days; highest day \d{4}-\d{2}-\d{2} at \$[\d,.]+\. Largest: .+ \$[\d,.]+ \([\d.]+ %\)/,
    );
    await v.goto("/t/demo");
    await expect(v.getByRole("img", { name: /Budget burn/ })).toHaveAccessibleDescription(/^Spent \$[\d,.]+ from \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}, against a limit of \$[\d,.]+\./);
    await v.goto("/t/demo/costs?days=90&by=model");
    await expect(v.getByTestId("costs-table")).toContainText("%");
    const csv = await v.request.get("/api/teams/demo/costs.csv?by=user");
    expect(csv.status()).toBe(200);
    expect(await csv.text()).toMatch(/^day,user,requests,errors,tokens,cost_usd,cost_micros\r\n\d{4}-\d{2}-\d{2},/);
    const other = await v.request.get("/api/teams/labs/costs.csv"); // the viewer is not in labs
    expect(other.status()).toBe(404);
    await viewer.close();
  });
});
