import { expect, test as setup } from "@playwright/test";
import { ROLES, signInAs, stateFile } from "./helpers";

for (const role of ROLES) {
  setup(`sign in as ${role}`, async ({ page }) => {
    await signInAs(page, role);
    await expect(page.getByTestId("team-name")).toHaveText("Demo team");
    await page.context().storageState({ path: stateFile(role) });
  });
}
