import { expect, test } from "@playwright/test";
import { ROLES, signIn, stateFile } from "./helpers";

test.describe("signed out", () => {
  test("a visitor is sent to sign in, and a wrong password says so", async ({ page }) => {
    await page.goto("/t/demo");
    await expect(page).toHaveURL(/\/login/);
    await signIn(page, "owner@demo.local", "not-the-password");
    await expect(page.getByText("Wrong email or password.", { exact: true })).toBeVisible();
  });

  test("sign-up explains bad fields and refuses a duplicate email", async ({ page }) => {
    await page.goto("/signup");
    await page.getByLabel("Name").fill("Ada");
    await page.getByLabel("Email").fill("not-an-email");
    await page.getByLabel("Password").fill("short");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByText("Enter a valid email address, like ada@example.com.", { exact: true })).toBeVisible();
    await expect(page.getByText("Use at least 10 characters.", { exact: true })).toBeVisible();

    await page.getByLabel("Email").fill("owner@demo.local");
    await page.getByLabel("Password").fill("long-enough-password");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByText("This email is already registered.", { exact: true })).toBeVisible();
  });

  test("a new user signs up and is asked to create a first team", async ({ page }) => {
    const email = `new-${Date.now()}@example.com`;
    await page.goto("/signup");
    await page.getByLabel("Name").fill("New Person");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("a-good-long-password");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByRole("heading", { name: "Create your first team" })).toBeVisible();
    await page.getByLabel("Team name").fill("Research");
    await page.getByLabel("Address (slug)").fill(`research-${Date.now()}`);
    await page.getByRole("button", { name: "Create team" }).click();
    await expect(page.getByTestId("team-name")).toHaveText("Research");
    await expect(page.getByText("No requests yet")).toBeVisible();
  });
});

for (const role of ROLES) {
  test.describe(`as ${role}`, () => {
    test.use({ storageState: stateFile(role) });
    test(`${role} sees the dashboard shell with their teams`, async ({ page }) => {
      await page.goto("/");
      await expect(page).toHaveURL(/\/t\/demo$/);
      const nav = page.getByRole("navigation", { name: "Main" }).first();
      for (const item of ["Overview", "Playground", "Pipelines", "Costs", "Models", "Ratings", "Budgets"]) {
        await expect(nav.getByRole("link", { name: item })).toBeVisible();
      }
      await expect(nav.getByRole("link", { name: "Admin" })).toHaveCount(role === "owner" || role === "admin" ? 1 : 0);
      await expect(page.getByTestId("user-email")).toHaveText(`${role}@demo.local`);
      // The demo history is labelled as such and shows on the overview.
      await expect(page.getByTestId("requests-30d")).not.toHaveText("0");
      await expect(page.getByText("demo data")).toBeVisible();
      const teams = await page.getByTestId("team-switcher").first().locator("option").allTextContents();
      expect(teams.some((t) => t.startsWith("Demo team"))).toBe(true);
      expect(teams.some((t) => t.startsWith("Labs"))).toBe(role === "owner" || role === "member");
    });
  });
}

test.describe("dark mode", () => {
  test.use({ storageState: stateFile("member") });
  test("the toggle switches the colour scheme and remembers it", async ({ page }) => {
    await page.goto("/t/demo");
    const before = await page.evaluate(() => document.documentElement.classList.contains("dark"));
    await page.getByRole("button", { name: "Toggle dark mode" }).click();
    await page.reload();
    expect(await page.evaluate(() => document.documentElement.classList.contains("dark"))).toBe(!before);
  });
});
