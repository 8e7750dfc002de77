import { expect, test } from "@playwright/test";
import { baseURL } from "../playwright.config";
import { addMember, buildPipeline, configureFleet, removeMember, stateFile } from "./helpers";

test.describe("owner manages members", () => {
  test.use({ storageState: stateFile("owner") });

  test("an owner adds an existing user to a team, changes the role, and removes them", async ({ page }) => {
    await addMember(page, "admin@demo.local", "viewer");
    const row = page.getByTestId("member-admin@demo.local");
    await expect(row.getByRole("combobox")).toHaveValue("viewer");

    await row.getByRole("combobox").selectOption("member");
    // The page says so once the server has stored it; reloading before that would race the action.
    await expect(page.getByRole("status").filter({ hasText: "admin@demo.local is now member." })).toBeVisible();
    await page.reload();
    await expect(page.getByTestId("member-admin@demo.local").getByRole("combobox")).toHaveValue("member");

    await removeMember(page, "admin@demo.local");
    await expect(page.getByRole("status").filter({ hasText: "admin@demo.local was removed from" })).toBeVisible();
  });

  test("removing a member names the API keys it revokes, and they stop working", async ({ page, browser }) => {
    test.slow(); // two sessions, two keys, an invitation, a removal
    const stamp = Date.now();
    const [ciBot, notebook] = [`ci-bot-${stamp}`, `notebook-${stamp}`];
    const invitee = `dana-invitee-${stamp}@example.com`;
    await addMember(page, "admin@demo.local", "admin");

    // As that admin: two keys in Labs, and an invitation.
    const ctx = await browser.newContext({ storageState: stateFile("admin") });
    const admin = await ctx.newPage();
    const secrets: string[] = [];
    for (const name of [ciBot, notebook]) {
      await admin.goto("/t/labs/admin/keys");
      const keyForm = admin.getByTestId("create-key-form");
      await keyForm.getByLabel("Name").fill(name);
      await keyForm.getByRole("button", { name: "Create key" }).click();
      secrets.push((await admin.getByTestId("new-api-key").textContent())!.trim());
    }
    await admin.goto("/t/labs/admin");
    await admin.getByTestId("add-member-form").getByLabel("Email").fill(invitee);
    await admin.getByTestId("add-member-form").getByRole("button", { name: "Add member" }).click();
    await expect(admin.getByTestId("invite-link")).toBeVisible();
    await ctx.close();
    const models = (key: string) => fetch(`${baseURL}/api/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    for (const key of secrets) expect((await models(key)).status).toBe(200);

    await page.reload();
    await expect(page.getByRole("listitem").filter({ hasText: invitee })).toHaveCount(1);
    const asked = await removeMember(page, "admin@demo.local");
    expect(asked).toContain(`Removing Demo Admin also revokes 2 API keys: ${ciBot}, ${notebook}; and 1 pending invitation they sent: ${invitee}.`);
    await expect(page.getByRole("status").filter({ hasText: "admin@demo.local was removed from Labs." })).toContainText(`Revoked 2 API keys: ${ciBot}, ${notebook}`);
    await expect(page.getByRole("listitem").filter({ hasText: invitee })).toHaveCount(0);

    for (const key of secrets) expect((await models(key)).status).toBe(401);
    await page.goto("/t/labs/admin/keys");
    for (const name of [ciBot, notebook]) await expect(page.getByTestId(`key-${name}`)).toContainText("revoked");
  });

  test("removing a member cancels the pipeline run they have running and says so", async ({ page, browser }) => {
    test.slow(); // two sessions, a pipeline built and run, a removal
    await addMember(page, "admin@demo.local", "member");
    // Slow the run's first step so it is still running when they are removed.
    expect((await configureFleet({ models: { "mistral-small-latest": { tokensPerSecond: 5 } } })).ok).toBe(true);
    try {
      const ctx = await browser.newContext({ storageState: stateFile("admin") });
      const admin = await ctx.newPage();
      await buildPipeline(admin, "Removed starter's", { team: "labs", template: "summarise-analyse-optimise" });
      await admin.getByTestId("run-form").getByLabel("Input").fill("Sales rose 12% in March; two suppliers were late.");
      await admin.getByRole("button", { name: "Run pipeline" }).click();
      await expect(admin).toHaveURL(/\/t\/labs\/pipelines\/runs\/[0-9a-f-]{36}$/);
      await expect(admin.getByTestId("step-summarize")).toHaveAttribute("data-status", "running", { timeout: 20_000 });
      const runPath = new URL(admin.url()).pathname;
      await ctx.close();

      await page.reload();
      const asked = await removeMember(page, "admin@demo.local");
      // The confirmation said so before: the run counts as the keys do.
      expect(asked).toContain("Removing Demo Admin also cancels their 1 queued or running pipeline run.");
      await expect(page.getByRole("status").filter({ hasText: "admin@demo.local was removed from Labs." })).toContainText("Cancelled their 1 queued or running pipeline run.");

      await page.goto(runPath);
      await expect(page.getByTestId("run-status")).toHaveText("cancelled");
      await expect(page.getByTestId("run-error")).toHaveText("Cancelled because admin@demo.local was removed from the team.");
    } finally {
      await configureFleet({ models: { "mistral-small-latest": { tokensPerSecond: 800 } } });
    }
  });

  test("adding someone twice says they are already a member", async ({ page }) => {
    await page.goto("/t/demo/admin");
    const form = page.getByTestId("add-member-form");
    await form.getByLabel("Email").fill("member@demo.local");
    await form.getByRole("button", { name: "Add member" }).click();
    await expect(page.getByText("Already a member.")).toBeVisible();
  });

  test("the last owner can be neither demoted nor removed", async ({ page }) => {
    await page.goto("/t/labs/admin");
    const row = page.getByTestId("member-owner@demo.local");
    await row.getByRole("combobox").selectOption("admin");
    await expect(page.getByRole("alert").filter({ hasText: "owner" })).toContainText("at least one owner");
    await page.reload();
    await expect(page.getByTestId("member-owner@demo.local").getByRole("combobox")).toHaveValue("owner");
    page.once("dialog", (d) => d.accept());
    await page.getByTestId("member-owner@demo.local").getByRole("button", { name: "Remove" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "owner" })).toContainText("last owner");
  });

  test("an invited person signs up, accepts, and lands in the team", async ({ page, browser }) => {
    test.setTimeout(60_000); // three browsers: the owner, someone else signed in, the invitee
    await page.goto("/t/labs/admin");
    const email = `invitee-${Date.now()}@example.com`;
    const form = page.getByTestId("add-member-form");
    await form.getByLabel("Email").fill(email);
    await form.getByLabel("Role").selectOption("member");
    await form.getByRole("button", { name: "Add member" }).click();
    const link = (await page.getByTestId("invite-link").textContent())!;
    const path = new URL(link).pathname;

    // Someone else signed in who opens the link is told whose it is, and cannot accept it.
    const other = await browser.newContext({ storageState: stateFile("viewer") });
    const o = await other.newPage();
    await o.goto(path);
    await expect(o.getByTestId("invitation-problem")).toContainText(`This invitation is for ${email}`);
    await expect(o.getByTestId("invitation-problem")).toContainText("You are signed in as viewer@demo.local");
    await expect(o.getByRole("button", { name: "Accept invitation" })).toHaveCount(0);
    await expect(o.getByRole("button", { name: "Sign out to switch accounts" })).toBeVisible();
    await other.close();

    // The invitee opens the link with no account: sign-in, then "Create one", leads back to it.
    const ctx = await browser.newContext({ storageState: undefined });
    const p = await ctx.newPage();
    await p.goto(path);
    await expect(p).toHaveURL(/\/login\?next=/);
    await p.getByRole("link", { name: "Create one" }).click();
    await p.getByLabel("Name").fill("Invitee");
    await p.getByLabel("Email").fill(email);
    await p.getByLabel("Password").fill("invitee-password-1");
    await p.getByRole("button", { name: "Create account" }).click();
    await expect(p).toHaveURL(new RegExp(`${path}$`));
    await expect(p.getByRole("heading", { name: "Join Labs" })).toBeVisible();
    await expect(p.getByTestId("invitation-summary")).toContainText(`invited ${email} to join Labs as a member`);
    await p.getByRole("button", { name: "Accept invitation" }).click();
    await expect(p.getByTestId("team-name")).toHaveText("Labs");
    // The link, opened again, leads into the team.
    await p.goto(path);
    await expect(p.getByTestId("team-name")).toHaveText("Labs");
    await ctx.close();
  });
});
