import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { ROLES, addMember, removeMember, stateFile } from "./helpers";

/** Every dashboard page of a team, found on disk (dynamic segments other than [team] are skipped). */
function dashboardPages(): string[] {
  const root = path.join(process.cwd(), "app/(dashboard)/t/[team]");
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) {
        if (!name.startsWith("[")) walk(p);
      } else if (name === "page.tsx") out.push(path.relative(root, dir).split(path.sep).join("/"));
    }
  };
  walk(root);
  return out.sort().map((p) => `/t/demo${p ? `/${p}` : ""}`);
}
const PAGES = [...dashboardPages(), "/teams/new", "/login", "/signup"];

// The seed stores "mock-fleet-key" (encrypted) for every mock provider; an API key is "mc_" + 40+ chars.
const LEAKS: [string, RegExp][] = [
  ["provider key", /mock-fleet-key/],
  ["encrypted blob", /v1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+/],
  ["SHA-256 key hash", /\b[0-9a-f]{64}\b/],
  ["full API key", /\bmc_[A-Za-z0-9_-]{30,}/],
  ["webhook secret field value", /webhookSecretEncrypted|apiKeyEncrypted|keyHash|tokenHash|passwordHash/],
];

async function checkPage(page: Page, url: string) {
  const res = await page.goto(url);
  expect(res, url).not.toBeNull();
  const status = res!.status();
  expect(status, `${url} answered ${status}`).toBeLessThan(500);
  const h = await res!.allHeaders();
  expect(h["content-security-policy"] ?? "", `${url}: CSP`).toContain("frame-ancestors 'none'");
  expect(h["x-frame-options"], `${url}: X-Frame-Options`).toBe("DENY");
  expect(h["referrer-policy"], `${url}: Referrer-Policy`).toBe("strict-origin-when-cross-origin");
  expect(h["x-content-type-options"], `${url}: nosniff`).toBe("nosniff");
  const html = await res!.text();
  for (const [what, re] of LEAKS) expect(html.match(re)?.[0], `${url} sends a ${what} to the browser`).toBeUndefined();
  return status;
}

for (const role of ROLES) {
  test.describe(`hardening as ${role}`, () => {
    test.use({ storageState: stateFile(role) });

    test(`every page: security headers, and no provider key, encrypted blob or key hash in the HTML (${role})`, async ({ page }) => {
      const seen: string[] = [];
      for (const url of PAGES) seen.push(`${url} ${await checkPage(page, url)}`);
      console.log(`[hardening e2e] ${role}: ${PAGES.length} pages checked — ${seen.join(", ")}`);
    });
  });
}

test.describe("audit log page", () => {
  test.describe("as owner", () => {
    test.use({ storageState: stateFile("owner") });
    test("an owner changes a role and sees it in the audit log, with who did it", async ({ page }) => {
      await addMember(page, "viewer@demo.local", "viewer");
      await page.getByTestId("member-viewer@demo.local").getByRole("combobox").selectOption("member");
      await expect(page.getByTestId("member-viewer@demo.local").getByRole("combobox")).toHaveValue("member");
      await page.goto("/t/labs/admin/audit");
      const table = page.getByTestId("audit-table");
      await expect(table.getByRole("row").filter({ hasText: "member.role" }).first()).toContainText("owner@demo.local");
      await expect(table.getByRole("row").filter({ hasText: "member.role" }).first()).toContainText('"to":"member"');
      // Leave the labs team as it was for other specs.
      await page.goto("/t/labs/admin");
      await removeMember(page, "viewer@demo.local");
    });
  });
  for (const role of ["member", "viewer"] as const) {
    test.describe(`as ${role}`, () => {
      test.use({ storageState: stateFile(role) });
      test(`a ${role} cannot open the audit log`, async ({ page }) => {
        const res = await page.goto("/t/demo/admin/audit");
        expect(res?.status()).toBe(404);
      });
    });
  }
});
