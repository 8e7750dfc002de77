import { expect, test } from "@playwright/test";
import { stateFile } from "./helpers";

test.describe("team isolation", () => {
  test.use({ storageState: stateFile("viewer") });

  test("a user of one team cannot open another team's pages by URL", async ({ page }) => {
    for (const path of ["/t/labs", "/t/labs/costs", "/t/labs/admin", "/t/no-such-team"]) {
      const res = await page.goto(path);
      expect(res?.status(), path).toBe(404);
      await expect(page.getByText("Labs")).toHaveCount(0);
    }
  });

  test("a viewer sees no admin controls and cannot open the admin page", async ({ page }) => {
    await page.goto("/t/demo");
    await expect(page.getByRole("link", { name: "Admin" })).toHaveCount(0);
    const res = await page.goto("/t/demo/admin");
    expect(res?.status()).toBe(404);
  });
});

test("a server action replayed with a viewer's session is refused", async ({ browser }) => {
  // The owner adds a member; we capture that server action request as the browser sent it.
  const owner = await browser.newContext({ storageState: stateFile("owner") });
  const page = await owner.newPage();
  await page.goto("/t/demo/admin");
  const email = `replay-${Date.now()}@example.com`;
  const form = page.getByTestId("add-member-form");
  await form.getByLabel("Email").fill(email);
  const captured = page.waitForRequest((r) => r.method() === "POST" && !!r.headers()["next-action"]);
  await form.getByRole("button", { name: "Add member" }).click();
  const req = await captured;
  await expect(page.getByTestId("invite-link")).toBeVisible();

  // Replay the same action id and body, for another email, with the viewer's cookies.
  const viewer = await browser.newContext({ storageState: stateFile("viewer") });
  const other = `replayed-${Date.now()}@example.com`;
  const body = req.postDataBuffer()!.toString("latin1").replace(email, other);
  const res = await viewer.request.post(req.url(), {
    headers: { "next-action": req.headers()["next-action"], "content-type": req.headers()["content-type"], accept: "text/x-component" },
    data: Buffer.from(body, "latin1"),
  });
  const text = await res.text();
  expect(text).toContain("does not allow this");

  // Nothing was written: the owner sees the first invitation but not the replayed one.
  await page.reload();
  await expect(page.getByText(email)).toBeVisible();
  await expect(page.getByText(other)).toHaveCount(0);
  await owner.close();
  await viewer.close();
});
