import { expect, type Page } from "@playwright/test";

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
