import { expect, test, type Page } from "@playwright/test";
import { stateFile } from "./helpers";

const WIDTH = 390; // an iPhone 12–15 in portrait

/** The page's full width; above the viewport's, the whole page scrolls sideways. */
const pageWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

test.describe("a phone-sized window", () => {
  test.use({ storageState: stateFile("owner"), viewport: { width: WIDTH, height: 844 } });

  test("pages do not scroll sideways at 390 px or 320 px: the header, code blocks, wide tables and long names stay inside the screen", async ({ page }) => {
    test.setTimeout(120_000);
    // A key with a long name and a budget, used once and rated with a comment, so that the keys
    // table, the audit log and the ratings table all have wide rows.
    await page.goto("/t/demo/admin/keys");
    const form = page.getByTestId("create-key-form");
    const name = `narrow-screen-key-with-a-rather-long-name-${Date.now()}`;
    await form.getByLabel("Name").fill(name);
    await form.getByLabel("Monthly budget ($)").fill("5");
    await form.getByRole("button", { name: "Create key" }).click();
    const secret = (await page.getByTestId("new-api-key").textContent())!.trim();
    const headers = { authorization: `Bearer ${secret}` };
    const call = await page.request.post("/api/v1/chat/completions", { headers, data: { model: "auto", messages: [{ role: "user", content: "Summarise: the launch moved to May." }] } });
    expect(call.status()).toBe(200);
    const rated = await page.request.post("/api/v1/feedback", {
      headers,
      data: { request_id: call.headers()["x-mc-request-id"], rating: 4, comment: "Right answer, though the second paragraph repeated the first one almost word for word." },
    });
    expect(rated.ok()).toBe(true);
    // The Ratings page names the key a rating came through, as the request's page does.
    await page.goto("/t/demo/ratings");
    await expect(page.getByTestId("ratings-table")).toContainText(`API key ${name}`);

    const pages: [url: string, content: string][] = [
      ["/t/demo", "requests-30d"],
      ["/t/demo/api", "example-curl-delegate"],
      ["/t/demo/admin/audit", "audit-table"],
      ["/t/demo/ratings", "ratings-table"],
      ["/t/demo/admin/keys", "keys-table"],
    ];
    for (const [url, content] of pages) {
      await page.goto(url);
      await expect(page.getByTestId(content)).toBeVisible();
      expect(await pageWidth(page), `${url} is wider than the screen`).toBeLessThanOrEqual(WIDTH);
      const email = await page.getByTestId("user-email").boundingBox();
      expect(email!.x + email!.width, `${url}: the header's email runs off the screen`).toBeLessThanOrEqual(WIDTH);
    }

    // The table scrolls inside its box, so the key's Revoke button can still be reached and used.
    page.once("dialog", (d) => d.accept());
    const revoke = page.getByTestId(`key-${name}`).getByRole("button", { name: "Revoke" });
    await revoke.scrollIntoViewIfNeeded();
    const box = await revoke.boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(WIDTH);
    await revoke.click();
    await expect(page.getByTestId(`key-${name}`)).toContainText("revoked");
    expect(await pageWidth(page)).toBeLessThanOrEqual(WIDTH);

    // An open invitation for a long address, listed on Admin → Members.
    await page.goto("/t/demo/admin");
    const invite = page.getByTestId("add-member-form");
    await invite.getByLabel("Email").fill(`someone-with-a-rather-long-address-${Date.now()}@subdivision.example.com`);
    await invite.getByRole("button", { name: "Add member" }).click();
    await expect(page.getByTestId("invite-link")).toBeVisible();

    // 320 CSS px, the width content must reflow to (WCAG 1.4.10), on every dashboard page — with
    // the long key name above in the Requests page's key filter and the long invited address.
    await page.setViewportSize({ width: 320, height: 640 });
    const paths = [
      "/t/demo", "/t/demo/playground", "/t/demo/requests", "/t/demo/costs", "/t/demo/models", "/t/demo/routing",
      "/t/demo/budgets", "/t/demo/ratings", "/t/demo/pipelines", "/t/demo/pipelines/new", "/t/demo/api", "/t/demo/notifications",
      "/t/demo/admin", "/t/demo/admin/providers", "/t/demo/admin/models", "/t/demo/admin/routing", "/t/demo/admin/keys", "/t/demo/admin/audit",
    ];
    const wide: string[] = [];
    for (const path of paths) {
      const res = await page.goto(path);
      expect(res?.status(), path).toBe(200);
      await expect(page.getByRole("heading", { level: 1 }).first()).toBeVisible();
      const width = await pageWidth(page);
      if (width > 320) wide.push(`${path}: ${width}px`);
    }
    expect(wide, "pages wider than a 320 px window").toEqual([]);
  });
});
