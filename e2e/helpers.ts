import { expect, type Locator, type Page } from "@playwright/test";

export const ROLES = ["owner", "admin", "member", "viewer"] as const;
export type DemoRole = (typeof ROLES)[number];
export const stateFile = (role: DemoRole) => `e2e/.auth/${role}.json`;

export async function signIn(page: Page, email: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export async function signInAs(page: Page, role: DemoRole) {
  await signIn(page, `${role}@demo.local`, `${role}-demo-pass`);
  await expect(page).toHaveURL(/\/t\/demo$/);
}

/** Patches the mock fleet the app under test calls (its control plane: mock-fleet/README.md). */
export const configureFleet = (body: unknown) =>
  fetch(`http://127.0.0.1:${Number(process.env.E2E_FLEET_PORT ?? 4210)}/__fleet/config`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** Runs `task` on `model` in the playground while every model fails with `fault`, and returns the error shown; the fault is off again after. */
export async function runFailingInPlayground(page: Page, task: string, model: string, fault: "server" | "drop") {
  await page.goto("/t/demo/playground");
  await page.getByLabel("Task").fill(task);
  await page.getByLabel("Model", { exact: true }).selectOption(model);
  expect((await configureFleet({ defaults: { errorRates: { [fault]: 1 } } })).ok).toBe(true);
  try {
    await page.getByRole("button", { name: "Run" }).click();
    await expect(page.getByTestId("result-error")).toBeVisible();
  } finally {
    await configureFleet({ defaults: { errorRates: { [fault]: 0 } } });
  }
  return page.getByTestId("result-error");
}

/** Creates a daily budget on the demo team (the page must be allowed to: an admin's), and checks it is listed. */
export async function createBudget(page: Page, name: string, limitUsd: string, when: "hard" | "warn" = "hard") {
  await page.goto("/t/demo/budgets");
  const form = page.getByTestId("budget-form").last();
  await expect(form).toContainText("Resets at midnight in the team's time zone, UTC."); // which zone, not just "the team's"
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Limit (USD)").fill(limitUsd);
  await form.getByRole("combobox", { name: /^Period/ }).selectOption("daily");
  await form.getByLabel("When the limit is reached").selectOption(when);
  await form.getByRole("button", { name: "Create budget" }).click();
  await expect(page.getByTestId(`budget-${name}`)).toBeVisible();
}

/** Deletes the demo team's budget `name`, if it is there. */
export async function deleteBudget(page: Page, name: string) {
  await page.goto("/t/demo/budgets");
  const card = page.locator("section").filter({ has: page.getByTestId(`budget-${name}`) });
  if (!(await card.count())) return;
  page.once("dialog", (d) => void d.accept());
  await card.getByRole("button", { name: "Delete" }).click();
  await expect(page.getByTestId(`budget-${name}`)).toHaveCount(0);
}

/** Adds an existing user to the Labs team from its Members page (the page must be allowed to: an owner's), and checks the page says so. */
export async function addMember(page: Page, email: string, role: DemoRole) {
  await page.goto("/t/labs/admin");
  const form = page.getByTestId("add-member-form");
  await form.getByLabel("Email").fill(email);
  await form.getByLabel("Role").selectOption(role);
  await form.getByRole("button", { name: "Add member" }).click();
  await expect(page.getByText(`${email} was added to the team.`)).toBeVisible();
}

/**
 * Opens `url`, fills the form with test id `formId` (`fill`), presses its `button` and waits for its
 * confirmation (`saved`: text shown in the form, or the form's status line when not given).
 */
export async function saveForm(page: Page, opts: { url: string; formId: string; button: string; saved?: string; fill: (form: Locator) => Promise<unknown> }) {
  await page.goto(opts.url);
  const form = page.getByTestId(opts.formId);
  await opts.fill(form);
  await form.getByRole("button", { name: opts.button }).click();
  await expect(opts.saved === undefined ? form.getByRole("status") : form.getByText(opts.saved)).toBeVisible();
}

/** Builds a pipeline in `team`'s builder (blank, or from a template), lets `edit` change its steps, creates it and returns its name. */
export async function buildPipeline(page: Page, prefix: string, opts: { team?: string; template?: string; edit?: () => Promise<void> } = {}) {
  await page.goto(`/t/${opts.team ?? "demo"}/pipelines/new${opts.template ? `?template=${opts.template}` : ""}`);
  const name = `${prefix} ${Date.now()}`;
  await page.getByTestId("pipeline-builder").getByLabel("Name").fill(name);
  await opts.edit?.();
  await page.getByRole("button", { name: "Create pipeline" }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
  return name;
}

/** Removes `email` from the team on the Members page in view, accepting the confirmation; returns what it asked. */
export async function removeMember(page: Page, email: string): Promise<string> {
  let asked = "";
  page.once("dialog", (d) => {
    asked = d.message();
    void d.accept();
  });
  await page.getByTestId(`member-${email}`).getByRole("button", { name: "Remove" }).click();
  await expect(page.getByTestId(`member-${email}`)).toHaveCount(0);
  return asked;
}
